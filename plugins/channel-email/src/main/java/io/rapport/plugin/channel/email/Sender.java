package io.rapport.plugin.channel.email;

import java.io.UnsupportedEncodingException;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.rapport.api.customer.Consent;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

/** One configuration's SMTP connections, rate limit and message building; replaced as a whole when the configuration changes. */
final class Sender implements AutoCloseable {

    /** RFC 8058: the header that makes {@code List-Unsubscribe} a one-click POST. */
    static final String LIST_UNSUBSCRIBE = "List-Unsubscribe";
    static final String LIST_UNSUBSCRIBE_POST = "List-Unsubscribe-Post";
    static final String ONE_CLICK = "List-Unsubscribe=One-Click";
    /** Names the purpose of every message, so that filters and support staff can tell receipts from newsletters. */
    static final String PURPOSE_HEADER = "X-Rapport-Purpose";
    static final String MESSAGE_ID_HEADER = "X-Rapport-Message-Id";
    /** A connection unused this long is checked (NOOP) before it carries a message: servers close idle ones. */
    static final long IDLE_CHECK_NANOS = Duration.ofSeconds(20).toNanos();

    private record Pooled(Transport transport, long lastUsed) {
    }

    private final EmailChannel.Settings settings;
    private final BlockingQueue<Pooled> idle;
    private final Semaphore permits;
    private final long intervalNanos;
    private long nextSlot;
    private volatile boolean closed;

    Sender(EmailChannel.Settings settings) {
        this.settings = settings;
        this.idle = new ArrayBlockingQueue<>(settings.connections());
        this.permits = new Semaphore(settings.connections(), true);
        this.intervalNanos = settings.ratePerSecond() > 0 ? 1_000_000_000L / settings.ratePerSecond() : 0;
    }

