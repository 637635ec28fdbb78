package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.rapport.plugin.channel.sms.TestSmsc;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.jsmpp.SMPPConstant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The SMS channel in the running server, bound over SMPP to a jSMPP SMSC on loopback ({@link TestSmsc}): sends and their
 * delivery receipts, a STOP from the handset, bad input refused before the SMSC, and a throttling SMSC under a campaign.
 */
@Order(5)
class SmsIT {

    static final String PLUGINS = "/api/v1/admin/plugins";
    static final String NAME = "io.rapport.plugin.channel.sms";
    static final String CONFIG = "/api/v1/admin/configurations/io.rapport.channel.sms";
    static final String SENDER = "MyShop";
    static final int MAX_SEGMENTS = 2;
    static final String DELIVERED = "sms.delivered";
    static final String FAILED = "sms.failed";
    static final String RECEIVED = "sms.received";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final AtomicInteger PHONES = new AtomicInteger(ThreadLocalRandom.current().nextInt(1_000_000));

    static Api.Shop shop;
    static TestSmsc smsc;

    @BeforeAll
    static void setUp() throws IOException {
        Api.awaitReady();
        shop = Api.newShop(null);
        smsc = new TestSmsc();
        if (Api.operator().get(PLUGINS + "/" + NAME).status() == 200) {
            Api.operator().delete(PLUGINS + "/" + NAME).expect(204);
        }
        Api.operator().upload("POST", PLUGINS + "?start=true", Files.readAllBytes(Api.PLUGINS.resolve("channel-sms.jar")), "application/java-archive")
                .expect(201);
        Api.operator().put(CONFIG, "{\"host\": \"127.0.0.1\", \"port\": " + smsc.port + ", \"systemId\": \"rapport\", \"password\": \"secret\", "
                + "\"sourceAddress\": \"" + SENDER + "\", \"tenantId\": \"" + shop.tenantId() + "\", \"ratePerSecond\": 100, \"maxSegments\": "
                + MAX_SEGMENTS + "}").expect(201);
        await().atMost(WAIT).until(() -> Api.operator().get("/api/v1/channels").expect(200).raw().contains("\"sms\""));
        await().atMost(WAIT).until(() -> smsc.session() != null);
    }

    @AfterEach
    void acceptEverySubmit() {
        smsc.answer(n -> 0);
    }

    @AfterAll
    static void tearDown() throws IOException {
        try {
            Api.operator().delete(PLUGINS + "/" + NAME).expect(204);
            if (Api.operator().get(CONFIG).status() == 200) {
                Api.operator().delete(CONFIG).expect(204);
            }
        } finally {
            smsc.close();
        }
    }

    @Test
    void aMessageArrivesAtTheSmscAndItsReceiptsLandOnTheTimeline() throws Exception {
        String phone = phone();
        String id = customer(phone, "Ada");

        JsonObject m = send(id, "marketing", "Hello {{customer.firstName}}, the sale starts today");
        assertThat(m.getString("state")).isEqualTo("SENT");
        TestSmsc.Submitted got = single(phone);
        assertThat(got.text()).isEqualTo("Hello Ada, the sale starts today");
        assertThat(got.pdu().getSourceAddr()).isEqualTo(SENDER);
        assertThat(m.getString("providerId")).isEqualTo(got.messageId());

        smsc.receipt(got, "DELIVRD", "000");
        await().atMost(WAIT).until(() -> delivery(m.getString("id")), "DELIVERED"::equals);
        await().atMost(WAIT).until(() -> timeline(id, DELIVERED), n -> n == 1);

        JsonObject second = send(id, "marketing", "Last day of the sale");
        assertThat(second.getString("state")).isEqualTo("SENT");
        TestSmsc.Submitted undelivered = atSmsc(phone).get(1);
        assertThat(undelivered.text()).isEqualTo("Last day of the sale");
        smsc.receipt(undelivered, "UNDELIV", "001");
        await().atMost(WAIT).until(() -> delivery(second.getString("id")), "FAILED"::equals);
        await().atMost(WAIT).until(() -> timeline(id, FAILED), n -> n == 1);
        assertThat(delivery(m.getString("id"))).as("the first message keeps its own receipt").isEqualTo("DELIVERED");
    }

    @Test
    void stopFromTheHandsetWithdrawsTheConsentAndTheNextMarketingSmsIsRefusedByTheKernel() throws Exception {
        String phone = phone();
        String id = customer(phone, "Rosa");
        assertThat(send(id, "marketing", "New arrivals").getString("state")).isEqualTo("SENT");

        smsc.text(phone, SENDER, "STOP");
        await().atMost(WAIT).until(() -> timeline(id, RECEIVED), n -> n == 1);
        await().atMost(WAIT).until(() -> consent(id, "marketing", "sms"), "withdrawn"::equals);
        JsonObject received = shop.viewer().get("/api/v1/customers/" + id + "/timeline?type=" + RECEIVED).expect(200).json()
                .getJsonArray("items").getJsonObject(0);
        assertThat(received.toString()).contains("STOP");

        JsonObject refused = send(id, "marketing", "Still here?");
        assertThat(refused.getString("state")).isEqualTo("REJECTED");
        assertThat(refused.getString("reason")).containsIgnoringCase("consent");
        assertThat(atSmsc(phone)).as("only the message before STOP reached the SMSC").hasSize(1);
    }

