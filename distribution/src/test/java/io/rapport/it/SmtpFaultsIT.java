package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;

import io.rapport.testkit.ScriptedSmtp;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The kernel's retries against an SMTP server that fails: it refuses connections, then answers 421 to MAIL FROM, then
 * 451 to RCPT TO, then accepts. Every message arrives exactly once. The test server's backoff is short (the pom's
 * {@code it.send.backoff-ms}), so the retries take seconds.
 */
@Order(7)
class SmtpFaultsIT {

    static final int CUSTOMERS = 20;
    static final Duration WAIT = Duration.ofSeconds(60);
    static final long BACKOFF_MS = Long.getLong("rapport.it.send.backoff-ms", 1000);
    static final String DEFER_MAIL = "421 4.3.2 shutting down, try again later";
    static final String DEFER_RCPT = "451 4.3.0 greylisted, try again later";

    static Api.Shop shop;

    @BeforeAll
    static void setUp() {
        Api.awaitReady();
        shop = Api.newShop(null);
        Mail.install();
    }

    @AfterAll
    static void tearDown() {
        Mail.uninstall();
    }

    @Test
    void refusedThenDeferredThenAcceptedMessagesArriveExactlyOnce() {
        try (ScriptedSmtp peer = ScriptedSmtp.start(ScriptedSmtp.REFUSE)) {
            Mail.configure(Mail.FROM, "127.0.0.1", peer.port(), "\"timeoutSeconds\": 2");
            List<String> customers = Mail.customers(shop, "faults-" + UUID.randomUUID(), CUSTOMERS);
            StringBuilder recipients = new StringBuilder();
            for (int i = 0; i < CUSTOMERS; i++) {
                recipients.append(i == 0 ? "" : ", ").append("{\"customerId\": \"").append(customers.get(i)).append("\", \"idempotencyKey\": \"faults-")
                        .append(i).append("\"}");
            }
            OffsetDateTime sentAt = OffsetDateTime.now();
            JsonObject answer = shop.marketer().post("/api/v1/messages/batch", "{\"channel\": \"email\", \"purpose\": \"transactional\", "
                    + "\"subject\": \"Your order\", \"text\": \"Thank you\", \"recipients\": [" + recipients + "]}").expect(200).json();
            List<String> ids = answer.getJsonArray("items").stream().map(v -> v.asJsonObject().getString("id")).toList();
            assertThat(answer.getJsonObject("counts").getInt("RETRY")).as(answer.toString()).isEqualTo(CUSTOMERS);
            assertThat(peer.resets()).isGreaterThanOrEqualTo(CUSTOMERS);
            // the test server's short backoff is in force (else the phases below would take minutes)
            JsonObject first = message(ids.get(0));
            assertThat(OffsetDateTime.parse(first.getString("nextAttemptAt"))).isBefore(sentAt.plusSeconds(30));

            peer.script(ScriptedSmtp.mail(DEFER_MAIL));
            awaitAll(ids, m -> "RETRY".equals(m.getString("state")) && !Api.isNull(m, "reason") && m.getString("reason").contains("421"));
            peer.script(ScriptedSmtp.rcpt(n -> DEFER_RCPT));
            awaitAll(ids, m -> "RETRY".equals(m.getString("state")) && !Api.isNull(m, "reason") && m.getString("reason").contains("451"));
            assertThat(peer.accepted()).isEmpty();
            peer.script(ScriptedSmtp.ACCEPT);
            List<JsonObject> sent = awaitAll(ids, m -> "SENT".equals(m.getString("state")));

            assertThat(sent).allSatisfy(m -> assertThat(m.getInt("attempts")).as("refused, 421, 451, accepted").isGreaterThanOrEqualTo(4));
            assertThat(Mail.messageIds(peer.accepted())).as("each message exactly once at the SMTP server").containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    static JsonObject message(String id) {
        return shop.viewer().get("/api/v1/messages/" + id).expect(200).json();
    }

    /** Waits until every message satisfies the check; a message that went DEAD fails at once. */
    static List<JsonObject> awaitAll(List<String> ids, Predicate<JsonObject> ready) {
        Function<String, JsonObject> get = SmtpFaultsIT::message;
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(Math.min(200, BACKOFF_MS / 4))).until(() -> {
            List<JsonObject> ms = ids.stream().map(get).toList();
            assertThat(ms).noneMatch(m -> "DEAD".equals(m.getString("state")));
            return ms;
        }, ms -> ms.stream().allMatch(ready));
    }
}
