package io.rapport.plugin.channel.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.message.MessageService;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.InboundHandler;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
import io.rapport.testkit.PluginTestHost;
import io.rapport.testkit.RecordingEventPublisher;
import org.jsmpp.SMPPConstant;
import org.jsmpp.bean.GSMSpecificFeature;
import org.jsmpp.bean.TypeOfNumber;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/** The built bundle in the kernel's real Felix host, bound over SMPP to a jSMPP SMSC on loopback, or posting to a Twilio-style stub. */
class SmsChannelIT {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final String ADA = "+33612345678";

    PluginTestHost host;
    Bundle bundle;
    TestSmsc smsc;

    @BeforeEach
    void start() throws IOException {
        smsc = new TestSmsc();
        host = PluginTestHost.start();
        bundle = host.installBuiltBundle();
    }

    @AfterEach
    void stop() throws IOException {
        host.close();
        smsc.close();
    }

    Map<String, Object> config(Object... more) {
        Map<String, Object> c = new HashMap<>(Map.of("host", "127.0.0.1", "port", smsc.port, "systemId", "rapport", "password", "secret",
                "sourceAddress", "MyShop", "tenantId", PluginTestHost.TENANT.toString(), "timeoutSeconds", 5));
        for (int i = 0; i < more.length; i += 2) {
            c.put((String) more[i], more[i + 1]);
        }
        return c;
    }

    Channel channel(Object... more) {
        host.configure(SmsChannel.PID, config(more));
        return host.awaitChannel(SmsChannel.TYPE, WAIT);
    }

