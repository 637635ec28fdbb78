package io.rapport.plugin.channel.email;

import java.time.Duration;
import java.util.Properties;

import io.rapport.api.message.MessageService;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.InboundHandler;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The {@code email} channel: SMTP through Jakarta Mail (Angus), embedded in this bundle. Connections are kept open
 * and reused between messages; a configured rate is never exceeded. Temporary failures (4xx, no connection, a
 * timeout) ask the kernel to retry; permanent ones (5xx) reject the message with the server's words.
 */
@Component(service = Channel.class, configurationPid = EmailChannel.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = Channel.TYPE + "=" + EmailChannel.TYPE)
@Designate(ocd = EmailChannel.Config.class)
public class EmailChannel implements Channel, InboundHandler {

    /** The channel type messages name. */
    public static final String TYPE = "email";
    /** Its configuration's PID. */
    public static final String PID = "io.rapport.channel.email";
    /** Below the kernel's default send timeout (10 s), so that the channel answers before the kernel gives up on it. */
    static final int MAX_TIMEOUT_SECONDS = 8;
    static final int MAX_CONNECTIONS = 8;
    static final String SECURITY_STARTTLS = "starttls";
    static final String SECURITY_TLS = "tls";
    static final String SECURITY_NONE = "none";

    @ObjectClassDefinition(name = "Email channel (SMTP)", description = "Sends email through your mail server or provider's SMTP relay.")
    public @interface Config {
        @AttributeDefinition(name = "SMTP host", description = "Your mail server or relay, such as smtp.example.com.")
        String host();

        @AttributeDefinition(name = "Port", description = "587 for STARTTLS, 465 for TLS, 25 for a local relay.", min = "1", max = "65535")
        int port() default 587;

        @AttributeDefinition(name = "Security", options = {
                @Option(value = SECURITY_STARTTLS, label = "STARTTLS (required)"),
                @Option(value = SECURITY_TLS, label = "TLS from the start (SMTPS)"),
                @Option(value = SECURITY_NONE, label = "None (a relay on this machine or network only)")})
        String security() default SECURITY_STARTTLS;

        @AttributeDefinition(name = "Username", description = "Leave empty when the server takes mail without signing in.", required = false)
        String username() default "";

        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false)
        String password() default "";

        @AttributeDefinition(name = "From address", description = "The sender every message shows, such as news@shop.example.")
        String from();

        @AttributeDefinition(name = "From name", description = "Shown beside the address, such as your shop's name.", required = false)
        String fromName() default "";

        @AttributeDefinition(name = "Reply-To address", description = "Where replies go, if not to the From address.", required = false)
        String replyTo() default "";

        @AttributeDefinition(name = "Messages per second", description = "The most this channel sends in any second; 0 for no limit.", min = "0")
        int ratePerSecond() default 0;

        @AttributeDefinition(name = "Connections", description = "SMTP connections kept open and used at once.", min = "1", max = "8")
        int connections() default 2;

        @AttributeDefinition(name = "Timeout (seconds)", description = "For connecting, and for each answer of the server.", min = "1", max = "8")
        int timeoutSeconds() default 5;

        @AttributeDefinition(name = "Bounce address", description = "The envelope sender (Return-Path): where mail servers send bounces. "
                + "Point the bounce mailbox below at it. Empty: the From address.", required = false)
        String bounceAddress() default "";

        @AttributeDefinition(name = "Bounce mailbox: IMAP host", description = "Where bounces (RFC 3464) and abuse reports (ARF) arrive; "
                + "read every few seconds, reports are recorded and deleted. Empty: bounces are only those the SMTP server refuses at once.",
                required = false)
        String imapHost() default "";

        @AttributeDefinition(name = "Bounce mailbox: port", description = "993 for TLS, 143 for STARTTLS.", min = "1", max = "65535")
        int imapPort() default 993;

        @AttributeDefinition(name = "Bounce mailbox: security", options = {
                @Option(value = SECURITY_TLS, label = "TLS from the start (IMAPS)"),
                @Option(value = SECURITY_STARTTLS, label = "STARTTLS (required)"),
                @Option(value = SECURITY_NONE, label = "None (a server on this machine or network only)")})
        String imapSecurity() default SECURITY_TLS;

        @AttributeDefinition(name = "Bounce mailbox: username", required = false)
        String imapUsername() default "";

