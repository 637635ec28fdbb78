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
        int configured = Api.operator().put(CONFIG, "{\"host\": \"127.0.0.1\", \"port\": " + smtp.getSmtp().getPort() + ", \"security\": \"none\", "
                + "\"from\": \"news@shop.example\", \"fromName\": \"The Shop\"}").status();
        assertThat(configured).as("created, or replaced after another test of this class").isIn(200, 201);
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

    @Test
    void aCampaignIsTrackedAndItsBouncesComeBackThroughTheBounceMailbox() throws Exception {
        com.icegreen.greenmail.util.GreenMail imap = new com.icegreen.greenmail.util.GreenMail(ServerSetupTest.IMAP.dynamicPort());
        imap.start();
        try {
            imap.setUser("bounces@shop.example", "bounces", "secret");
            Api.Answer configured = Api.operator().put(CONFIG, "{\"host\": \"127.0.0.1\", \"port\": " + smtp.getSmtp().getPort() + ", \"security\": \"none\", "
                    + "\"from\": \"news@shop.example\", \"bounceAddress\": \"bounces@shop.example\", \"imapHost\": \"127.0.0.1\", \"imapPort\": "
                    + imap.getImap().getPort() + ", \"imapSecurity\": \"none\", \"imapUsername\": \"bounces\", \"imapPassword\": \"secret\", "
                    + "\"imapPollSeconds\": 1, \"inboundToken\": \"" + TOKEN + "\"}");
            assertThat(configured.status()).as(configured.raw()).isIn(200, 201);
            await().atMost(WAIT).until(() -> Api.operator().get("/api/v1/channels").expect(200).raw().contains("\"email\""));
            String[] ids = new String[2];
            String[] emails = new String[2];
            for (int i = 0; i < 2; i++) {
                emails[i] = "campaign-" + i + "-" + UUID.randomUUID() + "@example.com";
                ids[i] = shop.marketer().post("/api/v1/customers", "{\"email\": \"" + emails[i] + "\", \"firstName\": \"C" + i + "\", \"consents\": "
                        + "[{\"purpose\": \"marketing\", \"channel\": \"email\", \"status\": \"granted\", \"source\": \"signup\"}]}").expect(201).json()
                        .getString("id");
            }
            int before = smtp.getReceivedMessages().length;

            JsonObject batch = shop.marketer().post("/api/v1/messages/batch", "{\"channel\": \"email\", \"purpose\": \"marketing\", "
                    + "\"subject\": \"Sale for {{customer.firstName}}\", \"text\": \"See https://shop.example/sale\", "
                    + "\"html\": \"<html><body><a href=\\\"https://shop.example/sale?c={{data.code}}&amp;x=1\\\">Sale</a></body></html>\", "
                    + "\"recipients\": [{\"customerId\": \"" + ids[0] + "\", \"data\": {\"code\": \"A1\"}}, {\"customerId\": \"" + ids[1]
                    + "\", \"data\": {\"code\": \"B2\"}}, {\"customerId\": \"" + UUID.randomUUID() + "\"}]}").expect(200).json();

            assertThat(batch.getJsonObject("counts").getInt("SENT")).isEqualTo(2);
            assertThat(batch.getJsonObject("counts").getInt("ERROR")).isEqualTo(1);
            assertThat(batch.getJsonArray("items").getJsonObject(2).getJsonObject("error").getString("pointer")).isEqualTo("/recipients/2/customerId");
            String first = batch.getJsonArray("items").getJsonObject(0).getString("id");
            String second = batch.getJsonArray("items").getJsonObject(1).getString("id");
            assertThat(smtp.getReceivedMessages()).hasSize(before + 2);
            MimeMessage got = java.util.Arrays.stream(smtp.getReceivedMessages()).filter(m -> first.equals(header(m, "X-Rapport-Message-Id")))
                    .findFirst().orElseThrow();
            assertThat(header(got, "Return-Path")).contains("bounces@shop.example");
            String html = (String) ((jakarta.mail.internet.MimeMultipart) got.getContent()).getBodyPart(1).getContent();
            java.util.regex.Matcher link = java.util.regex.Pattern.compile("href=\"([^\"]+)\"").matcher(html);
            java.util.regex.Matcher pixel = java.util.regex.Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
            assertThat(link.find()).isTrue();
            assertThat(pixel.find()).isTrue();
            String click = link.group(1).replace("&amp;", "&");
            assertThat(click).contains("/api/v1/public/t/click?");

            // the mail reader loads the pixel; the customer follows the link to where it pointed, and only there
            Api.Answer open = Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.local(pixel.group(1).replace("&amp;", "&")))).GET());
            assertThat(open.status()).isEqualTo(200);
            assertThat(open.contentType()).startsWith("image/gif");
            Api.Answer followed = Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.local(click))).GET());
            assertThat(followed.status()).isEqualTo(302);
            assertThat(followed.response().headers().firstValue("Location")).hasValue("https://shop.example/sale?c=A1&x=1");
            String forged = click.replaceFirst("u=[^&]+", "u=" + java.net.URLEncoder.encode("https://evil.example/", java.nio.charset.StandardCharsets.UTF_8));
            assertThat(Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.local(forged))).GET()).status()).as("no open redirect").isEqualTo(404);
            await().atMost(WAIT).untilAsserted(() -> {
                String timeline = shop.viewer().get("/api/v1/customers/" + ids[0] + "/timeline?type=email.opened,email.clicked").expect(200).raw();
                assertThat(timeline).contains("email.opened").contains("email.clicked").contains("https://shop.example/sale?c=A1&x=1");
            });
            assertThat(shop.viewer().get("/api/v1/messages/" + first).expect(200).json().getString("delivery")).isEqualTo("CLICKED");

            // the second address bounces later: the mail server's report arrives in the bounce mailbox
            var inbox = imap.getManagers().getImapHostManager().getInbox(imap.getManagers().getUserManager().getUser("bounces"));
            inbox.store(new MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()), new java.io.ByteArrayInputStream(dsn(second,
                    emails[1]).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            await().atMost(WAIT).untilAsserted(() -> assertThat(shop.viewer().get("/api/v1/customers/" + ids[1] + "/suppressions").expect(200).raw())
                    .contains("hard bounce").contains("5.1.1"));
            assertThat(shop.viewer().get("/api/v1/customers/" + ids[1] + "/timeline?type=email.bounced").expect(200).raw()).contains("\"hard\":true");
            assertThat(shop.viewer().get("/api/v1/messages?channel=email&delivery=HARD_BOUNCED").expect(200).raw()).contains(second).contains("\"customerName\":\"C1\"");
            assertThat(shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + ids[1] + "\", \"channel\": \"email\", \"purpose\": \"marketing\", "
                    + "\"text\": \"Again\"}").expect(201).json().getString("reason")).contains("suppressed");

            // a feedback loop's abuse report about the first message, posted by the mail server as it comes
            String inbound = "/api/v1/public/inbound/email?token=";
            assertThat(Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.URL + inbound + "not-the-token")).header("Content-Type", "message/rfc822")
                    .POST(HttpRequest.BodyPublishers.ofString(arf(first)))).status()).isEqualTo(401);
            assertThat(Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.URL + inbound + TOKEN)).header("Content-Type", "message/rfc822")
                    .POST(HttpRequest.BodyPublishers.ofString(arf(first)))).status()).isEqualTo(200);
            assertThat(shop.viewer().get("/api/v1/customers/" + ids[0] + "/suppressions").expect(200).raw()).contains("complaint");
            assertThat(shop.viewer().get("/api/v1/customers/" + ids[0] + "/timeline?type=email.complained").expect(200).raw()).contains(first);
        } finally {
            imap.stop();
        }
    }

    static final String TOKEN = "inbound-" + UUID.randomUUID();

    /** An abuse report from a feedback loop (ARF, RFC 5965) about our message. */
    static String arf(String messageId) {
        return String.join("\r\n", "From: feedback@isp.example", "To: abuse@shop.example", "Subject: FW: Sale", "MIME-Version: 1.0",
                "Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"", "", "--F", "Content-Type: text/plain", "",
                "An abuse report.", "", "--F", "Content-Type: message/feedback-report", "", "Feedback-Type: abuse", "Version: 1", "", "--F",
                "Content-Type: text/rfc822-headers", "", "From: news@shop.example", "X-Rapport-Message-Id: " + messageId, "", "--F--", "");
    }

    private static String header(MimeMessage m, String name) {
        try {
            return m.getHeader(name, null);
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A delivery status notification (RFC 3464) as postfix writes one, about our message to {@code to}. */
    private static String dsn(String messageId, String to) {
        return String.join("\r\n", "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)", "To: bounces@shop.example",
                "Subject: Undelivered Mail Returned to Sender", "MIME-Version: 1.0",
                "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"", "", "--B", "Content-Type: text/plain", "",
                "Your message could not be delivered.", "", "--B", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.example.net", "",
                "Final-Recipient: rfc822; " + to, "Action: failed", "Status: 5.1.1", "Diagnostic-Code: smtp; 550 5.1.1 user unknown", "", "--B",
                "Content-Type: text/rfc822-headers", "", "From: news@shop.example", "To: " + to, "X-Rapport-Message-Id: " + messageId, "", "--B--", "");
    }
}
