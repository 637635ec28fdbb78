package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.UUID;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Ingest over HTTP: events become profiles and timelines; bad input is named precisely; nothing is stored twice. */
@Order(1)
class IngestIT {

    static Api.Shop shop;

    @BeforeAll
    static void shop() {
        Api.awaitReady();
        shop = Api.newShop("FR");
    }

    @Test
    void eventsBecomeAProfileWithATimeline() {
        String email = "ann-" + UUID.randomUUID() + "@example.com";
        JsonObject ack = shop.key().post("/api/v1/events", """
                {"events": [
                  {"type": "page.viewed", "customer": {"email": "%1$s", "anonymousId": "anon-%2$s"}, "timestamp": "2026-03-01T10:00:00Z"},
                  {"type": "order.completed", "customer": {"email": "%1$s", "phone": "06 12 34 56 78"}, "timestamp": "2026-03-02T10:00:00Z",
                   "properties": {"total": 30.25, "currency": "EUR"}, "traits": {"firstName": "Ann", "plan": "gold"}},
                  {"type": "order.completed", "customer": {"email": "%1$s"}, "timestamp": "2026-03-03T10:00:00Z", "properties": {"total": 9.75}}
                ]}
                """.formatted(email, UUID.randomUUID())).expect(202).json();
        assertThat(ack.getInt("stored")).isEqualTo(3);

        JsonObject ann = Api.awaitCustomer(shop.viewer(), email, c -> c.getInt("orderCount") == 2);
        assertThat(ann.getJsonNumber("revenue").bigDecimalValue()).isEqualByComparingTo(new BigDecimal("40"));
        assertThat(ann.getString("firstName")).isEqualTo("Ann");
        assertThat(ann.getString("phone")).as("normalised with the tenant's region").isEqualTo("+33612345678");
        assertThat(ann.getString("stage")).isEqualTo("retention");
        assertThat(ann.getJsonObject("attributes").getString("plan")).isEqualTo("gold");
        assertThat(ann.getString("lastSeenAt")).startsWith("2026-03-03T10:00");

        String id = ann.getString("id");
        JsonObject page = shop.viewer().get("/api/v1/customers/" + id + "/timeline?limit=2").expect(200).json();
        JsonArray items = page.getJsonArray("items");
        assertThat(items).hasSize(2);
        assertThat(items.getJsonObject(0).getString("occurredAt")).startsWith("2026-03-03");
        assertThat(items.getJsonObject(1).getString("occurredAt")).startsWith("2026-03-02");
        JsonArray rest = shop.viewer().get("/api/v1/customers/" + id + "/timeline?limit=2&cursor=" + page.getString("next")).expect(200)
                .json().getJsonArray("items");
        assertThat(rest.getJsonObject(0).getString("type")).isEqualTo("page.viewed");
        JsonArray orders = shop.viewer().get("/api/v1/customers/" + id + "/timeline?type=order.completed").expect(200).json().getJsonArray("items");
        assertThat(orders).hasSize(2);
        assertThat(orders.getJsonObject(1).getJsonObject("properties").getString("currency")).isEqualTo("EUR");
    }

    @Test
    void theSameIdempotencyKeyIsStoredOnce() {
        String email = "bo-" + UUID.randomUUID() + "@example.com";
        String event = "{\"type\": \"order.completed\", \"customer\": {\"email\": \"" + email + "\"}, \"properties\": {\"total\": 10}, \"idempotencyKey\": \"order-"
                + email + "\"}";
        JsonObject first = shop.key().post("/api/v1/events", event).expect(202).json();
        JsonObject again = shop.key().post("/api/v1/events", "[" + event + "," + event + "]").expect(202).json();
        assertThat(again.getInt("stored")).isZero();
        assertThat(again.getInt("duplicates")).isEqualTo(2);
        String firstId = first.getJsonArray("results").getJsonObject(0).getString("id");
        assertThat(again.getJsonArray("results").getJsonObject(1).getString("id")).isEqualTo(firstId);
        JsonObject bo = Api.awaitCustomer(shop.viewer(), email, c -> c.getInt("orderCount") >= 1);
        assertThat(bo.getInt("orderCount")).isEqualTo(1);
    }