    @Test
    void aCustomerWithoutPhoneOrATextTooLongIsRejectedWithItsReasonAndNothingReachesTheSmsc() {
        int before = smsc.accepted.size();
        String noPhone = shop.marketer().post("/api/v1/customers", "{\"email\": \"sms-" + PHONES.incrementAndGet() + "@example.com\", \"consents\": "
                + "[{\"purpose\": \"marketing\", \"channel\": \"sms\", \"status\": \"granted\", \"source\": \"signup\"}]}").expect(201).json().getString("id");
        JsonObject m = send(noPhone, "marketing", "Hello");
        assertThat(m.getString("state")).isEqualTo("REJECTED");
        assertThat(m.getString("reason")).contains("no phone number");

        String phone = phone();
        String id = customer(phone, "Lin");
        JsonObject tooLong = send(id, "marketing", "x".repeat(400));
        assertThat(tooLong.getString("state")).isEqualTo("REJECTED");
        assertThat(tooLong.getString("reason")).contains("too long").contains("3 segments").contains("the " + MAX_SEGMENTS + " allowed");
        assertThat(smsc.accepted).hasSize(before);
    }

    @Test
    void aThrottlingSmscGetsEveryMessageOfACampaignExactlyOnce() {
        int throttled = 20;
        AtomicInteger left = new AtomicInteger(throttled);
        int refusedBefore = smsc.refused.get();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(customer(phone(), "C" + i));
        }
        String run = Integer.toString(PHONES.incrementAndGet());
        smsc.answer(n -> left.getAndDecrement() > 0 ? SMPPConstant.STAT_ESME_RTHROTTLED : 0);

        StringBuilder b = new StringBuilder("{\"channel\": \"sms\", \"purpose\": \"marketing\", "
                + "\"text\": \"{{customer.firstName}}, order {{data.order}} ships today\", \"recipients\": [");
        for (int i = 0; i < ids.size(); i++) {
            b.append(i == 0 ? "" : ", ").append("{\"customerId\": \"").append(ids.get(i)).append("\", \"data\": {\"order\": \"").append(run).append('-')
                    .append(i).append("\"}}");
        }
        JsonObject answer = shop.marketer().post("/api/v1/messages/batch", b.append("]}").toString()).expect(200).json();
        List<String> messages = answer.getJsonArray("items").stream().map(v -> v.asJsonObject().getString("id")).toList();
        assertThat(messages).hasSize(50);
        assertThat(answer.getJsonObject("counts").getInt("RETRY")).as("the throttled first attempts wait for their next one").isEqualTo(throttled);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> messages.stream()
                .filter(id -> shop.viewer().get("/api/v1/messages/" + id).expect(200).json().getString("state").equals("SENT")).count() == 50);
        List<String> texts = smsc.accepted.stream().map(TestSmsc.Submitted::text).filter(t -> t.contains("order " + run + "-")).toList();
        assertThat(texts).hasSize(50);
        Set<String> distinct = texts.stream().collect(Collectors.toSet());
        assertThat(distinct).as("each message once").hasSize(50);
        assertThat(smsc.refused.get() - refusedBefore).isEqualTo(throttled);
    }

    static String phone() {
        return String.format("+3361%07d", PHONES.incrementAndGet() % 10_000_000);
    }

    /** A customer with this phone who granted marketing on sms. */
    static String customer(String phone, String firstName) {
        return shop.marketer().post("/api/v1/customers", "{\"phone\": \"" + phone + "\", \"firstName\": \"" + firstName + "\", \"consents\": "
                + "[{\"purpose\": \"marketing\", \"channel\": \"sms\", \"status\": \"granted\", \"source\": \"signup\"}]}").expect(201).json().getString("id");
    }

    static JsonObject send(String customerId, String purpose, String text) {
        return shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + customerId + "\", \"channel\": \"sms\", \"purpose\": \"" + purpose
                + "\", \"text\": \"" + text + "\"}").expect(201).json();
    }

    static List<TestSmsc.Submitted> atSmsc(String phone) {
        return smsc.accepted.stream().filter(s -> s.pdu().getDestAddress().equals(phone.substring(1))).toList();
    }

    static TestSmsc.Submitted single(String phone) {
        List<TestSmsc.Submitted> got = atSmsc(phone);
        assertThat(got).hasSize(1);
        return got.get(0);
    }

    static String delivery(String messageId) {
        JsonObject m = shop.viewer().get("/api/v1/messages/" + messageId).expect(200).json();
        return m.get("delivery").getValueType() == JsonValue.ValueType.NULL ? null : m.getString("delivery");
    }

    static int timeline(String customerId, String type) {
        return shop.viewer().get("/api/v1/customers/" + customerId + "/timeline?type=" + type).expect(200).json().getJsonArray("items").size();
    }

    static String consent(String customerId, String purpose, String channel) {
        return shop.viewer().get("/api/v1/customers/" + customerId).expect(200).json().getJsonArray("consents").stream().map(JsonValue::asJsonObject)
                .filter(c -> c.getString("purpose").equals(purpose) && c.getString("channel").equals(channel)).map(c -> c.getString("status")).findFirst()
                .orElse(null);
    }
}
