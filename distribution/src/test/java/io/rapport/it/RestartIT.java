package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Restarting the server keeps customers, timelines, keys and users. Runs last: it stops and starts the server. */
@Order(Integer.MAX_VALUE)
class RestartIT {

    @Test
    void aRestartKeepsEverything() throws Exception {
        Api.awaitReady();
        Api.Shop shop = Api.newShop(null);
        String email = "restart-" + UUID.randomUUID() + "@example.com";
        shop.key().post("/api/v1/events", "{\"type\": \"order.completed\", \"customer\": {\"email\": \"" + email + "\"}, \"properties\": {\"total\": 12}}")
                .expect(202);
        String id = Api.awaitCustomer(shop.viewer(), email, c -> c.getInt("orderCount") == 1).getString("id");
        Api op = Api.operator();
        String plugin = "/api/v1/admin/plugins/" + Plugins.WEBHOOK;
        String config = "/api/v1/admin/configurations/" + Plugins.WEBHOOK_PID;
        if (op.get(plugin).status() == 404) {
            op.upload("POST", "/api/v1/admin/plugins?start=true", Plugins.webhookJar(), "application/java-archive").expect(201);
        }
        assertThat(op.put(config, "{\"url\": \"http://127.0.0.1:9/hook\", \"secret\": \"" + Plugins.SECRET + "\"}").status()).isIn(200, 201);

        Api.server("stop");
        Api.server("start");
        Api.awaitReady();

        // the plugin comes back from the database: installed, started, configured, its secret still set
        var p = op.get(plugin).expect(200).json();
        assertThat(p.getString("state")).isEqualTo("active");
        assertThat(p.getBoolean("configured")).isTrue();
        assertThat(op.get(config).expect(200).json().getJsonArray("passwordsSet").getString(0)).isEqualTo("secret");
        op.delete(plugin).expect(204);
        op.delete(config).expect(204);

        var c = shop.viewer().get("/api/v1/customers/" + id).expect(200).json();
        assertThat(c.getInt("orderCount")).isEqualTo(1);
        assertThat(shop.viewer().get("/api/v1/customers/" + id + "/timeline").json().getJsonArray("items")).hasSize(1);
        shop.key().post("/api/v1/events", "{\"type\": \"order.completed\", \"customer\": {\"email\": \"" + email + "\"}, \"properties\": {\"total\": 3}}")
                .expect(202);
        Api.awaitCustomer(shop.viewer(), email, x -> x.getInt("orderCount") == 2);
    }

    @Test
    void eventsAcknowledgedBeforeAKillAreOnProfilesAfterTheRestart() throws Exception {
        Api.awaitReady();
        Api.Shop shop = Api.newShop(null);
        String run = UUID.randomUUID().toString().substring(0, 8);
        int batches = 10;
        int perBatch = 200;
        for (int b = 0; b < batches; b++) {
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < perBatch; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"type\": \"order.completed\", \"customer\": {\"externalIds\": {\"crash\": \"")
                        .append(run).append('-').append(b * perBatch + i).append("\"}}, \"properties\": {\"total\": 1}}");
            }
            assertThat(shop.key().post("/api/v1/events", batch.append(']').toString()).expect(202).json().getInt("stored")).isEqualTo(perBatch);
        }
        Api.kill();
        Api.server("start");
        Api.awaitReady();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
            int found = 0;
            String cursor = null;
            do {
                var page = shop.viewer().get("/api/v1/customers?limit=500" + (cursor == null ? "" : "&cursor=" + cursor)).expect(200).json();
                found += page.getJsonArray("items").stream().filter(c -> c.asJsonObject().getInt("orderCount") == 1).count();
                cursor = page.isNull("next") ? null : page.getString("next");
            } while (cursor != null);
            return found == batches * perBatch;
        });
    }
}