        @AttributeDefinition(name = "Bounce mailbox: password", type = AttributeType.PASSWORD, required = false)
        String imapPassword() default "";

        @AttributeDefinition(name = "Bounce mailbox: folder", required = false)
        String imapFolder() default "INBOX";

        @AttributeDefinition(name = "Bounce mailbox: read every (seconds)", min = "1", max = "3600")
        int imapPollSeconds() default 60;

        @AttributeDefinition(name = "Inbound reports token", type = AttributeType.PASSWORD, description = "A secret of at least 24 characters: "
                + "with it, a mail server can post each bounce or abuse report as it comes (message/rfc822) to "
                + "/api/v1/public/inbound/email?token=<this secret> (for a shop's own settings, /api/v1/public/inbound/email/<tenant id>?token=...). "
                + "Empty: that door is closed.", required = false)
        String inboundToken() default "";
    }

    static final int MIN_TOKEN = 24;
    static final String TOKEN_PARAMETER = "token";
    private volatile byte[] inboundToken;

    @Reference
    private MessageService messages;
    private volatile BounceMailbox bounces;

    private volatile Sender sender;

    @Activate
    void activate(Config config) {
        modified(config);
    }

    @Modified
    void modified(Config config) {
        // every check first: a configuration that fails leaves the running one as it was
        String token = config.inboundToken() == null ? "" : config.inboundToken().strip();
        if (!token.isEmpty() && token.length() < MIN_TOKEN) {
            throw new IllegalArgumentException("the inbound reports token has at least " + MIN_TOKEN + " characters");
        }
        Settings settings = settings(config);
        BounceMailbox.Settings mailbox = mailbox(config);
        inboundToken = token.isEmpty() ? null : token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Sender next = new Sender(settings);
        Sender previous = sender;
        sender = next;
        if (previous != null) {
            previous.close();
        }
        BounceMailbox before = bounces;
        bounces = mailbox == null ? null : new BounceMailbox(mailbox, messages);
        if (before != null) {
            before.close();
        }
    }

    @Deactivate
    void deactivate() {
        Sender s = sender;
        sender = null;
        if (s != null) {
            s.close();
        }
        BounceMailbox b = bounces;
        bounces = null;
        if (b != null) {
            b.close();
        }
    }

    /** @return the bounce mailbox's settings, or null when none is configured */
    static BounceMailbox.Settings mailbox(Config c) {
        if (c.imapHost() == null || c.imapHost().isBlank()) {
            return null;
        }
        if (c.imapPort() < 1 || c.imapPort() > 65535) {
            throw new IllegalArgumentException("the bounce mailbox's port is 1 to 65535");
        }
        String security = c.imapSecurity() == null ? SECURITY_TLS : c.imapSecurity();
        if (!security.equals(SECURITY_STARTTLS) && !security.equals(SECURITY_TLS) && !security.equals(SECURITY_NONE)) {
            throw new IllegalArgumentException("the bounce mailbox's security is tls, starttls or none");
        }
        if (c.imapUsername() == null || c.imapUsername().isBlank()) {
            throw new IllegalArgumentException("the bounce mailbox needs a username");
        }
        int every = Math.max(1, Math.min(3600, c.imapPollSeconds()));
        return new BounceMailbox.Settings(c.imapHost().strip(), c.imapPort(), security, c.imapUsername().strip(), c.imapPassword(),
                c.imapFolder() == null || c.imapFolder().isBlank() ? "INBOX" : c.imapFolder().strip(), Duration.ofSeconds(every),
                Duration.ofSeconds(Math.max(1, Math.min(MAX_TIMEOUT_SECONDS, c.timeoutSeconds()))));
    }

    @Override
    public SendResult send(OutboundMessage message) {
        Sender s = sender;
        if (s == null) {
            return SendResult.retryLater("the email channel is stopping", null);
        }
        return s.send(message);
    }

    /**
     * A bounce or abuse report a mail server posts as it comes (for example from a postfix pipe transport:
     * {@code curl --data-binary @- -H 'Content-Type: message/rfc822' '<public URL>/api/v1/public/inbound/email?token=…'}),
     * read as the bounce mailbox reads them.
     */
    @Override
    public Response handle(Request request) {
        byte[] expected = inboundToken;
        if (expected == null) {
            return new Response(404, "text/plain; charset=UTF-8", "inbound reports are off: set the email channel's inbound reports token");
        }
        String token = request.parameter(TOKEN_PARAMETER);
        if (token == null || !java.security.MessageDigest.isEqual(expected, token.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
            return Response.unauthorized("a wrong or missing token");
        }
        java.util.Optional<Reports.Report> report;
        try {
            report = Sender.withBundleLoader(() -> {
                try {
                    return Reports.read(new jakarta.mail.internet.MimeMessage(Session.getInstance(new Properties()),
                            new java.io.ByteArrayInputStream(request.body())));
                } catch (jakarta.mail.MessagingException | java.io.IOException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            });
        } catch (IllegalArgumentException e) {
            return Response.badRequest("not a mail message (message/rfc822): " + e.getMessage());
        }
        if (report.isEmpty()) {
            return new Response(200, "text/plain; charset=UTF-8", "not a report about a message of this server; ignored");
        }
        messages.report(report.get().messageId(), report.get().update());
        return Response.ok();
    }

    /** Checks the configuration (an error here is shown to the admin as the plugin's failure) and builds the session. */
    static Settings settings(Config c) {
        if (c.host() == null || c.host().isBlank()) {
            throw new IllegalArgumentException("the SMTP host is required");
        }
        if (c.port() < 1 || c.port() > 65535) {
            throw new IllegalArgumentException("the port is 1 to 65535");
        }
        String security = c.security() == null ? SECURITY_STARTTLS : c.security();
        if (!security.equals(SECURITY_STARTTLS) && !security.equals(SECURITY_TLS) && !security.equals(SECURITY_NONE)) {
            throw new IllegalArgumentException("security is starttls, tls or none");
        }
        InternetAddress from = address(c.from(), "from address");
        if (c.fromName() != null && !c.fromName().isBlank()) {
            try {
                from = new InternetAddress(from.getAddress(), c.fromName().strip(), "UTF-8");
            } catch (java.io.UnsupportedEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        InternetAddress replyTo = c.replyTo() == null || c.replyTo().isBlank() ? null : address(c.replyTo(), "Reply-To address");
        int timeout = Math.max(1, Math.min(MAX_TIMEOUT_SECONDS, c.timeoutSeconds()));
        int connections = Math.max(1, Math.min(MAX_CONNECTIONS, c.connections()));
        boolean auth = c.username() != null && !c.username().isBlank();

        Properties p = new Properties();
        String proto = security.equals(SECURITY_TLS) ? "smtps" : "smtp";
        p.put("mail.transport.protocol", proto);
        p.put("mail." + proto + ".host", c.host().strip());
        p.put("mail." + proto + ".port", Integer.toString(c.port()));
        p.put("mail." + proto + ".auth", Boolean.toString(auth));
        p.put("mail." + proto + ".connectiontimeout", Long.toString(Duration.ofSeconds(timeout).toMillis()));
        p.put("mail." + proto + ".timeout", Long.toString(Duration.ofSeconds(timeout).toMillis()));
        p.put("mail." + proto + ".writetimeout", Long.toString(Duration.ofSeconds(timeout).toMillis()));
        if (security.equals(SECURITY_STARTTLS)) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        if (!security.equals(SECURITY_NONE)) {
            p.put("mail." + proto + ".ssl.checkserveridentity", "true");
        }
        if (c.bounceAddress() != null && !c.bounceAddress().isBlank()) {
            p.put("mail." + proto + ".from", address(c.bounceAddress(), "bounce address").getAddress()); // MAIL FROM, the Return-Path
        }
        Session session = Sender.withBundleLoader(() -> Session.getInstance(p));
        return new Settings(session, proto, auth ? c.username() : null, auth ? c.password() : null, from, replyTo, c.ratePerSecond(), connections,
                Duration.ofSeconds(timeout));
    }

    private static InternetAddress address(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("the " + what + " is required");
        }
        try {
            InternetAddress a = new InternetAddress(s.strip(), true);
            a.validate();
            return a;
        } catch (AddressException e) {
            throw new IllegalArgumentException("the " + what + " '" + s + "' is not an email address: " + e.getMessage());
        }
    }

    /** What a configuration amounts to. */
    record Settings(Session session, String protocol, String username, String password, InternetAddress from, InternetAddress replyTo, int ratePerSecond,
                    int connections, Duration timeout) {
    }
}