    @Test
    void aBatchStoresItsGoodEventsAndNamesEachBadOneByIndex() {
        String email = "cy-" + UUID.randomUUID() + "@example.com";
        JsonObject answer = shop.key().post("/api/v1/events", """
                [{"type": "page.viewed", "customer": {"email": "%s"}},
                 {"type": "page.viewed", "customer": {"email": "not an email"}},
                 {"type": "order.completed", "customer": {"phone": "12"}, "properties": {"total": "lots"}},
                 {"type": "page.viewed", "customer": {"anonymousId": "x"}, "timestamp": "yesterday"}]
                """.formatted(email)).expect(207).json();
        assertThat(answer.getInt("stored")).isEqualTo(1);
        assertThat(answer.getInt("rejected")).isEqualTo(3);
        JsonArray results = answer.getJsonArray("results");
        assertThat(results.getJsonObject(0).getString("status")).isEqualTo("stored");
        assertThat(pointers(results.getJsonObject(1))).containsExactly("/1/customer/email");
        assertThat(pointers(results.getJsonObject(2))).containsExactlyInAnyOrder("/2/customer/phone", "/2/properties/total");
        assertThat(pointers(results.getJsonObject(3))).containsExactly("/3/timestamp");
        Api.awaitCustomer(shop.viewer(), email, c -> true);
    }

    @Test
    void badRequestsAreProblemsThatNameTheField() {
        shop.key().post("/api/v1/events", "{\"type\": \"order.completed\"}").expectProblem(400, "/customer");
        shop.key().post("/api/v1/events", "{\"type\": \"page.viewed\", \"customer\": {\"email\": \"a@example.com\"}, \"colour\": 1}")
                .expectProblem(400, "/colour");
        shop.key().post("/api/v1/events", "{\"events\": [{\"type\": \"page.viewed\", \"customer\": {\"email\": 42}}]}")
                .expectProblem(400, "/events/0/customer/email");
        shop.key().post("/api/v1/events", "{\"type\": \"page.viewed\", ").expectProblem(400, "/");
        shop.key().post("/api/v1/events", "[]").expectProblem(400, "/");
        StringBuilder big = new StringBuilder("[");
        for (int i = 0; i < 1001; i++) {
            big.append(i == 0 ? "" : ",").append("{\"type\": \"page.viewed\", \"customer\": {\"anonymousId\": \"a\"}}");
        }
        shop.key().post("/api/v1/events", big.append(']').toString()).expectProblem(400, "/");
        var plain = shop.key().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(Api.URL + "/api/v1/events"))
                .header("Content-Type", "text/plain").POST(java.net.http.HttpRequest.BodyPublishers.ofString("hello")));
        plain.expectProblem(415, null);
    }

    @Test
    void aThousandEventsFitInOneBatch() {
        StringBuilder batch = new StringBuilder("[");
        String run = UUID.randomUUID().toString();
        for (int i = 0; i < 1000; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\": \"page.viewed\", \"customer\": {\"email\": \"bulk-").append(i % 50).append('-').append(run)
                    .append("@example.com\"}, \"properties\": {\"n\": ").append(i).append("}}");
        }
        JsonObject ack = shop.key().post("/api/v1/events", batch.append(']').toString()).expect(202).json();
        assertThat(ack.getInt("stored")).isEqualTo(1000);
        Api.awaitCustomer(shop.viewer(), "bulk-49-" + run + "@example.com", c -> true);
    }

    @Test
    void ingestNeedsALiveApiKey() {
        Api.anonymous().post("/api/v1/events", "{}").expectProblem(401, null);
        Api.key("rpk_nope_nope").post("/api/v1/events", "{}").expectProblem(401, null);
        shop.admin().post("/api/v1/events", "{}").expectProblem(401, null);
        JsonObject k = shop.admin().post("/api/v1/admin/api-keys", "{\"name\": \"to revoke\"}").expect(201).json();
        Api key = Api.key(k.getString("secret"));
        key.post("/api/v1/events", "{\"type\": \"page.viewed\", \"customer\": {\"anonymousId\": \"r\"}}").expect(202);
        shop.admin().delete("/api/v1/admin/api-keys/" + k.getString("id")).expect(204);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(40)).until(() ->
                key.post("/api/v1/events", "{\"type\": \"page.viewed\", \"customer\": {\"anonymousId\": \"r\"}}").status() == 401);
    }

    private static java.util.List<String> pointers(JsonObject result) {
        return result.getJsonArray("errors").stream().map(e -> e.asJsonObject().getString("pointer")).toList();
    }
}
