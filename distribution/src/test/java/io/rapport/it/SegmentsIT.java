package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Segments through the API: preview, create, members by page, change, delete, and bad conditions named by pointer. */
class SegmentsIT {

    static Api.Shop shop;
    static String ann;
    static String bob;

    @BeforeAll
    static void setUp() {
        Api.awaitReady();
        shop = Api.newShop(null);
        String run = UUID.randomUUID().toString().substring(0, 8);
        ann = customer("ann-" + run + "@example.com", "{\"plan\": \"gold\", \"score\": 120}", "[\"vip\"]");
        bob = customer("bob-" + run + "@example.com", "{\"plan\": \"free\", \"score\": 7}", "[]");
        for (int i = 0; i < 5; i++) {
            customer("extra" + i + "-" + run + "@example.com", "{\"plan\": \"free\"}", "[]");
        }
        // Ann bought twice this week, through the ingest API
        for (int i = 1; i <= 2; i++) {
            shop.key().post("/api/v1/events", "{\"type\": \"order.completed\", \"customer\": {\"email\": \"ann-" + run + "@example.com\"}, \"timestamp\": \""
                    + OffsetDateTime.now(ZoneOffset.UTC).minusDays(i) + "\", \"properties\": {\"total\": 60}, \"idempotencyKey\": \"o-" + run + i + "\"}")
                    .expect(202);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> shop.viewer().get("/api/v1/customers/" + ann).expect(200).json().getInt("orderCount") == 2);
    }

    static String customer(String email, String attributes, String tags) {
        return shop.marketer().post("/api/v1/customers", "{\"email\": \"" + email + "\", \"attributes\": " + attributes + ", \"tags\": " + tags + "}")
                .expect(201).json().getString("id");
    }

    @Test
    void aMarketerPreviewsSavesAndPagesThroughASegment() {
        String buyers = "{\"condition\": {\"event\": \"order.completed\", \"count\": {\"op\": \"gte\", \"value\": 2}, \"withinDays\": 90}}";
        JsonObject preview = shop.marketer().post("/api/v1/segments/preview", buyers).expect(200).json();
        assertThat(preview.getInt("count")).isEqualTo(1);
        assertThat(preview.getJsonArray("sample").getJsonObject(0).getString("id")).isEqualTo(ann);

        Api.Answer created = shop.marketer().post("/api/v1/segments", "{\"name\": \"Free plan\", \"description\": \"not paying yet\", "
                + "\"condition\": {\"attribute\": \"plan\", \"op\": \"eq\", \"value\": \"free\"}}").expect(201);
        JsonObject free = created.json();
        String id = free.getString("id");
        assertThat(created.header("Location")).endsWith("/api/v1/segments/" + id);
        assertThat(free.getInt("members")).isEqualTo(6);
        assertThat(free.getInt("version")).isEqualTo(1);

        // pages of 4: every member once
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            JsonObject page = shop.viewer().get("/api/v1/segments/" + id + "/members?limit=4" + (after == null ? "" : "&after=" + after)).expect(200).json();
            page.getJsonArray("items").forEach(v -> seen.add(v.asJsonObject().getString("id")));
            after = page.get("next") == JsonValue.NULL ? null : page.getString("next");
        } while (after != null);
        assertThat(seen).hasSize(6).doesNotHaveDuplicates().contains(bob).doesNotContain(ann);

        // a new condition: a new version, members recomputed, Bob's exit on his timeline
        JsonObject changed = shop.marketer().put("/api/v1/segments/" + id, "{\"name\": \"Low score\", "
                + "\"condition\": {\"attribute\": \"score\", \"op\": \"lt\", \"value\": 100}}").expect(200).json();
        assertThat(changed.getInt("version")).isEqualTo(2);
        assertThat(changed.getInt("members")).isEqualTo(1);
        assertThat(shop.viewer().get("/api/v1/segments").expect(200).json().getJsonArray("items")).extracting(v -> v.asJsonObject().getString("name"))
                .contains("Low score");
        assertThat(shop.marketer().post("/api/v1/segments/" + id + "/rebuild", "").expect(200).json().getInt("members")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(shop.viewer()
                .get("/api/v1/customers/" + seen.stream().filter(s -> !s.equals(bob)).findFirst().orElseThrow() + "/timeline?type=segment.exited")
                .expect(200).json().getJsonArray("items")).hasSize(1));

