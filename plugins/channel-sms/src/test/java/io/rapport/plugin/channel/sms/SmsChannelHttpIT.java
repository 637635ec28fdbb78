package io.rapport.plugin.channel.sms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpServer;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.message.MessageService;
import io.rapport.spi.channel.InboundHandler;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
import io.rapport.testkit.PluginTestHost;
import io.rapport.testkit.RecordingEventPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The built bundle in the kernel's Felix host in HTTP mode: what a Twilio-style provider posts back (status callbacks,
 * inbound messages) is handed to the channel as the kernel's {@code POST /api/v1/public/inbound/sms} hands it, signed
 * as Twilio signs; sends go to a {@code com.sun.net.httpserver} stub of the Messages API.
 */
class SmsChannelHttpIT {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final String ADA = "+33612345678";
    static final String OUR_NUMBER = "+447700900123";
    static final String TOKEN = "the-auth-token";
    /** What the kernel gives as the request's URL: the server's public URL and the path. */
    static final URI URL = URI.create("https://engage.example.com" + SmsChannel.INBOUND_PATH);

    PluginTestHost host;
    HttpServer api;
    List<Map<String, String>> forms = new CopyOnWriteArrayList<>();
    AtomicInteger sids = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/2010-04-01/Accounts/AC123/Messages.json", ex -> {
            forms.add(decode(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            byte[] bytes = ("{\"sid\": \"SM" + sids.incrementAndGet() + "\", \"status\": \"queued\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(201, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        api.start();
        host = PluginTestHost.start();
        host.installBuiltBundle();
    }

    @AfterEach
    void stop() {
        host.close();
        api.stop(0);
    }

    InboundHandler channel(Object... more) {
        Map<String, Object> c = new HashMap<>(Map.of("mode", "http", "baseUrl", "http://127.0.0.1:" + api.getAddress().getPort(), "accountSid", "AC123",
                "authToken", TOKEN, "sourceAddress", OUR_NUMBER, "tenantId", PluginTestHost.TENANT.toString()));
        for (int i = 0; i < more.length; i += 2) {
            c.put((String) more[i], more[i + 1]);
        }
        host.configure(SmsChannel.PID, c);
        return (InboundHandler) host.awaitChannel(SmsChannel.TYPE, WAIT);
    }

    /** A request as the kernel builds it from what Twilio posted, signed with {@code token} (none if null). */
    static InboundHandler.Request post(Map<String, String> parameters, String token) throws Exception {
        Map<String, List<String>> headers = new HashMap<>();
        headers.put("content-type", List.of(HttpReceiver.FORM));
        if (token != null) {
            headers.put("x-twilio-signature", List.of(TwilioSignature.sign(token, URL.toString(), parameters)));
        }
        return new InboundHandler.Request(URL, HttpReceiver.FORM, encode(parameters).getBytes(StandardCharsets.UTF_8), headers, Map.of());
    }

    static Map<String, String> statusCallback(String sid, String status, String errorCode) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("AccountSid", "AC123");
        p.put("From", OUR_NUMBER);
        p.put("To", ADA);
        p.put("MessageSid", sid);
        p.put("SmsSid", sid);
        p.put("MessageStatus", status);
        p.put("SmsStatus", status);
        p.put("ApiVersion", "2010-04-01");
        if (errorCode != null) {
            p.put("ErrorCode", errorCode);
        }
        return p;
    }

    static Map<String, String> inboundMessage(String sid, String from, String body) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ToCountry", "GB");
        p.put("SmsMessageSid", sid);
        p.put("NumMedia", "0");
        p.put("SmsSid", sid);
        p.put("SmsStatus", "received");
        p.put("Body", body);
        p.put("To", OUR_NUMBER);
        p.put("NumSegments", "1");
        p.put("MessageSid", sid);
        p.put("AccountSid", "AC123");
        p.put("From", from);
        p.put("ApiVersion", "2010-04-01");
        return p;
    }

