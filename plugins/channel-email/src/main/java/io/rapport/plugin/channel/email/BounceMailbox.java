package io.rapport.plugin.channel.email;

import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.rapport.api.message.MessageService;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.search.FlagTerm;

/**
 * Reads the mailbox that bounces and abuse reports arrive in (the envelope sender's, or the feedback loop's) over
 * IMAP, every few seconds: each report about a message of ours is handed to the kernel
 * ({@link MessageService#report}), which records {@code email.bounced}/{@code email.complained}/{@code email.delivered}
 * and suppresses on a hard bounce or a complaint; the report is then deleted. Other mail is marked seen and left.
 * A report the kernel could not take stays unseen and is read again next time.
 */
final class BounceMailbox implements AutoCloseable {

    /** How the mailbox is reached. */
    record Settings(String host, int port, String security, String username, String password, String folder, Duration every, Duration timeout) {
    }

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(BounceMailbox.class.getName());
    static final int MAX_PER_POLL = 500;

    private final Settings settings;
    private final MessageService messages;
    private final Session session;
    private final String protocol;
    private final ScheduledExecutorService timer;
    private volatile String lastProblem;

    BounceMailbox(Settings settings, MessageService messages) {
        this.settings = settings;
        this.messages = messages;
        this.protocol = EmailChannel.SECURITY_TLS.equals(settings.security()) ? "imaps" : "imap";
        Properties p = new Properties();
        long ms = settings.timeout().toMillis();
        p.put("mail." + protocol + ".connectiontimeout", Long.toString(ms));
        p.put("mail." + protocol + ".timeout", Long.toString(ms));
        p.put("mail." + protocol + ".writetimeout", Long.toString(ms));
        p.put("mail." + protocol + ".peek", "true"); // reading a report does not mark it seen: only a recorded one is deleted
        if (EmailChannel.SECURITY_STARTTLS.equals(settings.security())) {
            p.put("mail.imap.starttls.enable", "true");
            p.put("mail.imap.starttls.required", "true");
        }
        if (!EmailChannel.SECURITY_NONE.equals(settings.security())) {
            p.put("mail." + protocol + ".ssl.checkserveridentity", "true");
        }
        this.session = Sender.withBundleLoader(() -> Session.getInstance(p));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rapport-email-bounces");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::pollQuietly, 0, settings.every().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pollQuietly() {
        try {
            Sender.withBundleLoader(() -> {
                poll();
                return null;
            });
            if (lastProblem != null) {
                LOG.info(() -> "The bounce mailbox " + settings.host() + ":" + settings.port() + " is readable again");
                lastProblem = null;
            }
        } catch (RuntimeException e) {
            String problem = e.getCause() != null ? e.getCause().toString() : e.toString();
            if (!problem.equals(lastProblem)) {
                LOG.warning("Cannot read the bounce mailbox " + settings.host() + ":" + settings.port() + ": " + problem);
                lastProblem = problem;
            }
        }
    }

    /** Reads the unseen mail once; returns how many reports the kernel took. */
    int poll() {
        int taken = 0;
        try (Store store = session.getStore(protocol)) {
            store.connect(settings.host(), settings.port(), settings.username(), settings.password());
            Folder folder = store.getFolder(settings.folder());
            folder.open(Folder.READ_WRITE);
            try {
                Message[] unseen = folder.search(new FlagTerm(new Flags(Flags.Flag.SEEN), false));
                for (int i = 0; i < Math.min(unseen.length, MAX_PER_POLL); i++) {
                    if (handle(unseen[i])) {
                        taken++;
                    }
                }
            } finally {
                folder.close(true); // expunges the reports handled
            }
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
        return taken;
    }

    private boolean handle(Message m) throws MessagingException {
        Optional<Reports.Report> report;
        try {
            report = Reports.read((MimeMessage) m);
        } catch (java.io.IOException | MessagingException | RuntimeException e) {
            LOG.log(java.util.logging.Level.WARNING, "Cannot read mail " + m.getMessageNumber() + " in the bounce mailbox; leaving it", e);
            m.setFlag(Flags.Flag.SEEN, true);
            return false;
        }
        if (report.isEmpty()) {
            m.setFlag(Flags.Flag.SEEN, true);
            return false;
        }
        try {
            Optional<MessageService.Reported> r = messages.report(report.get().messageId(), report.get().update());
            if (r.isEmpty()) {
                LOG.info("A " + report.get().update().delivery() + " report names message " + report.get().messageId()
                        + ", which this server does not know; deleting it");
            }
        } catch (RuntimeException e) {
            // the kernel could not take it now: the report stays unseen and is read again at the next poll
            LOG.log(java.util.logging.Level.WARNING, "The kernel could not record a report about message " + report.get().messageId()
                    + "; trying again later", e);
            return false;
        }
        m.setFlag(Flags.Flag.DELETED, true);
        return true;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            // a poll under way finishes first, so that two configurations never read the mailbox at once
            timer.awaitTermination(settings.timeout().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
