package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two shops on one server, each with its own mail server: a hosting provider's shared relay for the shop without
 * settings of its own, the shop's own for the other. Each shop's mail leaves through its own server only, its admin
 * sees its own settings and never the operator's, and what its mail server posts back reaches its own channel only.
 */
@Order(5)
class TenantChannelsIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String OWN = "/api/v1/channels/email/settings";
    static final String TOKEN = "own-inbound-" + UUID.randomUUID();

    /** The hosting provider's relay: server-wide settings. */
    @RegisterExtension
    static GreenMailExtension shared = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    /** The second shop's own mail server. */
    @RegisterExtension
    static GreenMailExtension ownRelay = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    static Api.Shop first;
    static Api.Shop second;

    @BeforeAll
    static void setUp() {
        Api.awaitReady();
        first = Api.newShop(null);
        second = Api.newShop(null);
        Mail.uninstall();
        Mail.install();
    }

    @AfterAll
    static void tearDown() {
        Mail.uninstall();
    }

    @Test
    void eachShopSendsThroughItsOwnSettingsOrTheSharedOnesAndSeesOnlyItsOwn() throws Exception {
        Mail.configure("relay@host.example", "127.0.0.1", shared.getSmtp().getPort());
        // the shop's own server wants the shop's password: it reaches the shop's channel, and only there
        ownRelay.setUser("shop@second.example", "shop", "own-secret");
        JsonObject before = second.admin().get(OWN).expect(200).json();
        assertThat(before.getString("scope")).isEqualTo("server");
        assertThat(before.getJsonObject("properties")).as("the operator's settings are not the shop's business").isEmpty();

        // the second shop's admin fills in its own form: checked like the operator's, the password write-only
        JsonObject schema = second.admin().get(OWN + "/schema").expect(200).json();
        assertThat(schema.getJsonObject("properties").getJsonObject("password").getBoolean("writeOnly")).isTrue();
        second.admin().put(OWN, "{\"host\": \"127.0.0.1\", \"port\": \"not a port\", \"from\": \"shop@second.example\"}").expectProblem(400, "/port");
        second.admin().put(OWN, "{\"host\": \"127.0.0.1\", \"port\": 25, \"from\": \"shop@second.example\", \"rapport.tenant\": \"" + first.tenantId()
                + "\"}").expectProblem(400, "/rapport.tenant");
        JsonObject saved = second.admin().put(OWN, "{\"host\": \"127.0.0.1\", \"port\": " + ownRelay.getSmtp().getPort() + ", \"security\": \"none\", "
                + "\"from\": \"shop@second.example\", \"username\": \"shop\", \"password\": \"own-secret\", \"inboundToken\": \"" + TOKEN + "\"}")
                .expect(201).json();
        assertThat(saved.getString("scope")).isEqualTo("tenant");
        await("the shop's own channel runs").atMost(WAIT).until(() -> second.admin().get(OWN).expect(200).json().getBoolean("running"));
        assertThat(saved.getJsonObject("properties").getString("from")).isEqualTo("shop@second.example");
        assertThat(saved.getJsonObject("properties").containsKey("password")).isFalse();
        assertThat(saved.getJsonObject("properties").containsKey("rapport.tenant")).isFalse();
        assertThat(saved.getJsonArray("passwordsSet").getValuesAs(jakarta.json.JsonString.class)).extracting(jakarta.json.JsonString::getString)
                .containsExactlyInAnyOrder("password", "inboundToken");
        // a shop's admin is not the operator: the server's configurations stay closed to it
        second.admin().get("/api/v1/admin/configurations").expect(403);
        second.marketer().get(OWN).expect(403);
        assertThat(first.admin().get(OWN).expect(200).json().getString("scope")).isEqualTo("server");
        JsonObject provided = second.viewer().get("/api/v1/channels").expect(200).json().getJsonArray("provided").getValuesAs(JsonObject.class)
                .stream().filter(p -> p.getString("type").equals("email")).findFirst().orElseThrow();
        assertThat(provided.getString("scope")).isEqualTo("tenant");
        assertThat(provided.getBoolean("active")).isTrue();

        String a = customer(first, "first");
        String b = customer(second, "second");
        assertThat(send(second, b, "Own relay")).isEqualTo("SENT");
        assertThat(send(first, a, "Shared relay")).isEqualTo("SENT");
        assertThat(ownRelay.getReceivedMessages()).singleElement().satisfies(m -> {
            assertThat(m.getSubject()).isEqualTo("Own relay");
            assertThat(m.getFrom()[0].toString()).contains("shop@second.example");
        });
        assertThat(shared.getReceivedMessages()).singleElement().satisfies(m -> assertThat(m.getSubject()).isEqualTo("Shared relay"));

        // what the second shop's mail server posts back goes to its own channel, with its own secret
        String messageId = Mail.messageIds(java.util.List.of(com.icegreen.greenmail.util.GreenMailUtil.getWholeMessage(ownRelay.getReceivedMessages()[0])))
                .get(0);
        String report = EmailIT.arf(messageId);
        assertThat(post("/api/v1/public/inbound/email?token=" + TOKEN, report)).as("not the server-wide channel's secret").isIn(401, 404);
        assertThat(post("/api/v1/public/inbound/email/" + first.tenantId() + "?token=" + TOKEN, report)).as("the first shop has none of its own")
                .isEqualTo(404);
        assertThat(post("/api/v1/public/inbound/email/" + second.tenantId() + "?token=" + TOKEN, report)).isEqualTo(200);
        assertThat(second.viewer().get("/api/v1/customers/" + b + "/timeline?type=email.complained").expect(200).raw()).contains(messageId);

        // without its own settings, the shop sends through the shared relay again
        second.admin().delete(OWN).expect(204);
        await("the shop's own channel stops").atMost(WAIT).until(() -> !second.admin().get(OWN).expect(200).json().getBoolean("running"));
        second.admin().delete(OWN).expectProblem(404, null);
        assertThat(second.admin().get(OWN).expect(200).json().getString("scope")).isEqualTo("server");
        String c = customer(second, "second-again");
        assertThat(send(second, c, "Shared again")).isEqualTo("SENT");
        assertThat(shared.getReceivedMessages()).hasSize(2);
        assertThat(shared.getReceivedMessages()[1].getSubject()).isEqualTo("Shared again");
        assertThat(ownRelay.getReceivedMessages()).hasSize(1);
    }

    private static String customer(Api.Shop shop, String prefix) {
        return shop.marketer().post("/api/v1/customers", "{\"email\": \"" + prefix + "-" + UUID.randomUUID() + "@example.com\"}").expect(201).json()
                .getString("id");
    }

    /** Sends a transactional message; @return its state */
    private static String send(Api.Shop shop, String customerId, String subject) {
        return shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + customerId + "\", \"channel\": \"email\", \"purpose\": \"transactional\", "
                + "\"subject\": \"" + subject + "\", \"text\": \"Hello\"}").expect(201).json().getString("state");
    }

    private static int post(String path, String body) {
        return Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.URL + path)).header("Content-Type", "message/rfc822")
                .POST(HttpRequest.BodyPublishers.ofString(body))).status();
    }
}
