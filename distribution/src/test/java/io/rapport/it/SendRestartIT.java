package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.json.JsonObject;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server stops, or dies, in the middle of a send run. A client sends a campaign in batches with an idempotency key
 * per recipient and sends again every batch whose answer it did not get; the messages are counted at the receiving
 * SMTP server (GreenMail). A graceful stop loses nothing and sends nothing twice. A kill loses nothing; a message that
 * the SMTP server took just before the kill, whose outcome was not yet stored, is sent again once its lease runs out
 * (the send timeout + 30 s), with the same Message-ID so that receivers can drop it. Runs late: it restarts the server.
 */
@Order(Integer.MAX_VALUE - 1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SendRestartIT {

    static final int CUSTOMERS = 500;
    static final int BATCH = 25;
    static final int BATCHES = CUSTOMERS / BATCH;
    /** Spaces the sends (the plugin's rate limit) so that the run lasts about ten seconds and the stop falls inside it. */
    static final int RATE_PER_SECOND = 50;
    /** Batches answered before the server is stopped. */
    static final int BATCHES_BEFORE_STOP = 3;
    /** Covers a restart and the lease of a message whose node died. */
    static final Duration WAIT = Duration.ofMinutes(3);

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort()).withPerMethodLifecycle(false);

    static ExecutorService client;

    @BeforeAll
    static void setUp() {
        Api.awaitReady();
        Mail.install();
        Mail.configure(Mail.FROM, "127.0.0.1", smtp.getSmtp().getPort(), "\"ratePerSecond\": " + RATE_PER_SECOND, "\"timeoutSeconds\": 2");
        client = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void tearDown() {
        client.shutdownNow();
        Mail.uninstall();
    }

    @Test
    @Order(1)
    void aGracefulStopInTheMiddleOfASendRunLosesNothingAndSendsNothingTwice() throws Exception {
        Campaign run = interrupt(() -> Api.server("stop"));

        Map<String, List<MimeMessage>> received = received(run.messageIds());
        System.out.printf("SendRestartIT stop: %d messages, %d batches answered before the stop, %d requests without an answer, after the "
                + "restart %s, %d received%n", CUSTOMERS, run.answeredBeforeRestart, run.unanswered.get(), run.afterRestart,
                received.values().stream().mapToInt(List::size).sum());
        assertThat(received.keySet()).as("every message arrived").containsExactlyInAnyOrderElementsOf(run.messageIds());
        assertThat(received.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey))
                .as("no message arrived twice").isEmpty();
    }

    @Test
    @Order(2)
    void aKillInTheMiddleOfASendRunLosesNothingAndRepeatsOnlyWhatWasInFlight() throws Exception {
        Campaign run = interrupt(Api::kill);

        Map<String, List<MimeMessage>> received = received(run.messageIds());
        Map<String, List<MimeMessage>> repeated = received.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        System.out.printf("SendRestartIT kill: %d messages, %d batches answered before the kill, %d requests without an answer, after the "
                + "restart %s, %d received, %d received twice%n", CUSTOMERS, run.answeredBeforeRestart, run.unanswered.get(), run.afterRestart,
                received.values().stream().mapToInt(List::size).sum(), repeated.size());
        assertThat(received.keySet()).as("every message arrived").containsExactlyInAnyOrderElementsOf(run.messageIds());
        // a repeat is a message that was in flight at the kill: one batch at most, tried again after its lease
        assertThat(repeated.size()).isLessThanOrEqualTo(BATCH);
        for (Map.Entry<String, List<MimeMessage>> e : repeated.entrySet()) {
            assertThat(e.getValue().stream().map(SendRestartIT::messageIdHeader).distinct()).as("one Message-ID for every copy of %s", e.getKey())
                    .hasSize(1);
            assertThat(run.shop.viewer().get("/api/v1/messages/" + e.getKey()).expect(200).json().getInt("attempts")).isGreaterThan(1);
        }
    }

    /**
     * Sends a campaign from a client thread, runs {@code down} once a few batches are answered, starts the server again,
     * and waits until the client has an answer for every batch and every message is SENT.
     */
    Campaign interrupt(Runnable down) throws Exception {
        Api.Shop shop = Api.newShop(null);
        Campaign run = new Campaign(shop, customers(shop));
        Future<?> sending = client.submit(run::send);
        await().atMost(WAIT).until(() -> run.answered.size() >= BATCHES_BEFORE_STOP || sending.isDone());
        down.run();
        run.answeredBeforeRestart = run.answered.size();
        Api.server("start");
        Api.awaitReady();
        run.afterRestart = "SENDING " + count(shop, "SENDING") + ", RETRY " + count(shop, "RETRY");
        sending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(run.answeredBeforeRestart).as("the restart fell in the middle of the run").isLessThan(BATCHES);

        Set<String> ids = run.messageIds();
        assertThat(ids).hasSize(CUSTOMERS);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            List<String> sent = shop.viewer().get("/api/v1/messages?channel=email&state=SENT&limit=" + CUSTOMERS).expect(200).json()
                    .getJsonArray("items").stream().map(m -> m.asJsonObject().getString("id")).toList();
            assertThat(shop.viewer().get("/api/v1/messages?state=DEAD&limit=1").expect(200).json().getJsonArray("items")).isEmpty();
            return sent.size() == CUSTOMERS && ids.containsAll(sent);
        });
        return run;
    }

    static int count(Api.Shop shop, String state) {
        return shop.viewer().get("/api/v1/messages?state=" + state + "&limit=" + CUSTOMERS).expect(200).json().getJsonArray("items").size();
    }

    /** @return the shop's customers, each with an email address, created by one batch of events */
    static List<String> customers(Api.Shop shop) {
        String prefix = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        StringBuilder events = new StringBuilder("[");
        for (int i = 0; i < CUSTOMERS; i++) {
            events.append(i == 0 ? "" : ",").append("{\"type\": \"customer.identified\", \"customer\": {\"email\": \"").append(prefix).append('-')
                    .append(i).append("@example.com\"}}");
        }
        assertThat(shop.key().post("/api/v1/events", events.append(']').toString()).expect(202).json().getInt("stored")).isEqualTo(CUSTOMERS);
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> shop.viewer()
                .get("/api/v1/customers?limit=" + CUSTOMERS).expect(200).json().getJsonArray("items").stream()
                .map(c -> c.asJsonObject().getString("id")).toList(), l -> l.size() == CUSTOMERS);
    }

    /** @return the messages GreenMail received for these kernel message ids, by id */
    static Map<String, List<MimeMessage>> received(Set<String> ids) throws MessagingException {
        Map<String, List<MimeMessage>> out = new java.util.HashMap<>();
        for (MimeMessage m : smtp.getReceivedMessages()) {
            String id = m.getHeader(Mail.MESSAGE_ID_HEADER, null);
            if (ids.contains(id)) {
                out.computeIfAbsent(id, k -> new ArrayList<>()).add(m);
            }
        }
        return out;
    }

    static String messageIdHeader(MimeMessage m) {
        try {
            return m.getMessageID();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A campaign sent in batches; a batch without an answer (refused, cut off, an error status) is sent again with the same keys. */
    static final class Campaign {
        final Api.Shop shop;
        final List<String> customers;
        final String run = UUID.randomUUID().toString().substring(0, 8);
        /** Message ids of each answered batch, by batch. */
        final Map<Integer, List<String>> answered = new ConcurrentHashMap<>();
        final AtomicInteger unanswered = new AtomicInteger();
        volatile int answeredBeforeRestart;
        /** Messages not yet sent when the server was back. */
        volatile String afterRestart;

        Campaign(Api.Shop shop, List<String> customers) {
            this.shop = shop;
            this.customers = customers;
        }

        void send() {
            for (int b = 0; b < BATCHES; b++) {
                int batch = b;
                await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> post(batch));
            }
        }

        private boolean post(int batch) {
            StringBuilder recipients = new StringBuilder();
            for (int i = batch * BATCH; i < (batch + 1) * BATCH; i++) {
                recipients.append(i == batch * BATCH ? "" : ", ").append("{\"customerId\": \"").append(customers.get(i))
                        .append("\", \"idempotencyKey\": \"").append(run).append('-').append(i).append("\"}");
            }
            Api.Answer a;
            try {
                a = shop.marketer().post("/api/v1/messages/batch", "{\"channel\": \"email\", \"purpose\": \"transactional\", \"subject\": \"Your order\", "
                        + "\"text\": \"Thank you\", \"recipients\": [" + recipients + "]}");
            } catch (IllegalStateException noAnswer) {
                unanswered.incrementAndGet();
                return false;
            }
            assertThat(a.status()).as("a batch the server refuses for good: %s", a.raw()).isNotEqualTo(400);
            if (a.status() != 200) {
                unanswered.incrementAndGet();
                return false;
            }
            Function<JsonObject, String> id = item -> item.getString("id");
            answered.put(batch, a.json().getJsonArray("items").stream().map(v -> id.apply(v.asJsonObject())).toList());
            return true;
        }

        Set<String> messageIds() {
            return answered.values().stream().flatMap(List::stream).collect(Collectors.toSet());
        }
    }
}
