package io.rapport.plugin.channel.webhook;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.rapport.api.message.MessageService;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A channel that posts each message as JSON to one URL, signed per the Standard Webhooks scheme
 * (https://www.standardwebhooks.com): headers {@code webhook-id} (the message id, the same on every retry),
 * {@code webhook-timestamp} and {@code webhook-signature}. A 2xx answer is a delivery and lands on the timeline as
 * {@code webhook.delivered} (reported to the kernel); 408, 429 and 5xx answers, timeouts and connection failures are retried by the kernel;
 * other answers reject the message.
 */
@Component(service = Channel.class, configurationPid = WebhookChannel.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = Channel.TYPE + "=" + WebhookChannel.TYPE)
@Designate(ocd = WebhookChannel.Config.class)
public final class WebhookChannel implements Channel {

    /** The channel type this plugin provides. */
    public static final String TYPE = "webhook";
    /** Its configuration's PID. */
    public static final String PID = "io.rapport.channel.webhook";
    /** Below the kernel's default send timeout (10 s), so that the channel answers before the kernel gives up on it. */
    static final int MAX_TIMEOUT_SECONDS = 8;
    /** java.util.logging: always there, and Liberty writes it to the server's log; a plugin needs no logging API. */
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(WebhookChannel.class.getName());
    /** The {@code type} of every payload this channel posts. */
    public static final String PAYLOAD_TYPE = "rapport.message";

    @ObjectClassDefinition(name = "Webhook channel", description = "Posts each message as signed JSON to a URL of yours.")
    public @interface Config {
        @AttributeDefinition(name = "Target URL", description = "Where messages are posted (http or https).")
        String url();

        @AttributeDefinition(name = "Signing secret", type = AttributeType.PASSWORD,
                description = "Standard Webhooks secret: whsec_ followed by base64, or any text of at least 24 characters.")
        String secret();

        @AttributeDefinition(name = "Timeout (seconds)", description = "How long to wait for an answer before the kernel retries "
                + "(below the kernel's send timeout, 10 s by default).", min = "1", max = "8")
        int timeoutSeconds() default 5;

        @AttributeDefinition(name = "Report deliveries", description = "Record webhook.delivered on the customer's timeline for each 2xx answer.")
        boolean reportDeliveries() default true;
    }

    private final MessageService messages;
    private final Clock clock;
    private volatile Settings settings;

    private record Settings(URI url, WebhookSigner signer, Duration timeout, boolean reportDeliveries, HttpClient client) {
    }

    @Activate
    public WebhookChannel(@Reference MessageService messages, Config config) {
        this(messages, config, Clock.systemUTC());
    }

    WebhookChannel(MessageService messages, Config config, Clock clock) {
        this.messages = messages;
        this.clock = clock;
        modified(config);
    }

    @Modified
    void modified(Config config) {
        URI url = URI.create(config.url().trim());
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("the target URL must be http or https, not " + config.url());
        }
        Duration timeout = Duration.ofSeconds(Math.max(1, Math.min(MAX_TIMEOUT_SECONDS, config.timeoutSeconds())));
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        this.settings = new Settings(url, new WebhookSigner(config.secret()), timeout, config.reportDeliveries(), client);
    }

    @Override
    public SendResult send(OutboundMessage message) {
        Settings s = settings;
        long timestamp = clock.instant().getEpochSecond();
        String id = message.id().toString();
        String body = payload(message, timestamp);
        HttpRequest request = HttpRequest.newBuilder(s.url())
                .timeout(s.timeout())
                .header("content-type", "application/json")
                .header("user-agent", "Rapport-Webhooks/1")
                .header(WebhookSigner.HEADER_ID, id)
                .header(WebhookSigner.HEADER_TIMESTAMP, Long.toString(timestamp))
                .header(WebhookSigner.HEADER_SIGNATURE, s.signer().sign(id, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response;
        try {
            response = s.client().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            return SendResult.retryLater("no answer from " + s.url() + " within " + s.timeout().toSeconds() + " s", null);
        } catch (IOException e) {
            return SendResult.retryLater("cannot reach " + s.url() + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendResult.retryLater("interrupted while posting to " + s.url(), null);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            if (s.reportDeliveries()) {
                try {
                    messages.report(message.id(), new MessageService.Update(MessageService.Delivery.DELIVERED, "HTTP " + status, null, null));
                } catch (RuntimeException e) {
                    // the receiver has the message: a lost delivery update must not make the kernel post it again
                    LOG.log(java.util.logging.Level.WARNING, "Message " + id + " was delivered, but its delivery could not be recorded: " + e);
                }
            }
            return SendResult.sent(response.headers().firstValue("x-request-id").orElse(null));
        }
        if (status == 408 || status == 429 || status >= 500) {
            return SendResult.retryLater(s.url() + " answered " + status, retryAfter(response));
        }
        return SendResult.rejected(s.url() + " answered " + status + ": " + abbreviate(response.body()));
    }

    static Duration retryAfter(HttpResponse<?> response) {
        Optional<String> h = response.headers().firstValue("retry-after");
        if (h.isEmpty()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.min(3600, Math.max(0, Long.parseLong(h.get().trim()))));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String abbreviate(String body) {
        String b = body == null ? "" : body.strip();
        return b.length() <= 200 ? b : b.substring(0, 199) + "…";
    }

    /** The body: a Standard Webhooks payload with {@code type}, {@code timestamp} and {@code data}. */
    static String payload(OutboundMessage m, long timestamp) {
        Map<String, Object> customer = new LinkedHashMap<>();
        customer.put("id", m.customer().id().toString());
        customer.put("email", m.customer().email());
        customer.put("phone", m.customer().phone());
        customer.put("firstName", m.customer().firstName());
        customer.put("lastName", m.customer().lastName());
        customer.put("locale", m.customer().locale());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("messageId", m.id().toString());
        data.put("tenantId", m.tenantId().toString());
        data.put("purpose", m.purpose());
        data.put("attempt", m.attempt());
        data.put("subject", m.subject());
        data.put("text", m.text());
        data.put("html", m.html());
        data.put("customer", customer);
        data.put("data", m.data());
        // signed links for the receiver to show: one-click unsubscribe (not for transactional messages) and preferences
        data.put("unsubscribeUrl", m.unsubscribeUrl() == null ? null : m.unsubscribeUrl().toString());
        data.put("preferencesUrl", m.preferencesUrl() == null ? null : m.preferencesUrl().toString());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("type", PAYLOAD_TYPE);
        root.put("timestamp", java.time.Instant.ofEpochSecond(timestamp).toString());
        root.put("data", data);
        return JsonWriter.write(root);
    }
}
