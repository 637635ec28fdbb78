package io.rapport.plugin.channel.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.Customer;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
import io.rapport.testkit.PluginTestHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/** The built bundle in a real Felix, posting to a real HTTP receiver on loopback that checks the signature. */
class WebhookChannelIT {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final Duration WAIT = Duration.ofSeconds(10);

    record Received(String id, String timestamp, String signature, String body) {
    }

    HttpServer receiver;
    List<Received> received = new CopyOnWriteArrayList<>();
    AtomicInteger status = new AtomicInteger(204);
    PluginTestHost host;
    Bundle bundle;

    @BeforeEach
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(ex.getRequestHeaders().getFirst("webhook-id"), ex.getRequestHeaders().getFirst("webhook-timestamp"),
                    ex.getRequestHeaders().getFirst("webhook-signature"), body));
            int s = status.get();
            if (s == 503) {
                ex.getResponseHeaders().add("Retry-After", "7");
            }
            ex.sendResponseHeaders(s, -1);
            ex.close();
        });
        receiver.start();
        host = PluginTestHost.start();
        bundle = host.installBuiltBundle();
    }

    @AfterEach
    void stop() {
        host.close();
        receiver.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    OutboundMessage message(Customer c) {
        return new OutboundMessage(UUID.randomUUID(), PluginTestHost.TENANT, c, WebhookChannel.TYPE, Consent.PURPOSE_TRANSACTIONAL, "Hi",
                "Hello \"Ada\"\n", "<p>Hello</p>", Map.of("order", "A-1"), 1, null, null);
    }

    @Test
    void noChannelUntilConfigured_thenSignedPostAndDeliveryEvent() {
        assertThat(host.hasService(Channel.class, null)).isFalse();
        host.configure(WebhookChannel.PID, Map.of("url", url(), "secret", SECRET));
        Channel channel = host.awaitChannel(WebhookChannel.TYPE, WAIT);
        Customer ada = host.customer("ada@example.com");
        OutboundMessage m = message(ada);

        SendResult r = channel.send(m);

        assertThat(r.outcome()).isEqualTo(SendResult.Outcome.SENT);
        assertThat(received).hasSize(1);
        Received got = received.get(0);
        assertThat(got.id()).isEqualTo(m.id().toString());
        assertThat(new WebhookSigner(SECRET).verify(got.id(), Long.parseLong(got.timestamp()), got.body(), got.signature())).isTrue();
        assertThat(new WebhookSigner("whsec_" + java.util.Base64.getEncoder().encodeToString("another-secret-of-24-bytes".getBytes()))
                .verify(got.id(), Long.parseLong(got.timestamp()), got.body(), got.signature())).isFalse();
        assertThat(got.body()).contains("\"type\":\"rapport.message\"", "\"text\":\"Hello \\\"Ada\\\"\\n\"", "\"email\":\"ada@example.com\"");
        assertThat(host.messages().reports()).singleElement().satisfies(rep -> {
            assertThat(rep.messageId()).isEqualTo(m.id());
            assertThat(rep.update().delivery()).isEqualTo(io.rapport.api.message.MessageService.Delivery.DELIVERED);
            assertThat(rep.update().detail()).isEqualTo("HTTP 204");
        });

        host.deleteConfiguration(WebhookChannel.PID);
        await().atMost(WAIT).until(() -> !host.hasService(Channel.class, null));
    }

    @Test
    void temporaryFailuresAreRetriedAndPermanentOnesRejected() {
        host.configure(WebhookChannel.PID, Map.of("url", url(), "secret", SECRET));
        Channel channel = host.awaitChannel(WebhookChannel.TYPE, WAIT);
        Customer ada = host.customer("ada@example.com");

        status.set(503);
        SendResult busy = channel.send(message(ada));
        assertThat(busy.outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);
        assertThat(busy.retryAfter()).isEqualTo(Duration.ofSeconds(7));

        status.set(410);
        SendResult gone = channel.send(message(ada));
        assertThat(gone.outcome()).isEqualTo(SendResult.Outcome.REJECTED);
        assertThat(gone.reason()).contains("410");

        receiver.stop(0);
        SendResult down = channel.send(message(ada));
        assertThat(down.outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);
        assertThat(down.reason()).contains("cannot reach");
        assertThat(host.messages().reports()).isEmpty();
    }

    @Test
    void reconfiguringAppliesLive() {
        host.configure(WebhookChannel.PID, Map.of("url", "http://127.0.0.1:1/nowhere", "secret", SECRET));
        Channel channel = host.awaitChannel(WebhookChannel.TYPE, WAIT);
        Customer ada = host.customer("ada@example.com");
        assertThat(channel.send(message(ada)).outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);

        host.configure(WebhookChannel.PID, Map.of("url", url(), "secret", SECRET, "timeoutSeconds", 2));
        await().atMost(WAIT).until(() -> channel.send(message(ada)).outcome() == SendResult.Outcome.SENT);
    }

    @Test
    void theFormComesFromMetatype() {
        Map<String, Object> schema = host.configSchema(bundle, WebhookChannel.PID);
        assertThat(schema).containsEntry("title", "Webhook channel").containsEntry("type", "object");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> props = (Map<String, Map<String, Object>>) schema.get("properties");
        assertThat(props.get("url")).containsEntry("type", "string").containsEntry("title", "Target URL");
        assertThat(props.get("secret")).containsEntry("writeOnly", true).containsEntry("format", "password");
        assertThat(props.get("timeoutSeconds")).containsEntry("type", "integer").containsEntry("default", 5L);
        assertThat(props.get("reportDeliveries")).containsEntry("type", "boolean");
        assertThat(schema.get("required")).asList().containsExactlyInAnyOrder("url", "secret");
    }

    @Test
    void aBadUrlFailsActivationWithItsReason() {
        host.configure(WebhookChannel.PID, Map.of("url", "ftp://example.com/", "secret", SECRET));
        await().atMost(WAIT).until(() -> host.host().scr().getComponentDescriptionDTOs(bundle).stream()
                .flatMap(d -> host.host().scr().getComponentConfigurationDTOs(d).stream())
                .anyMatch(c -> c.failure != null && c.failure.contains("http or https")));
        // SCR may keep the service registered, but nobody gets an instance of a component that failed
        var ctx = host.host().context();
        var ref = ctx.getServiceReference(Channel.class);
        assertThat(ref == null || ctx.getService(ref) == null).isTrue();
    }
}