    static String encode(Map<String, String> form) {
        return form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    static Map<String, String> decode(String body) {
        Map<String, String> form = new HashMap<>();
        for (String kv : body.split("&")) {
            String[] p = kv.split("=", 2);
            form.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8), URLDecoder.decode(p[1], StandardCharsets.UTF_8));
        }
        return form;
    }

    Customer customer(String phone, Consent... consents) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return host.customers().put(new Customer(UUID.randomUUID(), PluginTestHost.TENANT, null, phone, "Ada", null, null, null, null,
                List.of(Identifier.phone(phone)), Map.of(), Set.of(), List.of(consents), 0, BigDecimal.ZERO, now, now, null));
    }

    static Consent granted(String purpose) {
        return new Consent(purpose, SmsChannel.TYPE, ConsentStatus.GRANTED, "form", OffsetDateTime.now(ZoneOffset.UTC));
    }

    @Test
    void signedStatusCallbacksBecomeDeliveryUpdates() throws Exception {
        InboundHandler channel = channel();
        UUID delivered = UUID.randomUUID();
        UUID undelivered = UUID.randomUUID();
        host.messages().providerId(SmsChannel.TYPE, "SMdelivered", delivered);
        host.messages().providerId(SmsChannel.TYPE, "SMundelivered", undelivered);

        assertThat(channel.handle(post(statusCallback("SMdelivered", "sent", null), TOKEN)).status()).isEqualTo(200);
        assertThat(host.messages().reports()).as("sent is not final").isEmpty();

        InboundHandler.Response ok = channel.handle(post(statusCallback("SMdelivered", "delivered", null), TOKEN));
        InboundHandler.Response failed = channel.handle(post(statusCallback("SMundelivered", "undelivered", "30005"), TOKEN));

        assertThat(ok.status()).isEqualTo(200);
        assertThat(failed.status()).isEqualTo(200);
        assertThat(host.messages().reports()).hasSize(2);
        var d = host.messages().reports().get(0);
        assertThat(d.channel()).isEqualTo(SmsChannel.TYPE);
        assertThat(d.providerMessageId()).isEqualTo("SMdelivered");
        assertThat(d.messageId()).isEqualTo(delivered);
        assertThat(d.update().delivery()).isEqualTo(MessageService.Delivery.DELIVERED);
        var f = host.messages().reports().get(1);
        assertThat(f.providerMessageId()).isEqualTo("SMundelivered");
        assertThat(f.messageId()).isEqualTo(undelivered);
        assertThat(f.update().delivery()).isEqualTo(MessageService.Delivery.FAILED);
        assertThat(f.update().detail()).contains("undelivered").contains("30005");

        for (String status : List.of("queued", "sending", "accepted", "scheduled")) {
            assertThat(channel.handle(post(statusCallback("SMdelivered", status, null), TOKEN)).status()).isEqualTo(200);
        }
        assertThat(host.messages().reports()).hasSize(2);
        assertThat(channel.handle(post(statusCallback("SMunknown", "failed", "30008"), TOKEN)).status()).as("an unknown sid: nothing to do").isEqualTo(200);
        assertThat(host.events().ofType(SmsChannel.EVENT_RECEIVED)).as("a status callback is no inbound message").isEmpty();
    }

    @Test
    void anUnsignedOrWronglySignedRequestIsRefusedAndNothingIsReported() throws Exception {
        InboundHandler channel = channel();
        host.messages().providerId(SmsChannel.TYPE, "SM1", UUID.randomUUID());
        Map<String, String> delivered = statusCallback("SM1", "delivered", null);

        assertThat(channel.handle(post(delivered, null)).status()).as("no signature").isEqualTo(401);
        assertThat(channel.handle(post(delivered, "another-token")).status()).as("another account's token").isEqualTo(401);

        InboundHandler.Request signed = post(delivered, TOKEN);
        InboundHandler.Request otherUrl = new InboundHandler.Request(URI.create("http://engage.example.com" + SmsChannel.INBOUND_PATH), signed.contentType(),
                signed.body(), signed.headers(), Map.of());
        assertThat(channel.handle(otherUrl).status()).as("signed for another URL").isEqualTo(401);

        Map<String, String> tampered = statusCallback("SM1", "failed", "30005");
        InboundHandler.Request changed = new InboundHandler.Request(URL, signed.contentType(), encode(tampered).getBytes(StandardCharsets.UTF_8),
                signed.headers(), Map.of());
        InboundHandler.Response refused = channel.handle(changed);
        assertThat(refused.status()).as("parameters changed after signing").isEqualTo(401);
        assertThat(refused.body()).contains("X-Twilio-Signature");

        Customer ada = customer(ADA, granted(Consent.PURPOSE_MARKETING));
        assertThat(channel.handle(post(inboundMessage("SMin", ADA, "STOP"), null)).status()).isEqualTo(401);

        assertThat(host.messages().reports()).isEmpty();
        assertThat(host.events().ofType(SmsChannel.EVENT_RECEIVED)).isEmpty();
        assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_MARKETING, SmsChannel.TYPE).orElseThrow().status())
                .isEqualTo(ConsentStatus.GRANTED);
        assertThat(channel.handle(signed).status()).as("the same request, signed for this URL").isEqualTo(200);
        assertThat(host.messages().reports()).hasSize(1);
    }

    @Test
    void anInboundStopWithdrawsTheConsentsAndIsPublished() throws Exception {
        InboundHandler channel = channel();
        Customer ada = customer(ADA, granted(Consent.PURPOSE_MARKETING), granted(Consent.PURPOSE_SURVEYS));

        InboundHandler.Response r = channel.handle(post(inboundMessage("SMmo1", ADA, "Stop"), TOKEN));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo("text/xml");
        assertThat(r.body()).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>");
        assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_MARKETING, SmsChannel.TYPE).orElseThrow())
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo(ConsentStatus.WITHDRAWN);
                    assertThat(c.source()).isEqualTo(Inbound.CONSENT_SOURCE_STOP);
                });
        assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_SURVEYS, SmsChannel.TYPE).orElseThrow().status())
                .isEqualTo(ConsentStatus.WITHDRAWN);
        List<RecordingEventPublisher.Published> received = host.events().ofType(SmsChannel.EVENT_RECEIVED);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).tenantId()).isEqualTo(PluginTestHost.TENANT);
        assertThat(received.get(0).source()).isEqualTo(SmsChannel.SOURCE);
        assertThat(received.get(0).event().identifiers()).containsExactly(Identifier.phone(ADA));
        assertThat(received.get(0).event().properties()).containsEntry(SmsChannel.PROPERTY_TEXT, "Stop").containsEntry(SmsChannel.PROPERTY_TO, OUR_NUMBER);
        assertThat(received.get(0).event().idempotencyKey()).isEqualTo("sms.mo:SMmo1");
        assertThat(host.messages().reports()).as("an inbound message is no status callback").isEmpty();

        // START grants again what STOP withdrew
        assertThat(channel.handle(post(inboundMessage("SMmo2", ADA, "start"), TOKEN)).status()).isEqualTo(200);
        assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_MARKETING, SmsChannel.TYPE).orElseThrow().status())
                .isEqualTo(ConsentStatus.GRANTED);
        assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_SURVEYS, SmsChannel.TYPE).orElseThrow().status())
                .isEqualTo(ConsentStatus.GRANTED);
        assertThat(host.events().ofType(SmsChannel.EVENT_RECEIVED)).extracting(p -> p.event().idempotencyKey()).containsExactly("sms.mo:SMmo1", "sms.mo:SMmo2");
    }

    @Test
    void theStatusCallbackIsSentWhenConfigured() throws Exception {
        InboundHandler handler = channel("callbackUrl", URL.toString());
        io.rapport.spi.channel.Channel channel = (io.rapport.spi.channel.Channel) handler;
        Customer ada = customer(ADA);

        SendResult sent = channel.send(new OutboundMessage(UUID.randomUUID(), PluginTestHost.TENANT, ada, SmsChannel.TYPE, Consent.PURPOSE_MARKETING, null,
                "Hello", null, Map.of(), 1, null, null));

        assertThat(sent.outcome()).isEqualTo(SendResult.Outcome.SENT);
        assertThat(forms).hasSize(1);
        assertThat(forms.get(0)).containsEntry("StatusCallback", URL.toString()).containsEntry("To", ADA).containsEntry("From", OUR_NUMBER);

        // the callback for that message, signed for the URL Twilio was given
        host.messages().providerId(SmsChannel.TYPE, sent.providerMessageId(), UUID.randomUUID());
        assertThat(handler.handle(post(statusCallback(sent.providerMessageId(), "delivered", null), TOKEN)).status()).isEqualTo(200);
        assertThat(host.messages().reports()).singleElement().satisfies(r -> {
            assertThat(r.providerMessageId()).isEqualTo(sent.providerMessageId());
            assertThat(r.update().delivery()).isEqualTo(MessageService.Delivery.DELIVERED);
        });
    }
}
