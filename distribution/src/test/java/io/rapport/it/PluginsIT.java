package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The plugin story end to end against the running server: upload the webhook plugin, configure it from its form,
 * send through it to a receiver that checks the signature, see the outcome on the timeline, disable it, update it,
 * uninstall it; the drop folder; the failure cases.
 */
@Order(5)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PluginsIT {

    static final String PLUGINS = "/api/v1/admin/plugins";
    static final String CONFIG = "/api/v1/admin/configurations/" + Plugins.WEBHOOK_PID;
    static final Duration WAIT = Duration.ofSeconds(20);

    static Api.Shop shop;
    static Plugins.Receiver receiver;
    static String customerId;

    @BeforeAll
    static void setUp() {
        Api.awaitReady();
        shop = Api.newShop(null);
        receiver = new Plugins.Receiver();
        customerId = shop.marketer().post("/api/v1/customers", "{\"email\": \"hook-" + UUID.randomUUID() + "@example.com\", \"firstName\": \"Ada\"}")
                .expect(201).json().getString("id");
    }

    /** A test that stopped half-way leaves its plugins in the server's database: each test starts from none. */
    @org.junit.jupiter.api.BeforeEach
    void noPlugins() {
        for (String name : java.util.List.of(Plugins.WEBHOOK, "io.rapport.it.needy")) {
            if (op().get(PLUGINS + "/" + name).status() == 200) {
                op().delete(PLUGINS + "/" + name).expect(204);
            }
        }
        if (op().get(CONFIG).status() == 200) {
            op().delete(CONFIG).expect(204);
        }
    }

    @AfterAll
    static void tearDown() {
        receiver.close();
    }

    static Api op() {
        return Api.operator();
    }

    static String config(String url) {
        return "{\"url\": \"" + url + "\", \"secret\": \"" + Plugins.SECRET + "\", \"timeoutSeconds\": 2}";
    }

    Api.Answer send(String purpose, String key) {
        return shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + customerId + "\", \"channel\": \"webhook\", \"purpose\": \"" + purpose
                + "\", \"subject\": \"Order {{data.order}}\", \"text\": \"Hello {{customer.firstName}}\"" + (key == null ? "" : ", \"idempotencyKey\": \"" + key + "\"")
                + ", \"data\": {\"order\": \"A-1\"}}");
    }

    @Test
    @Order(1)
    void onlyTheOperatorManagesPlugins() {
        shop.admin().get(PLUGINS).expectProblem(403, null);
        Api.anonymous().get(PLUGINS).expectProblem(401, null);
        shop.admin().upload("POST", PLUGINS, Plugins.webhookJar(), "application/java-archive").expectProblem(403, null);
    }

    @Test
    @Order(2)
    void somethingThatIsNotABundleIsRefused() {
        op().upload("POST", PLUGINS, "hello".getBytes(), "application/java-archive").expectProblem(400, "/");
        byte[] noName = Plugins.rewrite(Plugins.webhookJar(), java.util.Collections.singletonMap("Bundle-SymbolicName", null));
        Api.Answer a = op().upload("POST", PLUGINS, noName, "application/java-archive").expectProblem(400, "/");
        assertThat(a.raw()).contains("Bundle-SymbolicName");
        op().upload("POST", PLUGINS, Plugins.webhookJar(), "text/plain").expect(415);
    }

    @Test
    @Order(3)
    void uploadConfigureSendDisableUpdateUninstall() {
        // upload: installed, not yet started
        JsonObject p = op().upload("POST", PLUGINS, Plugins.webhookJar(), "application/java-archive").expect(201).json();
        assertThat(p.getString("symbolicName")).isEqualTo(Plugins.WEBHOOK);
        assertThat(p.getString("source")).isEqualTo("upload");
        op().upload("POST", PLUGINS, Plugins.webhookJar(), "application/java-archive").expectProblem(409, null);

        // start: active, but its component waits for a configuration
        p = op().post(PLUGINS + "/" + Plugins.WEBHOOK + "/start", "").expect(200).json();
        assertThat(p.getString("state")).isEqualTo("active");
        assertThat(p.getBoolean("configured")).isFalse();
        assertThat(p.getJsonArray("components").getJsonObject(0).getString("state")).isEqualTo("waiting for configuration");
        assertThat(send("transactional", null).expect(201).json().getString("state")).isEqualTo("REJECTED");

        // the form, from Metatype
        JsonObject schema = op().get(CONFIG + "/schema").expect(200).json();
        assertThat(schema.getJsonObject("properties").getJsonObject("secret").getBoolean("writeOnly")).isTrue();
        assertThat(schema.getJsonArray("required").getValuesAs(JsonString.class).stream().map(JsonString::getString)).contains("url", "secret");

        // bad values are refused field by field; good ones enable the channel
        op().put(CONFIG, "{\"timeoutSeconds\": \"soon\", \"colour\": \"red\"}").expectProblem(400, "/url")
                .expectProblem(400, "/secret").expectProblem(400, "/timeoutSeconds").expectProblem(400, "/colour");
        op().put(CONFIG, config(receiver.url())).expect(201);
        JsonObject cfg = op().get(CONFIG).expect(200).json();
        assertThat(cfg.getJsonObject("properties").containsKey("secret")).isFalse();
        assertThat(cfg.getJsonArray("passwordsSet").getString(0)).isEqualTo("secret");
        await().atMost(WAIT).until(() -> componentState().equals("active"));

        // send: signed post, SENT, and both outcome events on the timeline
        JsonObject m = send("transactional", "order-A-1").expect(201).json();
        assertThat(m.getString("state")).as(m.toString()).isEqualTo("SENT");
        assertThat(m.getString("subject")).isEqualTo("Order A-1");
        assertThat(m.getString("text")).isEqualTo("Hello Ada");
        assertThat(receiver.hits).singleElement().satisfies(h -> {
            assertThat(h.signatureValid()).isTrue();
            assertThat(h.id()).isEqualTo(m.getString("id"));
        });
        await().atMost(WAIT).until(() -> timelineTypes().containsAll(java.util.List.of("message.sent", "webhook.delivered")));

        // the same idempotency key sends nothing more
        assertThat(send("transactional", "order-A-1").expect(200).json().getString("id")).isEqualTo(m.getString("id"));
        assertThat(receiver.hits).hasSize(1);

        // a message without a channel is bad input, not a server error
        shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + customerId + "\", \"channel\": null, \"text\": \"x\"}")
                .expectProblem(400, "/channel");

        // marketing needs consent
        JsonObject refused = send("marketing", null).expect(201).json();
        assertThat(refused.getString("state")).isEqualTo("REJECTED");
        assertThat(refused.getString("reason")).contains("consent");

        // a suppression holds whatever the purpose, until it is lifted
        shop.marketer().put("/api/v1/customers/" + customerId + "/suppressions/webhook", "{\"reason\": \"asked us to stop\"}").expect(204);
        JsonObject suppressed = send("transactional", null).expect(201).json();
        assertThat(suppressed.getString("reason")).contains("suppressed");
        assertThat(shop.viewer().get("/api/v1/customers/" + customerId + "/suppressions").expect(200).raw()).contains("asked us to stop");
        shop.marketer().delete("/api/v1/customers/" + customerId + "/suppressions/webhook").expect(204);

        // a password left out keeps its value; a changed URL applies live
        op().put(CONFIG, "{\"url\": \"" + receiver.url() + "?v=2\"}").expect(200);
        JsonObject live = send("transactional", null).expect(201).json();
        assertThat(live.getString("state")).as(live.toString()).isEqualTo("SENT");

        // disable: delete the configuration, and sends are rejected with the reason
        op().delete(CONFIG).expect(204);
        await().atMost(WAIT).until(() -> componentState().equals("waiting for configuration"));
        JsonObject off = send("transactional", null).expect(201).json();
        assertThat(off.getString("state")).isEqualTo("REJECTED");
        assertThat(off.getString("reason")).contains("no active channel");

        // update to 2.0.0: configuration kept
        op().put(CONFIG, config(receiver.url())).expect(201);
        byte[] v2 = Plugins.rewrite(Plugins.webhookJar(), Map.of("Bundle-Version", "2.0.0"));
        p = op().upload("PUT", PLUGINS + "/" + Plugins.WEBHOOK, v2, "application/java-archive").expect(200).json();
        assertThat(p.getString("version")).isEqualTo("2.0.0");
        await().atMost(WAIT).until(() -> op().get(PLUGINS + "/" + Plugins.WEBHOOK).json().getString("state").equals("active"));
        await().atMost(WAIT).until(() -> send("transactional", null).json().getString("state").equals("SENT"));

        // stop, uninstall
        assertThat(op().post(PLUGINS + "/" + Plugins.WEBHOOK + "/stop", "").expect(200).json().getString("state")).isEqualTo("stopped");
        op().delete(PLUGINS + "/" + Plugins.WEBHOOK).expect(204);
        op().get(PLUGINS + "/" + Plugins.WEBHOOK).expectProblem(404, null);
        op().delete(CONFIG).expect(204);

        // every step is in the audit log
        String audit = op().get("/api/v1/admin/audit?limit=200").expect(200).raw();
        assertThat(audit).contains("plugin.installed", "plugin.started", "config.created", "config.updated", "config.deleted", "plugin.updated",
                "plugin.stopped", "plugin.uninstalled");
        assertThat(audit).doesNotContain(Plugins.SECRET);
    }

    @Test
    @Order(4)
    void aFailingPluginIsShownWithItsReasonAndTheServerKeepsServing() throws java.io.IOException {
        op().upload("POST", PLUGINS + "?start=true", Plugins.webhookJar(), "application/java-archive").expect(201);
        // activation throws on a URL that is not http(s)
        op().put(CONFIG, "{\"url\": \"ftp://example.com/\", \"secret\": \"" + Plugins.SECRET + "\"}").expect(201);
        JsonObject p = await().atMost(WAIT).until(() -> op().get(PLUGINS + "/" + Plugins.WEBHOOK).json(), x -> "failed".equals(x.getString("state")));
        assertThat(p.getString("failure")).contains("http or https");
        assertThat(send("transactional", null).expect(201).json().getString("reason")).contains("no active channel");
        Api.anonymous().get("/health/ready").expect(200);

        // a plugin that needs a package nobody exports cannot start, and says which
        byte[] needy = Plugins.rewrite(Plugins.webhookJar(), Map.of("Bundle-SymbolicName", "io.rapport.it.needy",
                "Import-Package", "com.example.nowhere;version=\"[1,2)\""));
        JsonObject n = op().upload("POST", PLUGINS + "?start=true", needy, "application/java-archive").expect(201).json();
        assertThat(n.getString("state")).isEqualTo("failed");
        assertThat(n.getString("failure")).contains("com.example.nowhere");

        // a receiver that never answers in time: the send is cut off and retried later
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // connections are queued by the kernel's TCP stack and never answered
            op().put(CONFIG, config("http://127.0.0.1:" + silent.getLocalPort() + "/hook")).expect(200);
            await().atMost(WAIT).until(() -> componentState().equals("active"));
            JsonObject slow = send("transactional", null).expect(201).json();
            assertThat(slow.getString("state")).as(slow.toString()).isEqualTo("RETRY");
            assertThat(slow.getString("reason")).contains("within 2 s");
            assertThat(slow.getString("nextAttemptAt")).isNotBlank();
        }

        op().delete(PLUGINS + "/io.rapport.it.needy").expect(204);
        op().delete(PLUGINS + "/" + Plugins.WEBHOOK).expect(204);
        op().delete(CONFIG).expect(204);
    }

    @Test
    @Order(5)
    void theDropFolderInstallsJarsAndConfigurations() throws Exception {
        Path drop = Api.WLP.resolve("usr/servers/" + Api.SERVER + "/plugins");
        Files.createDirectories(drop);
        Path cfg = drop.resolve(Plugins.WEBHOOK_PID + ".cfg");
        Path jar = drop.resolve("channel-webhook.jar");
        Files.writeString(cfg, "url = " + receiver.url() + "\nsecret = " + Plugins.SECRET + "\n");
        Files.write(jar, Plugins.webhookJar());
        try {
            JsonObject p = await().atMost(WAIT).ignoreExceptions().until(() -> op().get(PLUGINS + "/" + Plugins.WEBHOOK).expect(200).json(),
                    x -> "active".equals(x.getString("state")) && x.getBoolean("configured"));
            assertThat(p.getString("source")).isEqualTo("folder");
            assertThat(op().get(CONFIG).expect(200).json().getBoolean("fromFile")).isTrue();
            await().atMost(WAIT).until(() -> send("transactional", null).json().getString("state").equals("SENT"));
        } finally {
            Files.deleteIfExists(jar);
            Files.deleteIfExists(cfg);
        }
        await().atMost(WAIT).until(() -> op().get(PLUGINS + "/" + Plugins.WEBHOOK).status() == 404);
    }

    static String componentState() {
        return op().get(PLUGINS + "/" + Plugins.WEBHOOK).expect(200).json().getJsonArray("components").getJsonObject(0).getString("state");
    }

    java.util.List<String> timelineTypes() {
        return shop.viewer().get("/api/v1/customers/" + customerId + "/timeline").expect(200).json().getJsonArray("items").stream()
                .map(e -> e.asJsonObject().getString("type")).toList();
    }
}
