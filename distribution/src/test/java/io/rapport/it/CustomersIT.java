package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The customer API: create, read, patch, search, consent, merge, erase. */
@Order(2)
class CustomersIT {

    static Api.Shop shop;

    @BeforeAll
    static void shop() {
        Api.awaitReady();
        shop = Api.newShop(null);
    }

    @Test
    void aCustomerIsCreatedReadPatchedAndFound() {
        String email = "dee-" + UUID.randomUUID() + "@example.com";
        var created = shop.marketer().post("/api/v1/customers", """
                {"email": "%s", "firstName": "Dee", "locale": "fr_FR", "timeZone": "Europe/Paris", "externalIds": {"hubspot": "%s"},
                 "attributes": {"shoeSize": 38, "vip": true, "birthday": {"type": "date", "value": "1990-05-01"}, "colours": ["red", "blue"]},
                 "tags": ["newsletter"], "consents": [{"purpose": "marketing", "channel": "email", "status": "granted", "source": "checkout"}]}
                """.formatted(email, email)).expect(201);
        JsonObject dee = created.json();
        String id = dee.getString("id");
        assertThat(created.header("Location")).endsWith("/api/v1/customers/" + id);
        assertThat(dee.getString("locale")).isEqualTo("fr-FR");
        assertThat(dee.getJsonObject("attributes").getJsonObject("birthday").getString("value")).isEqualTo("1990-05-01");
        assertThat(dee.getJsonArray("consents").getJsonObject(0).getString("status")).isEqualTo("granted");

        JsonObject patched = shop.marketer().patch("/api/v1/customers/" + id, "{\"firstName\": null, \"lastName\": \"Diaz\", \"stage\": \"loyalty\", "
                + "\"attributes\": {\"shoeSize\": null, \"city\": \"Lyon\"}}").expect(200).json();
        assertThat(Api.isNull(patched, "firstName")).isTrue();
        assertThat(patched.getString("lastName")).isEqualTo("Diaz");
        assertThat(patched.getString("stage")).isEqualTo("loyalty");
        assertThat(patched.getJsonObject("attributes").keySet()).containsExactlyInAnyOrder("vip", "birthday", "colours", "city");

        assertThat(shop.viewer().get("/api/v1/customers/" + id).expect(200).json().getString("lastName")).isEqualTo("Diaz");
        assertThat(shop.viewer().get("/api/v1/customers?externalId=hubspot:" + email).expect(200).json().getJsonArray("items")).hasSize(1);
        assertThat(shop.viewer().get("/api/v1/customers?attribute=city:Lyon").expect(200).json().getJsonArray("items")).hasSize(1);
        assertThat(shop.viewer().get("/api/v1/customers?tag=newsletter").expect(200).json().getJsonArray("items")).hasSize(1);
        assertThat(shop.viewer().get("/api/v1/customers?email=" + email.toUpperCase()).expect(200).json().getJsonArray("items")).hasSize(1);
    }

    @Test
    void badFieldsAreNamedAndNothingIsWritten() {
        shop.marketer().post("/api/v1/customers", "{\"email\": \"nope\", \"phone\": \"0612\", \"stage\": \"vip\", \"tags\": [\"\"], \"shoe\": 1}")
                .expectProblem(400, "/email").expectProblem(400, "/phone").expectProblem(400, "/stage").expectProblem(400, "/tags/0")
                .expectProblem(400, "/shoe");
        String email = "eve-" + UUID.randomUUID() + "@example.com";
        shop.marketer().post("/api/v1/customers", "{\"email\": \"" + email + "\"}").expect(201);
        shop.marketer().post("/api/v1/customers", "{\"email\": \"" + email + "\", \"firstName\": \"Twin\"}").expectProblem(409, "/email");
        assertThat(shop.viewer().get("/api/v1/customers?email=" + email).json().getJsonArray("items")).hasSize(1);
        shop.viewer().get("/api/v1/customers/" + UUID.randomUUID()).expectProblem(404, null);
        shop.viewer().get("/api/v1/customers/not-a-uuid").expectProblem(404, null);
        shop.viewer().get("/api/v1/customers?limit=100000").expectProblem(400, "limit");
        shop.viewer().get("/api/v1/customers?cursor=garbage").expectProblem(400, "cursor");
    }