    Customer customer(String phone, Consent... consents) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Identifier> ids = phone == null ? List.of(Identifier.email("x@example.com")) : List.of(Identifier.phone(phone));
        return host.customers().put(new Customer(UUID.randomUUID(), PluginTestHost.TENANT, null, phone, "Ada", null, null, null, null, ids, Map.of(),
                Set.of(), List.of(consents), 0, BigDecimal.ZERO, now, now, null));
    }

    static OutboundMessage message(Customer c, String text) {
        return new OutboundMessage(UUID.randomUUID(), PluginTestHost.TENANT, c, SmsChannel.TYPE, Consent.PURPOSE_MARKETING, null, text, null, Map.of(), 1,
                null, null);
    }

    static Consent granted(String purpose) {
        return new Consent(purpose, SmsChannel.TYPE, ConsentStatus.GRANTED, "form", OffsetDateTime.now(ZoneOffset.UTC));
    }

    @Test
    void aSendArrivesWithItsSenderRecipientAndEncoding() {
        Channel channel = channel();
        Customer ada = customer(ADA);

        SendResult r = channel.send(message(ada, "Your order is ready: 12 € to pay"));

        assertThat(r.outcome()).isEqualTo(SendResult.Outcome.SENT);
        assertThat(smsc.accepted).hasSize(1);
        TestSmsc.Submitted got = smsc.accepted.get(0);
        assertThat(r.providerMessageId()).isEqualTo(got.messageId());
        assertThat(got.pdu().getSourceAddr()).isEqualTo("MyShop");
        assertThat(got.pdu().getSourceAddrTon()).isEqualTo((byte) 5);
        assertThat(got.pdu().getSourceAddrNpi()).isEqualTo((byte) 0);
        assertThat(got.pdu().getDestAddress()).isEqualTo("33612345678");
        assertThat(got.pdu().getDestAddrTon()).isEqualTo((byte) 1);
        assertThat(got.pdu().getDestAddrNpi()).isEqualTo((byte) 1);
        assertThat(got.pdu().getDataCoding()).isEqualTo((byte) 0);
        assertThat(got.pdu().getRegisteredDelivery()).as("a receipt is asked for").isEqualTo((byte) 1);
        assertThat(SmsText.fromGsm7(got.pdu().getShortMessage())).isEqualTo("Your order is ready: 12 € to pay");

        // an emoji makes it UCS-2; a number as the sender goes as international
        channel = channel("sourceAddress", "+447700900123", "requestDeliveryReceipts", false);
        await().atMost(WAIT).until(() -> smsc.binds.get() >= 2);
        assertThat(channel.send(message(ada, "Merci 😀")).outcome()).isEqualTo(SendResult.Outcome.SENT);
        TestSmsc.Submitted ucs2 = smsc.accepted.get(1);
        assertThat(ucs2.pdu().getDataCoding()).isEqualTo((byte) 8);
        assertThat(new String(ucs2.pdu().getShortMessage(), StandardCharsets.UTF_16BE)).isEqualTo("Merci 😀");
        assertThat(ucs2.pdu().getSourceAddr()).isEqualTo("447700900123");
        assertThat(ucs2.pdu().getSourceAddrTon()).isEqualTo((byte) 1);
        assertThat(ucs2.pdu().getSourceAddrNpi()).isEqualTo((byte) 1);
        assertThat(ucs2.pdu().getRegisteredDelivery()).isEqualTo((byte) 0);
    }

    @Test
    void aLongMessageArrivesAsPartsBehindAConcatenationHeader() {
        Channel channel = channel();
        String text = "x".repeat(400);

        SendResult r = channel.send(message(customer(ADA), text));

        assertThat(r.outcome()).isEqualTo(SendResult.Outcome.SENT);
        assertThat(smsc.accepted).hasSize(3);
        assertThat(r.providerMessageId()).as("the first part's id").isEqualTo(smsc.accepted.get(0).messageId());
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            byte[] sm = smsc.accepted.get(i).pdu().getShortMessage();
            assertThat(GSMSpecificFeature.UDHI.containedIn(smsc.accepted.get(i).pdu().getEsmClass())).isTrue();
            assertThat(sm[0]).isEqualTo((byte) 5);
            assertThat(sm[1]).isEqualTo((byte) 0);
            assertThat(sm[2]).isEqualTo((byte) 3);
            assertThat(sm[3]).as("one reference for all parts").isEqualTo(smsc.accepted.get(0).pdu().getShortMessage()[3]);
            assertThat(sm[4]).isEqualTo((byte) 3);
            assertThat(sm[5]).isEqualTo((byte) (i + 1));
            joined.append(SmsText.fromGsm7(java.util.Arrays.copyOfRange(sm, 6, sm.length)));
        }
        assertThat(smsc.accepted.get(0).pdu().getShortMessage()).hasSize(6 + 153);
        assertThat(joined.toString()).isEqualTo(text);
    }

    @Test
    void aDeliveryReceiptBecomesADeliveryUpdate() throws Exception {
        Channel channel = channel();
        SendResult r = channel.send(message(customer(ADA), "Hello"));
        UUID messageId = UUID.randomUUID();
        host.messages().providerId(SmsChannel.TYPE, r.providerMessageId(), messageId);

        String receipt = "id:" + r.providerMessageId() + " sub:001 dlvrd:001 submit date:2611221200 done date:2611221201 stat:DELIVRD err:000 text:Hello";
        smsc.deliver("33612345678", TypeOfNumber.INTERNATIONAL, "MyShop", (byte) 0x04, (byte) 0, receipt.getBytes(StandardCharsets.US_ASCII));
        String failed = "id:ffff sub:001 dlvrd:000 submit date:2611221200 done date:2611221300 stat:UNDELIV err:001 text:Hello";
        smsc.deliver("33612345678", TypeOfNumber.INTERNATIONAL, "MyShop", (byte) 0x04, (byte) 0, failed.getBytes(StandardCharsets.US_ASCII));

        await().atMost(WAIT).until(() -> host.messages().reports().size() == 2);
        var delivered = host.messages().reports().get(0);
        assertThat(delivered.messageId()).isEqualTo(messageId);
        assertThat(delivered.channel()).isEqualTo(SmsChannel.TYPE);
        assertThat(delivered.providerMessageId()).isEqualTo(r.providerMessageId());
        assertThat(delivered.update().delivery()).isEqualTo(MessageService.Delivery.DELIVERED);
        assertThat(delivered.update().occurredAt()).isNotNull();
        var undelivered = host.messages().reports().get(1);
        assertThat(undelivered.update().delivery()).isEqualTo(MessageService.Delivery.FAILED);
        assertThat(undelivered.update().detail()).contains("UNDELIV").contains("001");
        assertThat(host.events().ofType(SmsChannel.EVENT_RECEIVED)).as("a receipt is no inbound message").isEmpty();
    }

    @Test
    void anInboundStopWithdrawsEverySmsConsentAndIsPublished() throws Exception {
        channel();
        Customer ada = customer(ADA, granted(Consent.PURPOSE_MARKETING), granted(Consent.PURPOSE_SURVEYS),
                new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.GRANTED, "form", OffsetDateTime.now(ZoneOffset.UTC)));
        await().atMost(WAIT).until(() -> smsc.session() != null);

        smsc.deliver("33612345678", TypeOfNumber.INTERNATIONAL, "MyShop", (byte) 0, (byte) 0, SmsText.gsm7(" Stop "));

        await().atMost(WAIT).until(() -> host.events().ofType(SmsChannel.EVENT_RECEIVED).size() == 1);
        RecordingEventPublisher.Published p = host.events().ofType(SmsChannel.EVENT_RECEIVED).get(0);
        assertThat(p.tenantId()).isEqualTo(PluginTestHost.TENANT);
        assertThat(p.source()).isEqualTo(SmsChannel.SOURCE);
        assertThat(p.event().identifiers()).containsExactly(Identifier.phone(ADA));
        assertThat(p.event().properties()).containsEntry(SmsChannel.PROPERTY_TEXT, " Stop ").containsEntry(SmsChannel.PROPERTY_TO, "MyShop");
        assertThat(p.event().idempotencyKey()).startsWith("sms.mo:");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_MARKETING, SmsChannel.TYPE).orElseThrow().status())
                    .isEqualTo(ConsentStatus.WITHDRAWN);
            assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_SURVEYS, SmsChannel.TYPE).orElseThrow().status())
                    .isEqualTo(ConsentStatus.WITHDRAWN);
        });
        assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_MARKETING, SmsChannel.TYPE).orElseThrow().source())
                .isEqualTo("sms:STOP");
        assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_MARKETING, "email").orElseThrow().status())
                .as("other channels are untouched").isEqualTo(ConsentStatus.GRANTED);

        // START grants again what STOP withdrew
        smsc.deliver("+33612345678", TypeOfNumber.UNKNOWN, "MyShop", (byte) 0, (byte) 8, "start".getBytes(StandardCharsets.UTF_16BE));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_MARKETING, SmsChannel.TYPE).orElseThrow().status())
                    .isEqualTo(ConsentStatus.GRANTED);
            assertThat(host.customers().consent(PluginTestHost.TENANT, ada.id(), Consent.PURPOSE_SURVEYS, SmsChannel.TYPE).orElseThrow().status())
                    .isEqualTo(ConsentStatus.GRANTED);
        });
        assertThat(host.events().ofType(SmsChannel.EVENT_RECEIVED)).hasSize(2);
    }

    @Test
    void aShopsOwnSettingsTakeItsInboundTextsAndScopeItsReceiptsToIt() throws Exception {
        UUID shop = UUID.randomUUID();
        Map<String, Object> own = config(Channel.TENANT, shop.toString());
        own.remove("tenantId");
        host.configure(SmsChannel.PID, own);
        Channel channel = host.awaitChannel(SmsChannel.TYPE, WAIT);
        await().atMost(WAIT).until(() -> smsc.session() != null);

        smsc.deliver("33612345678", TypeOfNumber.INTERNATIONAL, "MyShop", (byte) 0, (byte) 0, SmsText.gsm7("Hello"));
        await().atMost(WAIT).until(() -> host.events().ofType(SmsChannel.EVENT_RECEIVED).size() == 1);
        assertThat(host.events().ofType(SmsChannel.EVENT_RECEIVED).get(0).tenantId()).as("the shop's, without a tenant id set").isEqualTo(shop);

        SendResult r = channel.send(message(customer(ADA), "Hello"));
        String receipt = "id:" + r.providerMessageId() + " sub:001 dlvrd:001 submit date:2611221200 done date:2611221201 stat:DELIVRD err:000 text:Hello";
        smsc.deliver("33612345678", TypeOfNumber.INTERNATIONAL, "MyShop", (byte) 0x04, (byte) 0, receipt.getBytes(StandardCharsets.US_ASCII));
        await().atMost(WAIT).until(() -> host.messages().reports().size() == 1);
        assertThat(host.messages().reports().get(0).tenantId()).as("another shop's SMSC reuses the same ids").isEqualTo(shop);

        // a shop's own settings never send its customers' texts to another tenant
        Map<String, Object> elsewhere = config(Channel.TENANT, shop.toString(), "tenantId", PluginTestHost.TENANT.toString());
        host.deleteConfiguration(SmsChannel.PID);
        // the deletion reaches SCR on Config Admin's thread: a configuration of the same PID created before it has let the
        // component go can be taken for the deleted one's update, and never activate
        await().atMost(WAIT).until(() -> host.host().scr().getComponentDescriptionDTOs(bundle).stream()
                .allMatch(d -> host.host().scr().getComponentConfigurationDTOs(d).isEmpty()));
        host.configure(SmsChannel.PID, elsewhere);
        await().atMost(WAIT).until(() -> host.host().scr().getComponentDescriptionDTOs(bundle).stream()
                .flatMap(d -> host.host().scr().getComponentConfigurationDTOs(d).stream())
                .anyMatch(c -> c.failure != null && c.failure.contains("one shop's own settings")));
    }

    @Test
    void inSmppModeNothingIsTakenOverHttp() {
        Channel channel = channel();
        InboundHandler.Response r = ((InboundHandler) channel).handle(new InboundHandler.Request(java.net.URI.create("https://engage.example.com"
                + SmsChannel.INBOUND_PATH), "application/x-www-form-urlencoded", "MessageSid=SM1&MessageStatus=delivered".getBytes(StandardCharsets.UTF_8), Map.of(), Map.of()));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("SMPP bind");
        assertThat(host.messages().reports()).isEmpty();
    }

    @Test
    void aThrottlingSmscIsRetriedLaterAndNothingIsLost() {
        smsc.answer(n -> n <= 3 ? SMPPConstant.STAT_ESME_RTHROTTLED : 0);
        Channel channel = channel();
        OutboundMessage m = message(customer(ADA), "Hello");

        List<SendResult> attempts = new ArrayList<>();
        await().atMost(WAIT).until(() -> {
            SendResult r = channel.send(m); // the kernel's retry, without its backoff
            attempts.add(r);
            return r.outcome() == SendResult.Outcome.SENT;
        });

        assertThat(attempts).hasSize(4);
        for (SendResult r : attempts.subList(0, 3)) {
            assertThat(r.outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);
            assertThat(r.reason()).contains("ESME_RTHROTTLED (0x58)");
            assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        }
        assertThat(smsc.refused.get()).isEqualTo(3);
        assertThat(smsc.accepted).hasSize(1);

        // a refused number is a hard bounce, any other refusal a rejection
        smsc.answer(n -> n == 5 ? SMPPConstant.STAT_ESME_RINVDSTADR : SMPPConstant.STAT_ESME_RINVSRCADR);
        SendResult bounced = channel.send(m);
        assertThat(bounced.outcome()).isEqualTo(SendResult.Outcome.BOUNCED);
        assertThat(bounced.reason()).contains("ESME_RINVDSTADR").contains(ADA);
        assertThat(channel.send(m).outcome()).isEqualTo(SendResult.Outcome.REJECTED);
    }

    @Test
    void aLostBindIsBoundAgain() {
        Channel channel = channel();
        Customer ada = customer(ADA);
        assertThat(channel.send(message(ada, "one")).outcome()).isEqualTo(SendResult.Outcome.SENT);
        smsc.dropSession();
        await().atMost(WAIT).untilAsserted(() -> assertThat(channel.send(message(ada, "two")).outcome()).isEqualTo(SendResult.Outcome.SENT));
        assertThat(smsc.binds.get()).isGreaterThanOrEqualTo(2);
        assertThat(smsc.accepted).extracting(s -> SmsText.fromGsm7(s.pdu().getShortMessage())).contains("one", "two");
    }

    @Test
    void theRateIsNeverExceededAtTheSmsc() throws Exception {
        int rate = 20;
        Channel channel = channel("ratePerSecond", rate);
        Customer ada = customer(ADA);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<SendResult>> results = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            String text = i == 10 ? "y".repeat(300) : "message " + i; // one message of two parts among them
            results.add(pool.submit(() -> channel.send(message(ada, text))));
        }
        for (Future<SendResult> f : results) {
            assertThat(f.get().outcome()).isEqualTo(SendResult.Outcome.SENT);
        }
        pool.shutdown();
        List<Long> arrivals = smsc.accepted.stream().map(TestSmsc.Submitted::arrivedNanos).sorted().toList();
        assertThat(arrivals).hasSize(46);
        assertThat(RateLimiterTest.busiestSecond(arrivals)).isLessThanOrEqualTo(rate);
    }

    @Test
    void badInputIsRejectedWithItsReasonAndNothingIsSent() {
        Channel channel = channel("maxSegments", 6);

        SendResult national = channel.send(message(customer("0612345678"), "Hello"));
        assertThat(national.outcome()).isEqualTo(SendResult.Outcome.REJECTED);
        assertThat(national.reason()).contains("'0612345678'").contains("E.164");

        SendResult none = channel.send(message(customer(null), "Hello"));
        assertThat(none.outcome()).isEqualTo(SendResult.Outcome.REJECTED);
        assertThat(none.reason()).contains("no phone number");

        SendResult tooLong = channel.send(message(customer(ADA), "z".repeat(1000)));
        assertThat(tooLong.outcome()).isEqualTo(SendResult.Outcome.REJECTED);
        assertThat(tooLong.reason()).contains("1000 characters").contains("GSM7").contains("7 segments").contains("6 allowed");

        SendResult tooLongUcs2 = channel.send(message(customer(ADA), "ж".repeat(403)));
        assertThat(tooLongUcs2.reason()).contains("403 characters").contains("UCS2").contains("7 segments");

        assertThat(smsc.accepted).isEmpty();
        assertThat(smsc.refused.get()).isZero();
    }

    @Test
    void anSmscThatIsNotThereIsRetriedAndTheFormComesFromMetatype() throws IOException {
        // a sender that is neither an id nor a number fails activation with its reason
        host.configure(SmsChannel.PID, config("sourceAddress", "Far too long a name"));
        await().atMost(WAIT).until(() -> host.host().scr().getComponentDescriptionDTOs(bundle).stream()
                .flatMap(d -> host.host().scr().getComponentConfigurationDTOs(d).stream())
                .anyMatch(c -> c.failure != null && c.failure.contains("Far too long a name")));
        host.deleteConfiguration(SmsChannel.PID);
        await().atMost(WAIT).until(() -> host.host().scr().getComponentDescriptionDTOs(bundle).stream()
                .allMatch(d -> host.host().scr().getComponentConfigurationDTOs(d).isEmpty()));

        int port = smsc.port;
        smsc.close();
        Channel channel = channel("port", port, "timeoutSeconds", 1);
        SendResult down = channel.send(message(customer(ADA), "Hello"));
        assertThat(down.outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);
        assertThat(down.reason()).contains("cannot bind to the SMSC 127.0.0.1:" + port);

        Map<String, Object> schema = host.configSchema(bundle, SmsChannel.PID);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> props = (Map<String, Map<String, Object>>) schema.get("properties");
        assertThat(props.get("password")).containsEntry("writeOnly", true);
        assertThat(props.get("authToken")).containsEntry("writeOnly", true);
        assertThat(props.get("mode")).containsKey("oneOf").containsEntry("default", "smpp");
        assertThat(props.get("ratePerSecond")).containsEntry("default", 10L);
        assertThat(props.get("maxSegments")).containsEntry("default", 6L);
        assertThat(props.get("callbackUrl")).containsEntry("default", "");
        assertThat(schema.get("required")).asList().contains("sourceAddress");

    }

    @Test
    void theHttpModePostsToATwilioStyleApi() throws Exception {
        List<Map<String, String>> forms = new CopyOnWriteArrayList<>();
        List<String> auths = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/2010-04-01/Accounts/AC123/Messages.json", ex -> {
            Map<String, String> form = new HashMap<>();
            for (String kv : new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
                String[] p = kv.split("=", 2);
                form.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8), URLDecoder.decode(p[1], StandardCharsets.UTF_8));
            }
            forms.add(form);
            auths.add(ex.getRequestHeaders().getFirst("Authorization"));
            int n = calls.incrementAndGet();
            int status;
            String body;
            if (n == 1) {
                status = 429;
                body = "{\"code\": 20429, \"message\": \"Too Many Requests\", \"status\": 429}";
                ex.getResponseHeaders().add("Retry-After", "7");
            } else if (n == 2) {
                status = 503;
                body = "{\"code\": 20503, \"message\": \"Service unavailable\", \"status\": 503}";
            } else if (form.get("To").equals("+15005550001")) {
                status = 400;
                body = "{\"code\": 21211, \"message\": \"The 'To' number +15005550001 is not a valid phone number.\", \"status\": 400}";
            } else if (form.get("Body").isEmpty() || form.get("To").equals("+15005550009")) {
                status = 400;
                body = "{\"code\": 21602, \"message\": \"Message body is required.\", \"status\": 400}";
            } else {
                status = 201;
                body = "{\"sid\": \"SM" + n + "abc\", \"status\": \"queued\", \"to\": \"" + form.get("To") + "\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        api.start();
        try {
            Channel channel = channel("mode", "http", "baseUrl", "http://127.0.0.1:" + api.getAddress().getPort() + "/", "accountSid", "AC123",
                    "authToken", "tok", "host", "", "systemId", "", "tenantId", "");
            OutboundMessage m = message(customer(ADA), "Hello 😀");

            SendResult throttled = channel.send(m);
            assertThat(throttled.outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);
            assertThat(throttled.retryAfter()).isEqualTo(Duration.ofSeconds(7));
            assertThat(channel.send(m).outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);
            SendResult sent = channel.send(m);
            assertThat(sent.outcome()).isEqualTo(SendResult.Outcome.SENT);
            assertThat(sent.providerMessageId()).isEqualTo("SM3abc");
            assertThat(forms.get(2)).containsEntry("To", ADA).containsEntry("From", "MyShop").containsEntry("Body", "Hello 😀")
                    .as("no callbackUrl, no StatusCallback").doesNotContainKey("StatusCallback");
            assertThat(auths.get(2)).isEqualTo("Basic " + java.util.Base64.getEncoder().encodeToString("AC123:tok".getBytes(StandardCharsets.UTF_8)));

            SendResult invalid = channel.send(message(customer("+15005550001"), "Hello"));
            assertThat(invalid.outcome()).isEqualTo(SendResult.Outcome.BOUNCED);
            assertThat(invalid.reason()).contains("21211");
            SendResult other = channel.send(message(customer("+15005550009"), "Hello"));
            assertThat(other.outcome()).isEqualTo(SendResult.Outcome.REJECTED);
            assertThat(other.reason()).contains("21602").contains("Message body is required.");
            assertThat(smsc.accepted).isEmpty();
        } finally {
            api.stop(0);
        }
    }
}