    SendResult send(OutboundMessage m) {
        String to = m.customer().email();
        if (to == null || to.isBlank()) {
            return SendResult.rejected("the customer has no email address");
        }
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        long wait = reserve(System.nanoTime(), settings.timeout().toNanos());
        if (wait < 0) {
            return SendResult.retryLater("over the rate of " + settings.ratePerSecond() + " messages per second", Duration.ofSeconds(1));
        }
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
        try {
            if (!permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return SendResult.retryLater("all " + settings.connections() + " SMTP connections are busy", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendResult.retryLater("interrupted", null);
        }
        try {
            return withBundleLoader(() -> deliver(m, to));
        } finally {
            permits.release();
        }
    }

    private SendResult deliver(OutboundMessage m, String to) {
        MimeMessage mail;
        InternetAddress recipient;
        try {
            recipient = recipient(m, to);
            mail = build(m, recipient);
        } catch (MessagingException | UnsupportedEncodingException e) {
            return SendResult.rejected("the message cannot be built: " + e.getMessage());
        }
        Pooled conn = idle.poll();
        Transport t = null;
        try {
            t = conn != null ? conn.transport() : settings.session().getTransport(settings.protocol());
            if (conn != null && System.nanoTime() - conn.lastUsed() > IDLE_CHECK_NANOS && !t.isConnected()) {
                t.close();
            }
            if (!t.isConnected()) {
                t.connect(settings.username(), settings.password());
            }
            t.sendMessage(mail, new Address[] {recipient});
            if (!closed && idle.offer(new Pooled(t, System.nanoTime()))) {
                t = null; // kept for the next message
            }
            return SendResult.sent(mail.getMessageID());
        } catch (MessagingException e) {
            int code = returnCode(e);
            String why = describe(e, code);
            if (code >= 500 && isAddressFailure(e)) {
                // the recipient does not exist or is refused for good: a hard bounce, the kernel suppresses the address
                return SendResult.bounced("the mail server refused the address: " + why);
            }
            if (code >= 500) {
                return SendResult.rejected("the mail server refused the message: " + why);
            }
            return SendResult.retryLater("the mail server did not take the message: " + why, null);
        } finally {
            if (t != null) {
                closeQuietly(t);
            }
        }
    }

    private static InternetAddress recipient(OutboundMessage m, String to) throws MessagingException, UnsupportedEncodingException {
        InternetAddress a = new InternetAddress(to, true);
        String name = String.join(" ", java.util.stream.Stream.of(m.customer().firstName(), m.customer().lastName())
                .filter(s -> s != null && !s.isBlank()).toList());
        return name.isEmpty() ? a : new InternetAddress(a.getAddress(), name, "UTF-8");
    }

    MimeMessage build(OutboundMessage m, InternetAddress to) throws MessagingException {
        String messageId = "<" + m.id() + "@" + domain(settings.from().getAddress()) + ">";
        MimeMessage mail = new MimeMessage(settings.session()) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId); // the same on every attempt: receivers can drop a repeat
            }
        };
        mail.setFrom(settings.from());
        mail.setRecipient(Message.RecipientType.TO, to);
        if (settings.replyTo() != null) {
            mail.setReplyTo(new Address[] {settings.replyTo()});
        }
        mail.setSubject(m.subject() == null ? "" : m.subject(), "UTF-8");
        mail.setSentDate(new Date());
        mail.setHeader(MESSAGE_ID_HEADER, m.id().toString());
        mail.setHeader(PURPOSE_HEADER, m.purpose());
        if (Consent.PURPOSE_TRANSACTIONAL.equals(m.purpose())) {
            mail.setHeader("Auto-Submitted", "auto-generated"); // RFC 3834: no auto-replies to a receipt
        }
        if (m.unsubscribeUrl() != null) {
            mail.setHeader(LIST_UNSUBSCRIBE, "<" + m.unsubscribeUrl() + ">");
            mail.setHeader(LIST_UNSUBSCRIBE_POST, ONE_CLICK);
        }
        String text = m.text() == null ? "" : m.text();
        if (m.html() == null) {
            mail.setText(text, "UTF-8");
        } else {
            MimeBodyPart plain = new MimeBodyPart();
            plain.setText(text, "UTF-8");
            MimeBodyPart html = new MimeBodyPart();
            html.setContent(m.html(), "text/html; charset=UTF-8");
            MimeMultipart alternative = new MimeMultipart("alternative", plain, html);
            mail.setContent(alternative);
        }
        mail.saveChanges();
        return mail;
    }

    /**
     * Takes the next send slot of the rate limit.
     *
     * @return how long to wait for it, or -1 if it is further away than {@code maxWait}
     */
    synchronized long reserve(long now, long maxWait) {
        if (intervalNanos == 0) {
            return 0;
        }
        long slot = Math.max(now, nextSlot);
        if (slot - now > maxWait) {
            return -1;
        }
        nextSlot = slot + intervalNanos;
        return slot - now;
    }

    /** @return the SMTP reply code in the exception or its causes, or -1 */
    static int returnCode(MessagingException e) {
        for (Exception x = e; x != null; x = x instanceof MessagingException me ? me.getNextException() : null) {
            if (x instanceof SMTPAddressFailedException a) {
                return a.getReturnCode();
            }
            if (x instanceof SMTPSendFailedException s) {
                return s.getReturnCode();
            }
            if (x instanceof SMTPSenderFailedException s) {
                return s.getReturnCode();
            }
        }
        return -1;
    }

    /** @return whether the server refused the recipient itself (RCPT TO, a 5xx), rather than the sender or the content */
    static boolean isAddressFailure(MessagingException e) {
        for (Exception x = e; x != null; x = x instanceof MessagingException me ? me.getNextException() : null) {
            if (x instanceof SMTPAddressFailedException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(MessagingException e, int code) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip());
        if (root != e && root.getMessage() != null) {
            msg += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        return (code > 0 && !msg.startsWith(Integer.toString(code)) ? code + " " : "") + msg;
    }

    private static String domain(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "rapport.invalid" : address.substring(at + 1);
    }

    /** Runs {@code work} with this bundle's class loader as the context loader: Jakarta Mail finds its providers through it. */
    static <T> T withBundleLoader(Supplier<T> work) {
        Thread th = Thread.currentThread();
        ClassLoader before = th.getContextClassLoader();
        th.setContextClassLoader(Sender.class.getClassLoader());
        try {
            return work.get();
        } finally {
            th.setContextClassLoader(before);
        }
    }

    private static void closeQuietly(Transport t) {
        try {
            t.close();
        } catch (MessagingException e) {
            // closing a connection that failed anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Pooled p; (p = idle.poll()) != null; ) {
            closeQuietly(p.transport());
        }
    }
}