    @Test
    void consentIsRecordedOnTheProfileAndTheTimeline() {
        String id = shop.marketer().post("/api/v1/customers", "{\"phone\": \"+14155552671\"}").expect(201).json().getString("id");
        shop.marketer().put("/api/v1/customers/" + id + "/consents", "{\"purpose\": \"marketing\", \"channel\": \"sms\", \"status\": \"withdrawn\", \"source\": \"STOP\"}")
                .expect(200);
        shop.marketer().put("/api/v1/customers/" + id + "/consents", "{\"purpose\": \"marketing\", \"channel\": \"sms\", \"status\": \"maybe\"}")
                .expectProblem(400, "/status");
        JsonObject c = shop.viewer().get("/api/v1/customers/" + id).json();
        assertThat(c.getJsonArray("consents").getJsonObject(0).getString("status")).isEqualTo("withdrawn");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                shop.viewer().get("/api/v1/customers/" + id + "/timeline?type=consent.changed").json().getJsonArray("items").size() == 1);
    }

    @Test
    void mergingKeepsBothTimelines() {
        String run = UUID.randomUUID().toString();
        shop.key().post("/api/v1/events", "[{\"type\": \"page.viewed\", \"customer\": {\"email\": \"a-" + run + "@example.com\"}}, "
                + "{\"type\": \"order.completed\", \"customer\": {\"email\": \"b-" + run + "@example.com\"}, \"properties\": {\"total\": 5}}]").expect(202);
        JsonObject a = Api.awaitCustomer(shop.viewer(), "a-" + run + "@example.com", c -> true);
        JsonObject b = Api.awaitCustomer(shop.viewer(), "b-" + run + "@example.com", c -> c.getInt("orderCount") == 1);
        JsonObject survivor = shop.marketer().post("/api/v1/customers/" + a.getString("id") + "/merge",
                "{\"customerId\": \"" + b.getString("id") + "\", \"reason\": \"same person, two emails\"}").expect(200).json();
        assertThat(survivor.getInt("orderCount")).isEqualTo(1);
        assertThat(survivor.getJsonArray("identifiers")).hasSize(2);
        assertThat(shop.viewer().get("/api/v1/customers/" + b.getString("id")).json().getString("id")).isEqualTo(a.getString("id"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> shop.viewer()
                .get("/api/v1/customers/" + a.getString("id") + "/timeline").json().getJsonArray("items").stream()
                .map(e -> e.asJsonObject().getString("type")).toList().containsAll(java.util.List.of("page.viewed", "order.completed", "customer.merged")));
        shop.marketer().post("/api/v1/customers/" + a.getString("id") + "/merge", "{\"customerId\": \"" + a.getString("id") + "\"}")
                .expectProblem(400, "/customerId");
    }

    @Test
    void erasureRemovesTheProfileAndItsTimeline() {
        String email = "gone-" + UUID.randomUUID() + "@example.com";
        shop.key().post("/api/v1/events", "{\"type\": \"page.viewed\", \"customer\": {\"email\": \"" + email + "\"}}").expect(202);
        String id = Api.awaitCustomer(shop.viewer(), email, c -> true).getString("id");
        shop.marketer().delete("/api/v1/customers/" + id).expectProblem(403, null);
        shop.admin().delete("/api/v1/customers/" + id).expect(204);
        shop.viewer().get("/api/v1/customers/" + id).expectProblem(404, null);
        shop.viewer().get("/api/v1/customers/" + id + "/timeline").expectProblem(404, null);
        assertThat(shop.viewer().get("/api/v1/customers?email=" + email).json().getJsonArray("items")).isEmpty();
        assertThat(shop.admin().get("/api/v1/admin/audit").json().getJsonArray("items").stream()
                .map(e -> e.asJsonObject().getString("action"))).contains("customer.erased");
    }
}