        shop.viewer().delete("/api/v1/segments/" + id).expect(403);
        shop.marketer().delete("/api/v1/segments/" + id).expect(204);
        shop.viewer().get("/api/v1/segments/" + id).expectProblem(404, null);
    }

    @Test
    void rfmScoresAreComputedOnRequestAndReadBySegments() {
        JsonObject before = shop.viewer().get("/api/v1/segments/rfm").expect(200).json();
        assertThat(before.getJsonObject("groups").keySet()).contains("champions", "lost");
        JsonObject run = shop.marketer().post("/api/v1/segments/rfm", "{\"windowDays\": 90}").expect(200).json();
        assertThat(run.getInt("windowDays")).isEqualTo(90);
        assertThat(run.getInt("customers")).isEqualTo(1); // Ann, the only one with orders
        assertThat(run.getJsonObject("groups").values().stream().mapToInt(v -> ((jakarta.json.JsonNumber) v).intValue()).sum()).isEqualTo(1);
        JsonObject scored = shop.marketer().post("/api/v1/segments/preview", "{\"condition\": {\"rfm\": \"frequency\", \"op\": \"eq\", \"value\": 2}}")
                .expect(200).json();
        assertThat(scored.getInt("count")).isEqualTo(1);
        shop.marketer().post("/api/v1/segments/rfm", "{\"windowDays\": 0}").expectProblem(400, "/windowDays");
        shop.viewer().post("/api/v1/segments/rfm", "{}").expect(403);
    }

    @Test
    void badSegmentsAreRefusedWithWhatIsWrong() {
        shop.marketer().post("/api/v1/segments", "{\"name\": \"\", \"condition\": {\"tag\": \"vip\"}}").expectProblem(400, "/name");
        shop.marketer().post("/api/v1/segments", "{\"name\": \"x\", \"condition\": {\"all\": [{\"tag\": \"vip\"}, {\"attribute\": \"plan\", "
                + "\"op\": \"matches\", \"value\": \".*\"}]}}").expectProblem(400, "/condition/all/1/op");
        shop.marketer().post("/api/v1/segments", "{\"name\": \"x\", \"condition\": {\"sql\": \"1=1\"}}").expectProblem(400, "/condition");
        shop.marketer().post("/api/v1/segments", "{\"name\": \"x\", \"condition\": {\"tag\": \"vip\"}, \"owner\": \"me\"}").expectProblem(400, "/owner");
        shop.marketer().post("/api/v1/segments/preview", "{\"condition\": {\"profile\": \"revenue\", \"op\": \"gt\", \"value\": \"lots\"}}")
                .expectProblem(400, "/condition");
        // a sum of an event property: its name is required, and is a name
        shop.marketer().post("/api/v1/segments/preview", "{\"condition\": {\"event\": \"order.completed\", \"sum\": {\"op\": \"gte\", \"value\": 100}}}")
                .expectProblem(400, "/condition/sum/property");
        shop.marketer().post("/api/v1/segments/preview", "{\"condition\": {\"event\": \"order.completed\", \"avg\": {\"property\": \"total\\\" --\", "
                + "\"op\": \"gte\", \"value\": 1}}}").expectProblem(400, "/condition/avg/property");
        shop.marketer().post("/api/v1/segments/preview", "{\"condition\": {\"event\": \"order.completed\", \"sum\": {\"property\": \"total\", "
                + "\"op\": \"gte\", \"value\": 100}, \"withinDays\": 90}}").expect(200);
        shop.viewer().post("/api/v1/segments", "{\"name\": \"x\", \"condition\": {\"tag\": \"vip\"}}").expect(403);
        shop.marketer().post("/api/v1/segments", "{\"name\": \"VIP\", \"condition\": {\"tag\": \"vip\"}}").expect(201);
        shop.marketer().post("/api/v1/segments", "{\"name\": \"VIP\", \"condition\": {\"tag\": \"vip\"}}").expectProblem(409, "/name");
        shop.viewer().get("/api/v1/segments/" + UUID.randomUUID() + "/members").expectProblem(404, null);
    }
}
