package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.json.JsonObject;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Surveys end to end: an NPS survey sent by email through GreenMail to several customers, each link read from the
 * mail, the phone page fetched and the answers posted over HTTP as a browser's form would (one off the scale, one
 * twice), then the nps KPI of the day with its inputs and the answers on the timelines. Expired links are covered by
 * the kernel's SurveysTest, whose clock moves.
 */
@Order(5)
class SurveysIT {

    static final String PLUGIN = "io.rapport.plugin.kpi.surveys";
    static final Pattern LINK = Pattern.compile("(https?://\\S+/api/v1/public/surveys\\?t=[A-Za-z0-9_.-]+)");
    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort()).withPerMethodLifecycle(false);

    static Api.Shop shop;

    @BeforeAll
    static void setUp() throws IOException {
        Api.awaitReady();
        if (Api.operator().get("/api/v1/admin/plugins/" + PLUGIN).status() != 200) {
            Api.operator().upload("POST", "/api/v1/admin/plugins?start=true", Files.readAllBytes(Api.PLUGINS.resolve("kpi-surveys.jar")),
                    "application/java-archive").expect(201);
        }
        Mail.install();
        Mail.configure(Mail.FROM, "127.0.0.1", smtp.getSmtp().getPort());
        shop = Api.newShop(null);
        // the operator's shop, not this one: reading this shop's KPIs now would store today's value before the answers
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(Api.operator().get("/api/v1/kpis").expect(200).json()
                .getJsonArray("items")).extracting(v -> v.asJsonObject().getString("id")).contains("nps", "csat", "ces_5", "ces_7"));
    }

    @AfterAll
    static void tearDown() {
        Mail.uninstall();
        if (Api.operator().get("/api/v1/admin/plugins/" + PLUGIN).status() == 200) {
            Api.operator().delete("/api/v1/admin/plugins/" + PLUGIN).expect(204);
        }
    }

    @Test
    void anNpsSurveyIsSentByEmailAnsweredOverHttpAndScored() throws Exception {
        String survey = shop.marketer().post("/api/v1/surveys", "{\"name\": \"After delivery\", \"kind\": \"nps\", \"question\": \"How likely are you "
                + "to recommend The Shop to a friend?\", \"followUp\": \"What is the main reason for your score?\", \"subject\": \"One question, "
                + "{{customer.firstName}}\", \"text\": \"Hello {{customer.firstName}},\\n\\n{{survey.question}}\\n{{survey.link}}\\n\"}").expect(201)
                .json().getString("id");
        String run = UUID.randomUUID().toString().substring(0, 8);
        String[] names = {"Ann", "Bob", "Cy", "Di"};
        List<String> ids = new ArrayList<>();
        for (String name : names) {
            ids.add(shop.marketer().post("/api/v1/customers", "{\"email\": \"" + name.toLowerCase() + "-" + run + "@example.com\", \"firstName\": \""
                    + name + "\", \"consents\": [{\"purpose\": \"surveys\", \"channel\": \"email\", \"status\": \"granted\", \"source\": \"signup\"}]}")
                    .expect(201).json().getString("id"));
        }
        int before = smtp.getReceivedMessages().length;
        for (String id : ids) {
            JsonObject sent = shop.marketer().post("/api/v1/surveys/" + survey + "/sends", "{\"customerId\": \"" + id + "\"}").expect(202).json();
            assertThat(sent.getJsonObject("counts").getInt("SENT")).isEqualTo(1);
        }
        await().atMost(WAIT).until(() -> smtp.getReceivedMessages().length >= before + names.length);

        List<String> links = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            MimeMessage mail = mailTo(names[i].toLowerCase() + "-" + run + "@example.com");
            assertThat(mail.getSubject()).isEqualTo("One question, " + names[i]);
            String text = text(mail);
            assertThat(text).contains("How likely are you to recommend The Shop to a friend?");
            Matcher m = LINK.matcher(text);
            assertThat(m.find()).as("a survey link in %s", text).isTrue();
            links.add(Api.local(m.group(1)));
        }

        // the page: phone first, the scale as numbered choices, the follow-up, a form that works without script
        Api.Answer page = Api.anonymous().send(HttpRequest.newBuilder(URI.create(links.get(0))).header("Accept", "text/html").GET());
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.raw()).contains("name=\"viewport\"", "How likely are you to recommend The Shop to a friend?", "Not at all likely",
                "Extremely likely", "What is the main reason for your score?", "<form", "method=\"post\"", "value=\"10\"").doesNotContain("<script");
        Api.Answer chosen = Api.anonymous().send(HttpRequest.newBuilder(URI.create(links.get(0) + "&score=9")).GET());
        assertThat(chosen.raw()).contains("value=\"9\" required checked");

        // Ann 10 with a comment that tries HTML, Bob 9, Cy 7, Di 3 (after an answer off the scale)
        assertThat(answer(links.get(0), "10", "Fast <script>alert(1)</script> & friendly", false).status()).isEqualTo(200);
        assertThat(answer(links.get(1), "9", null, false).raw()).contains("Thank you");
        assertThat(answer(links.get(2), "7", null, true).status()).isEqualTo(200);
        Api.Answer off = answer(links.get(3), "11", null, true);
        assertThat(off.status()).isEqualTo(400);
        assertThat(off.contentType()).startsWith("application/problem+json");
        assertThat(off.json().getJsonArray("errors").getJsonObject(0).getString("pointer")).isEqualTo("/score");
        assertThat(answer(links.get(3), "eleven", null, false).status()).as("HTML for a browser").isEqualTo(400);
        assertThat(answer(links.get(3), "3", null, false).status()).isEqualTo(200);

        // a second answer changes nothing
        Api.Answer second = answer(links.get(1), "0", null, true);
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.json().getString("type")).endsWith("already-answered");
        assertThat(answer(links.get(1), "0", null, false).status()).isEqualTo(409);
        // a link that is not the kernel's
        String forged = links.get(0).substring(0, links.get(0).length() - 3) + "xyz";
        assertThat(answer(forged, "5", null, true).status()).isEqualTo(404);
        assertThat(Api.anonymous().send(HttpRequest.newBuilder(URI.create(forged)).GET()).status()).isEqualTo(404);
        // the answered page says so, and shows the comment escaped
        String answered = Api.anonymous().send(HttpRequest.newBuilder(URI.create(links.get(0))).GET()).raw();
        assertThat(answered).contains("answered this survey already", "Fast &lt;script&gt;alert(1)&lt;/script&gt; &amp; friendly")
                .doesNotContain("<script>");

        // the survey's own summary and answers
        JsonObject summary = shop.viewer().get("/api/v1/surveys/" + survey + "/summary").expect(200).json();
        assertThat(summary.getInt("sends")).isEqualTo(4);
        assertThat(summary.getInt("responses")).isEqualTo(4);
        assertThat(summary.getJsonObject("counts").getInt("10")).isEqualTo(1);
        assertThat(summary.getJsonObject("counts").getInt("0")).isZero();
        assertThat(KpisIT.number(summary, "value")).isEqualTo("25"); // 2 promoters, 1 passive, 1 detractor: 50 - 25
        JsonObject responses = shop.viewer().get("/api/v1/surveys/" + survey + "/responses?limit=3").expect(200).json();
        assertThat(responses.getJsonArray("items")).hasSize(3);
        assertThat(responses.getString("next")).isNotEmpty();
        JsonObject rest = shop.viewer().get("/api/v1/surveys/" + survey + "/responses?limit=3&cursor=" + responses.getString("next")).expect(200).json();
        assertThat(rest.getJsonArray("items")).singleElement().satisfies(r -> {
            assertThat(r.asJsonObject().getString("customerId")).isEqualTo(ids.get(0));
            assertThat(r.asJsonObject().getString("comment")).isEqualTo("Fast <script>alert(1)</script> & friendly");
        });

        // the KPI of the day: (2 promoters - 1 detractor) / 4 answers = 25
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        JsonObject nps = shop.viewer().get("/api/v1/kpis/nps?granularity=day&from=" + today + "&to=" + today).expect(200).json();
        JsonObject day = nps.getJsonArray("items").getJsonObject(0);
        assertThat(KpisIT.number(day, "value")).isEqualTo("25");
        JsonObject inputs = day.getJsonObject("inputs");
        assertThat(KpisIT.number(inputs, "promoters")).isEqualTo("2");
        assertThat(KpisIT.number(inputs, "passives")).isEqualTo("1");
        assertThat(KpisIT.number(inputs, "detractors")).isEqualTo("1");
        assertThat(KpisIT.number(inputs, "responses")).isEqualTo("4");
        JsonObject csat = shop.viewer().get("/api/v1/kpis/csat?granularity=day&from=" + today + "&to=" + today).expect(200).json();
        assertThat(Api.isNull(csat.getJsonArray("items").getJsonObject(0), "value")).as("no CSAT answers: no value, not 0").isTrue();

        // each answer is on its customer's timeline
        String timeline = shop.viewer().get("/api/v1/customers/" + ids.get(0) + "/timeline?type=survey.answered").expect(200).raw();
        assertThat(timeline).contains("\"survey.answered\"", "\"kind\":\"nps\"", "\"scale\":\"0-10\"", survey);
    }

    @Test
    void aDefinitionIsCheckedAndItsScaleIsFixedOnceSent() {
        shop.marketer().post("/api/v1/surveys", "{\"name\": \"x\", \"kind\": \"stars\", \"question\": \"Q?\", \"text\": \"{{survey.link}}\"}")
                .expectProblem(400, "/kind");
        shop.marketer().post("/api/v1/surveys", "{\"name\": \"x\", \"kind\": \"csat\", \"question\": \"Q?\", \"text\": \"no link\"}")
                .expectProblem(400, "/text");
        shop.marketer().post("/api/v1/surveys", "{\"name\": \"x\", \"kind\": \"ces\", \"scaleMax\": \"7\", \"question\": \"Q?\", \"text\": \"{{survey.link}}\"}")
                .expectProblem(400, "/scaleMax");
        shop.viewer().post("/api/v1/surveys", "{\"name\": \"x\", \"kind\": \"csat\", \"question\": \"Q?\", \"text\": \"{{survey.link}}\"}").expect(403);
        String body = "{\"name\": \"Effort " + UUID.randomUUID() + "\", \"kind\": \"ces\", \"scaleMax\": 7, \"question\": \"It was easy to get my "
                + "issue solved.\", \"text\": \"{{survey.link}}\"}";
        String id = shop.marketer().post("/api/v1/surveys", body).expect(201).json().getString("id");
        String page = shop.viewer().get("/api/v1/surveys/" + id + "/preview").expect(200).raw();
        assertThat(page).contains("It was easy to get my issue solved.", "Strongly agree", "value=\"7\"").doesNotContain("value=\"8\"");
        String customer = shop.marketer().post("/api/v1/customers", "{\"email\": \"ces-" + UUID.randomUUID() + "@example.com\"}").expect(201).json()
                .getString("id");
        shop.marketer().post("/api/v1/surveys/" + id + "/sends", "{\"customerId\": \"" + customer + "\"}").expect(202);
        shop.marketer().put("/api/v1/surveys/" + id, body.replace("\"scaleMax\": 7", "\"scaleMax\": 5")).expectProblem(409, "/scaleMax");
        shop.marketer().delete("/api/v1/surveys/" + id).expect(204);
        shop.marketer().post("/api/v1/surveys/" + id + "/sends", "{\"customerId\": \"" + customer + "\"}").expect(409);
    }

    static Api.Answer answer(String link, String score, String comment, boolean json) {
        String token = URI.create(link).getRawQuery().substring("t=".length());
        String form = "t=" + token + "&score=" + URLEncoder.encode(score, StandardCharsets.UTF_8)
                + (comment == null ? "" : "&comment=" + URLEncoder.encode(comment, StandardCharsets.UTF_8));
        return Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.URL + "/api/v1/public/surveys"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", json ? "application/json" : "text/html,*/*")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    static MimeMessage mailTo(String address) throws Exception {
        for (MimeMessage m : smtp.getReceivedMessages()) {
            if (m.getAllRecipients()[0].toString().contains(address)) {
                return m;
            }
        }
        throw new AssertionError("no mail to " + address);
    }

    static String text(MimeMessage m) throws Exception {
        Object content = m.getContent();
        if (content instanceof String s) {
            return s;
        }
        Multipart mp = (Multipart) content;
        for (int i = 0; i < mp.getCount(); i++) {
            BodyPart p = mp.getBodyPart(i);
            if (p.isMimeType("text/plain")) {
                return (String) p.getContent();
            }
        }
        throw new AssertionError("no text part");
    }
}
