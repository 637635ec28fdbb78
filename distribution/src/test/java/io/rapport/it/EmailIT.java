package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The email channel in the running server: uploaded, configured from its form's fields, sending to GreenMail on
 * loopback, and the one-click unsubscribe of RFC 8058 posted back to the server as a mail provider would.
 */
@Order(5)
class EmailIT {

    static final String PLUGINS = "/api/v1/admin/plugins";
    static final String NAME = "io.rapport.plugin.channel.email";
    static final String CONFIG = "/api/v1/admin/configurations/io.rapport.channel.email";
    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    static Api.Shop shop;

    @BeforeAll
    static void setUp() throws IOException {
        Api.awaitReady();
        shop = Api.newShop(null);
        if (Api.operator().get(PLUGINS + "/" + NAME).status() == 200) {
            Api.operator().delete(PLUGINS + "/" + NAME).expect(204);
        }
        Api.operator().upload("POST", PLUGINS + "?start=true", Files.readAllBytes(Api.PLUGINS.resolve("channel-email.jar")), "application/java-archive")
                .expect(201);
    }

    @AfterAll
    static void tearDown() {
        Api.operator().delete(PLUGINS + "/" + NAME).expect(204);
        if (Api.operator().get(CONFIG).status() == 200) {
            Api.operator().delete(CONFIG).expect(204);
        }
    }

    @Test
    void aNewsletterArrivesWithAOneClickUnsubscribeThatWithdrawsTheConsent() throws Exception {
        Api.operator().put(CONFIG, "{\"host\": \"127.0.0.1\", \"port\": " + smtp.getSmtp().getPort() + ", \"security\": \"none\", "
                + "\"from\": \"news@shop.example\", \"fromName\": \"The Shop\"}").expect(201);
        await().atMost(WAIT).until(() -> Api.operator().get("/api/v1/channels").expect(200).raw().contains("\"email\""));
        String email = "reader-" + UUID.randomUUID() + "@example.com";
        String id = shop.marketer().post("/api/v1/customers", "{\"email\": \"" + email + "\", \"firstName\": \"Rosa\", \"consents\": "
                + "[{\"purpose\": \"marketing\", \"channel\": \"email\", \"status\": \"granted\", \"source\": \"signup\"}]}").expect(201).json().getString("id");

        // the template editor's preview: rendered for this customer, nothing stored or sent; a typo is an error at its field
        JsonObject preview = shop.marketer().post("/api/v1/messages/preview", "{\"customerId\": \"" + id + "\", \"channel\": \"email\", "
                + "\"subject\": \"Hello {{customer.firstName}}\", \"text\": \"Our new season\", \"html\": \"<p>{{data.note}}</p>\", "
                + "\"data\": {\"note\": \"<b>-20 %</b>\"}}").expect(200).json();
        assertThat(preview.getString("subject")).isEqualTo("Hello Rosa");
        assertThat(preview.getString("html")).isEqualTo("<p>&lt;b&gt;-20 %&lt;/b&gt;</p>");
        shop.marketer().post("/api/v1/messages/preview", "{\"customerId\": \"" + id + "\", \"channel\": \"email\", \"text\": \"Hi {{customer.frstName}}\"}")
                .expectProblem(400, "/text");
        assertThat(smtp.getReceivedMessages()).isEmpty();

        JsonObject m = shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + id + "\", \"channel\": \"email\", \"purpose\": \"marketing\", "
                + "\"subject\": \"Hello {{customer.firstName}}\", \"text\": \"Our new season\", \"html\": \"<p>Our new season, {{customer.firstName}}</p>\"}")
                .expect(201).json();
        assertThat(m.getString("state")).isEqualTo("SENT");
        MimeMessage got = smtp.getReceivedMessages()[smtp.getReceivedMessages().length - 1];
        assertThat(got.getSubject()).isEqualTo("Hello Rosa");
        assertThat(got.getAllRecipients()[0].toString()).isEqualTo("Rosa <" + email + ">");
        assertThat(got.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
        String unsubscribe = got.getHeader("List-Unsubscribe", null);
        assertThat(unsubscribe).startsWith("<").endsWith(">").contains("/api/v1/public/unsubscribe?token=");

        // the mail provider posts the one-click form from its servers
        Api.Answer one = Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.local(unsubscribe.substring(1, unsubscribe.length() - 1))))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")));
        assertThat(one.status()).isEqualTo(200);
        JsonObject after = shop.viewer().get("/api/v1/customers/" + id).expect(200).json();
        assertThat(after.getJsonArray("consents").getJsonObject(0).getString("status")).isEqualTo("withdrawn");
        // the next newsletter is refused by the kernel before the channel sees it; a receipt still goes out
        int before = smtp.getReceivedMessages().length;
        assertThat(shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + id + "\", \"channel\": \"email\", \"purpose\": \"marketing\", "
                + "\"text\": \"Another one\"}").expect(201).json().getString("state")).isEqualTo("REJECTED");
        assertThat(shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + id + "\", \"channel\": \"email\", \"purpose\": \"transactional\", "
                + "\"subject\": \"Your order\", \"text\": \"Thank you\"}").expect(201).json().getString("state")).isEqualTo("SENT");
        assertThat(smtp.getReceivedMessages()).hasSize(before + 1);
        assertThat(smtp.getReceivedMessages()[before].getHeader("List-Unsubscribe")).isNull();
        String timeline = shop.viewer().get("/api/v1/customers/" + id + "/timeline?type=consent.changed").expect(200).raw();
        assertThat(timeline).contains("one-click unsubscribe");
    }
}
