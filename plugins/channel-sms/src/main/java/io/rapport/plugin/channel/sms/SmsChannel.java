package io.rapport.plugin.channel.sms;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import io.rapport.api.customer.CustomerService;
import io.rapport.api.event.EventPublisher;
import io.rapport.api.message.MessageService;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.InboundHandler;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
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
 * The {@code sms} channel: SMPP 3.4 through jSMPP (embedded in this bundle) on one transceiver bind, or a Twilio-style
 * HTTP API. Texts go as GSM-7 or UCS-2, split into concatenated parts when long; the configured rate of PDUs (or
 * requests) per second is never exceeded. Delivery receipts become the kernel's delivery updates; inbound messages
 * become {@value #EVENT_RECEIVED} events, and STOP / START change the sender's SMS consents. Over SMPP both arrive on
 * the bind; in HTTP mode the provider posts them, signed, to {@value #INBOUND_PATH} under the server's public URL.
 */
@Component(service = Channel.class, configurationPid = SmsChannel.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = Channel.TYPE + "=" + SmsChannel.TYPE)
@Designate(ocd = SmsChannel.Config.class)
public class SmsChannel implements Channel, InboundHandler {

    /** The channel type messages name. */
    public static final String TYPE = "sms";
    /** Its configuration's PID. */
    public static final String PID = "io.rapport.channel.sms";
    /** Who publishes this channel's events and consent changes. */
    public static final String SOURCE = "io.rapport.plugin.channel.sms";
    /** The event an inbound (mobile-originated) message becomes. */
    public static final String EVENT_RECEIVED = "sms.received";
    /** Property of {@value #EVENT_RECEIVED}: the message's text. */
    public static final String PROPERTY_TEXT = "text";
    /** Property of {@value #EVENT_RECEIVED}: the number or short code it was sent to. */
    public static final String PROPERTY_TO = "to";
    /** Where the kernel takes what this channel's provider posts, under the server's public URL. */
    public static final String INBOUND_PATH = "/api/v1/public/inbound/" + TYPE;
    static final String MODE_SMPP = "smpp";
    static final String MODE_HTTP = "http";
    /** Below the kernel's default send timeout (10 s), so that the channel answers before the kernel gives up on it. */
    static final int MAX_TIMEOUT_SECONDS = 8;
    /** What the SMSC or the provider is asked to wait for after a throttling answer. */
    static final Duration THROTTLED_RETRY = Duration.ofSeconds(1);
    static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    static final Pattern ALPHANUMERIC_SENDER = Pattern.compile("[A-Za-z0-9 ]{1,11}");

    @ObjectClassDefinition(name = "SMS channel (SMPP or HTTP)", description = "Sends SMS through your SMSC over SMPP 3.4, or through a Twilio-style HTTP API.")
    public @interface Config {
        @AttributeDefinition(name = "Mode", description = "SMPP to an SMSC, or a Twilio-style HTTP API.", options = {
                @Option(value = MODE_SMPP, label = "SMPP 3.4"),
                @Option(value = MODE_HTTP, label = "HTTP (Twilio-style API)")})
        String mode() default MODE_SMPP;

        @AttributeDefinition(name = "SMSC host", description = "SMPP: the SMSC's host name, such as smpp.provider.example.", required = false)
        String host() default "";

        @AttributeDefinition(name = "SMSC port", description = "SMPP: the SMSC's port, usually 2775.", min = "1", max = "65535")
        int port() default 2775;

        @AttributeDefinition(name = "System id", description = "SMPP: the account name (system_id) the SMSC gave you.", required = false)
        String systemId() default "";

        @AttributeDefinition(name = "Password", description = "SMPP: the bind password.", type = AttributeType.PASSWORD, required = false)
        String password() default "";

        @AttributeDefinition(name = "System type", description = "SMPP: the system_type your SMSC asks for; usually empty.", required = false)
        String systemType() default "";

        @AttributeDefinition(name = "Sender", description = "Your sender id (up to 11 letters and digits, such as MyShop) or number in E.164 form (+447700900123).")
        String sourceAddress();

        @AttributeDefinition(name = "Messages per second", description = "The most PDUs (parts) or requests sent in any second on this bind, 1 or more.", min = "1")
        int ratePerSecond() default 10;

        @AttributeDefinition(name = "Keep-alive (seconds)", description = "SMPP: how often an idle bind is checked with enquire_link.", min = "5")
        int enquireLinkSeconds() default 30;

        @AttributeDefinition(name = "Timeout (seconds)", description = "For binding, for each SMSC or provider answer, and for waiting for a send slot.", min = "1", max = "8")
        int timeoutSeconds() default 5;

        @AttributeDefinition(name = "Delivery receipts", description = "SMPP: ask the SMSC for a receipt per message; receipts become delivered or failed on the timeline.")
        boolean requestDeliveryReceipts() default true;

        @AttributeDefinition(name = "Longest message (parts)", description = "A longer text is refused: each part costs as much as one SMS.", min = "1", max = "255")
        int maxSegments() default 6;

        @AttributeDefinition(name = "Tenant id for inbound messages", description = "Server-wide settings: the tenant (its id) whose customers text this sender; their replies and STOP land there. Required for SMPP; over HTTP, inbound texts are dropped without it. A shop's own settings: leave empty, inbound texts land in the shop.", required = false)
        String tenantId() default "";

        @AttributeDefinition(name = "API base URL", description = "HTTP: the provider's API, such as https://api.twilio.com.", required = false)
        String baseUrl() default "https://api.twilio.com";

        @AttributeDefinition(name = "Account SID", description = "HTTP: your account id, the user name of the API.", required = false)
        String accountSid() default "";

        @AttributeDefinition(name = "Auth token", description = "HTTP: your account's secret.", type = AttributeType.PASSWORD, required = false)
        String authToken() default "";

        @AttributeDefinition(name = "Status callback URL", description = "HTTP: sent as StatusCallback with every message so that the provider reports delivery: "
                + "the server's public URL followed by " + INBOUND_PATH + ", such as https://engage.example.com" + INBOUND_PATH
                + "; for a shop's own settings, followed by its tenant id: " + INBOUND_PATH + "/<tenant id>. Empty: no delivery reports.",
                required = false)
        String callbackUrl() default "";
    }

    @Reference
    private MessageService messages;
    @Reference
    private CustomerService customers;
    @Reference
    private EventPublisher events;

    private volatile Transport transport;
    private volatile Settings settings;
    /** What the provider posts in HTTP mode; null in SMPP mode. */
    private volatile HttpReceiver receiver;

    /** What sends a message once the channel has checked it. */
    interface Transport extends AutoCloseable {
        SendResult send(String to, String text, SmsText.Split split);

        @Override
        void close();
    }

    @Activate
    void activate(Config config, Map<String, Object> properties) {
        modified(config, properties);
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        UUID owner = owner(properties);
        Settings s = settings(config, owner);
        Inbound inbound = new Inbound(s.tenantId(), owner, messages, customers, events, Clock.systemUTC());
        boolean http = s.mode().equals(MODE_HTTP);
        Transport next = http
                ? new HttpTransport(s, new RateLimiter(s.ratePerSecond(), RateLimiter.Ticker.SYSTEM))
                : new SmppTransport(s, new SmppReceiver(inbound));
        Transport previous = transport;
        settings = s;
        receiver = http ? new HttpReceiver(s.authToken(), inbound) : null;
        transport = next;
        if (previous != null) {
            previous.close();
        }
    }

    @Deactivate
    void deactivate() {
        Transport t = transport;
        transport = null;
        if (t != null) {
            t.close();
        }
    }

    @Override
    public SendResult send(OutboundMessage message) {
        Transport t = transport;
        Settings s = settings;
        if (t == null || s == null) {
            return SendResult.retryLater("the SMS channel is stopping", null);
        }
        String to = message.customer().phone();
        if (to == null || to.isBlank()) {
            return SendResult.rejected("the customer has no phone number");
        }
        if (!E164.matcher(to).matches()) {
            return SendResult.rejected("the phone number '" + to + "' is not in E.164 form (+ and 7 to 15 digits)");
        }
        String text = message.text() == null ? "" : message.text();
        if (text.isEmpty()) {
            return SendResult.rejected("the message has no text");
        }
        SmsText.Split split = SmsText.split(text);
        if (split.segments() > s.maxSegments()) {
            return SendResult.rejected("the text is too long: " + split.describe() + ", more than the " + s.maxSegments() + " allowed");
        }
        return t.send(to, text, split);
    }

    /**
     * In HTTP mode, a status callback or an inbound message from the provider, checked against its signature; in SMPP
     * mode, 404.
     */
    @Override
    public Response handle(Request request) {
        HttpReceiver r = receiver;
        if (transport == null) {
            return Response.unavailable("the SMS channel is stopping");
        }
        if (r == null) {
            return new Response(404, "text/plain; charset=UTF-8",
                    "The SMS channel is in SMPP mode: delivery receipts and inbound texts arrive over the SMPP bind, not here.");
        }
        return r.handle(request);
    }

    /** Checks the configuration (an error here is shown to the admin as the plugin's failure). */
    /** @return the tenant whose own settings these are (the kernel sets {@link Channel#TENANT}), or null for server-wide ones */
    static UUID owner(Map<String, Object> properties) {
        Object v = properties == null ? null : properties.get(Channel.TENANT);
        return v == null ? null : UUID.fromString(v.toString());
    }

    /** @param owner the tenant whose own settings these are, or null for the server-wide ones */
    static Settings settings(Config c, UUID owner) {
        String mode = c.mode() == null || c.mode().isBlank() ? MODE_SMPP : c.mode().strip();
        if (!mode.equals(MODE_SMPP) && !mode.equals(MODE_HTTP)) {
            throw new IllegalArgumentException("mode is smpp or http");
        }
        Sender sender = Sender.of(c.sourceAddress());
        if (c.ratePerSecond() < 1) {
            throw new IllegalArgumentException("messages per second is 1 or more");
        }
        if (c.maxSegments() < 1 || c.maxSegments() > 255) {
            throw new IllegalArgumentException("the longest message is 1 to 255 parts");
        }
        int timeout = Math.max(1, Math.min(MAX_TIMEOUT_SECONDS, c.timeoutSeconds()));
        UUID tenant = owner;
        if (!strip(c.tenantId()).isEmpty()) {
            try {
                tenant = UUID.fromString(c.tenantId().strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the tenant id '" + c.tenantId() + "' is not a UUID");
            }
            // a shop's own SMSC or account texts that shop's customers, never another's
            if (owner != null && !owner.equals(tenant)) {
                throw new IllegalArgumentException("these are one shop's own settings: its inbound texts land in that shop; leave the tenant id empty");
            }
        }
        URI base = null;
        URI callback = null;
        if (mode.equals(MODE_SMPP)) {
            required(c.host(), "the SMSC host");
            required(c.systemId(), "the system id");
            if (c.port() < 1 || c.port() > 65535) {
                throw new IllegalArgumentException("the port is 1 to 65535");
            }
            if (tenant == null) {
                required(c.tenantId(), "the tenant id for inbound messages");
            }
        } else {
            required(c.baseUrl(), "the API base URL");
            required(c.accountSid(), "the account SID");
            required(c.authToken(), "the auth token");
            try {
                base = URI.create(c.baseUrl().strip().replaceAll("/+$", ""));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the API base URL '" + c.baseUrl() + "' is not a URL");
            }
            if (!"https".equals(base.getScheme()) && !"http".equals(base.getScheme())) {
                throw new IllegalArgumentException("the API base URL '" + c.baseUrl() + "' is not an http(s) URL");
            }
            if (!strip(c.callbackUrl()).isEmpty()) {
                callback = httpUrl(c.callbackUrl().strip(), "the status callback URL");
            }
        }
        return new Settings(mode, strip(c.host()), c.port(), strip(c.systemId()), c.password() == null ? "" : c.password(), strip(c.systemType()), sender,
                c.ratePerSecond(), Math.max(5, c.enquireLinkSeconds()), Duration.ofSeconds(timeout), c.requestDeliveryReceipts(), c.maxSegments(), tenant,
                base, strip(c.accountSid()), c.authToken() == null ? "" : c.authToken(), callback);
    }

    private static URI httpUrl(String value, String what) {
        URI u;
        try {
            u = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " '" + value + "' is not a URL");
        }
        if ((!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) || u.getHost() == null) {
            throw new IllegalArgumentException(what + " '" + value + "' is not an http(s) URL");
        }
        return u;
    }

    private static void required(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is required");
        }
    }

    private static String strip(String s) {
        return s == null ? "" : s.strip();
    }

    /**
     * The sender address and its SMPP type of number and numbering plan: an alphanumeric id is TON 5 (alphanumeric),
     * NPI 0; an E.164 number is TON 1 (international), NPI 1 (ISDN), sent without its '+'; a short code (3 to 8 digits)
     * is TON 3 (network specific), NPI 0.
     */
    record Sender(String address, byte ton, byte npi, String display) {
        static final byte TON_INTERNATIONAL = 1;
        static final byte TON_NETWORK_SPECIFIC = 3;
        static final byte TON_ALPHANUMERIC = 5;
        static final byte NPI_UNKNOWN = 0;
        static final byte NPI_ISDN = 1;

        static Sender of(String source) {
            String s = strip(source);
            if (s.isEmpty()) {
                throw new IllegalArgumentException("the sender is required");
            }
            if (E164.matcher(s).matches()) {
                return new Sender(s.substring(1), TON_INTERNATIONAL, NPI_ISDN, s);
            }
            if (s.matches("[0-9]{3,8}")) {
                return new Sender(s, TON_NETWORK_SPECIFIC, NPI_UNKNOWN, s);
            }
            if (ALPHANUMERIC_SENDER.matcher(s).matches() && s.chars().anyMatch(Character::isLetter)) {
                return new Sender(s, TON_ALPHANUMERIC, NPI_UNKNOWN, s);
            }
            throw new IllegalArgumentException("the sender '" + s + "' is neither a sender id (1 to 11 letters and digits) nor a number in E.164 form (+447700900123)"
                    + " nor a short code");
        }
    }

    /** What a configuration amounts to. */
    record Settings(String mode, String host, int port, String systemId, String password, String systemType, Sender sender, int ratePerSecond,
                    int enquireLinkSeconds, Duration timeout, boolean requestDeliveryReceipts, int maxSegments, UUID tenantId, URI baseUrl,
                    String accountSid, String authToken, URI callbackUrl) {
        @Override
        public String toString() {
            return "Settings[" + mode + " " + (mode.equals(MODE_HTTP) ? baseUrl + " " + accountSid : host + ":" + port + " " + systemId) + " from "
                    + sender.display() + ", " + ratePerSecond + "/s]"; // never the password or the token
        }
    }
}
