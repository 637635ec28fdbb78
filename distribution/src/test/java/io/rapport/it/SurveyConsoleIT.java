package io.rapport.it;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.rapport.it.ConsoleIT.SHOTS;
import static io.rapport.it.ConsoleIT.shot;
import static io.rapport.it.ConsoleIT.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import jakarta.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's Surveys page in a real browser, in a shop of its own: a marketer builds a survey while the phone
 * preview follows the kind, the scale and the direction, meets the API's error next to the message field, saves, and
 * sees the results; a viewer reads it without any control to change it. Then four customers answer it on the public
 * page (linked from the mail GreenMail receives), and the KPI dashboard of today shows their NPS bar and the comments,
 * as text. Screenshots 60-… land in target/console-screenshots.
 */
@Order(6)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SurveyConsoleIT {

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort()).withPerMethodLifecycle(false);

    static Playwright playwright;
    static Browser browser;
    static Api.Shop shop;
    static String surveyId;
    /** Whether this class installed kpi-surveys (and removes it). */
    static boolean installedSurveys;

    @BeforeAll
    static void setUp() throws IOException {
        ConsoleIT.assumeChromium();
        Api.awaitReady();
        Files.createDirectories(SHOTS);
        if (Api.operator().get("/api/v1/admin/plugins/" + SurveysIT.PLUGIN).status() != 200) {
            Api.operator().upload("POST", "/api/v1/admin/plugins?start=true", Files.readAllBytes(Api.PLUGINS.resolve("kpi-surveys.jar")),
                    "application/java-archive").expect(201);
            installedSurveys = true;
        }
        Mail.install();
        Mail.configure(Mail.FROM, "127.0.0.1", smtp.getSmtp().getPort());
        shop = Api.newShop(null);
        // the operator's shop, not this one: reading this shop's KPIs now would store today's value before the answers
        await().atMost(SurveysIT.WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(Api.operator().get("/api/v1/kpis").expect(200)
                .json().getJsonArray("items")).extracting(v -> v.asJsonObject().getString("id")).contains("nps"));
        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = ConsoleIT.chromium(playwright);
    }

    @AfterAll
    static void tearDown() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        Mail.uninstall();
        if (installedSurveys && Api.operator().get("/api/v1/admin/plugins/" + SurveysIT.PLUGIN).status() == 200) {
            Api.operator().delete("/api/v1/admin/plugins/" + SurveysIT.PLUGIN).expect(204);
        }
    }

    static Page openSurveys(BrowserContext context, String role) {
        Page page = signIn(context, shop.slug() + "-" + role, shop.password());
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Surveys").setExact(true)).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Surveys").setExact(true))).isVisible();
        return page;
    }

    @Test
    @Order(1)
    void aMarketerBuildsASurveyWithItsPreviewAndSavesIt() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = openSurveys(context, "marketer");
            assertThat(page.getByText("No survey yet.")).isVisible();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New survey")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("New survey"))).isVisible();
            page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Name").setExact(true)).fill("After delivery");

            // an NPS: eleven choices from 0, with its end labels
            Locator phone = page.locator(".survey-preview .phone");
            assertThat(phone.locator("legend h1")).hasText("How likely are you to recommend us to a friend or colleague?");
            assertThat(phone.locator(".choices label")).hasCount(11);
            assertThat(phone.locator(".ends")).containsText("0 = Not at all likely");
            // a CES: 1 to 7 by default, its own question; 1 to 5 and "effort" wording when told
            page.getByRole(AriaRole.COMBOBOX, new Page.GetByRoleOptions().setName("Kind").setExact(true)).selectOption("ces");
            assertThat(phone.locator(".choices label")).hasCount(7);
            assertThat(page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Question").setExact(true))).hasValue("It was easy to get what I needed.");
            assertThat(phone.locator(".ends")).containsText("7 = Strongly agree");
            page.getByRole(AriaRole.COMBOBOX, new Page.GetByRoleOptions().setName("Scale").setExact(true)).selectOption("5");
            page.locator("input[name=lowIsBetter]").check();
            assertThat(phone.locator(".choices label")).hasCount(5);
            assertThat(phone.locator(".ends")).containsText("1 = Very little effort");
            // back to an NPS: the CES fields go away
            page.getByRole(AriaRole.COMBOBOX, new Page.GetByRoleOptions().setName("Kind").setExact(true)).selectOption("nps");
            assertThat(page.locator("input[name=lowIsBetter]")).isHidden();
            assertThat(phone.locator(".choices label")).hasCount(11);
            page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Follow-up question").setExact(true)).fill("What made you choose that score?");
            assertThat(phone.locator("label").filter(new Locator.FilterOptions().setHasText("What made you choose that score?"))).isVisible();
            shot(page, "60-survey-editor");

            // a message without the link: the API's error sits next to the field
            Locator text = page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Message").setExact(true));
            text.fill("Hello {{customer.firstName}}, tell us!");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save survey")).click();
            assertThat(text).hasAttribute("aria-invalid", "true");
            assertThat(page.locator(".survey-form .field-error").filter(new Locator.FilterOptions().setHasText("survey.link"))).isVisible();
            text.fill("Hello {{customer.firstName}}, {{survey.question}} {{survey.link}}");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save survey")).click();

            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("After delivery").setExact(true))).isVisible();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Results"))).isVisible();
            assertThat(page.getByText("No answer yet.")).isVisible();
            surveyId = page.url().replaceAll(".*#/surveys/", "");
            JsonObject saved = shop.viewer().get("/api/v1/surveys/" + surveyId).expect(200).json();
            assertThat(saved.getString("kind")).isEqualTo("nps");
            assertThat(saved.getInt("scaleMax")).isEqualTo(10);
            assertThat(saved.getString("followUp")).isEqualTo("What made you choose that score?");
            shot(page, "61-survey-saved");

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Surveys").setExact(true)).first().click();
            assertThat(page.locator("table.surveys tbody tr")).hasCount(1);
            assertThat(page.locator("table.surveys tbody tr")).containsText("After delivery");
        }
    }

    @Test
    @Order(2)
    void aViewerReadsASurveyWithoutControls() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = openSurveys(context, "viewer");
            assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New survey"))).hasCount(0);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("After delivery")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("After delivery").setExact(true))).isVisible();
            assertThat(page.locator(".phone .choices label")).hasCount(11);
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save changes"))).hasCount(0);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Send"))).hasCount(0);
            shot(page, "62-survey-viewer");
        }
    }

    @Test
    @Order(3)
    void answersOnThePublicPageShowOnTheDashboardsNpsBarAndComments() throws Exception {
        // Ann 10 with a comment in HTML, Bob 9, Cy 8, Di 2 with a comment: 2 promoters (50 %), 1 passive and 1 detractor (25 % each), NPS 25
        String run = UUID.randomUUID().toString().substring(0, 8);
        String[] names = {"Ann", "Bob", "Cy", "Di"};
        String[] scores = {"10", "9", "8", "2"};
        String praise = "<b>Fast</b> & \"friendly\" <img src=x onerror=alert(1)>";
        String[] comments = {praise, null, null, "Too slow to arrive."};
        int before = smtp.getReceivedMessages().length;
        for (String name : names) {
            String id = shop.marketer().post("/api/v1/customers", "{\"email\": \"" + name.toLowerCase() + "-" + run + "@example.com\", \"firstName\": \""
                    + name + "\", \"consents\": [{\"purpose\": \"surveys\", \"channel\": \"email\", \"status\": \"granted\", \"source\": \"signup\"}]}")
                    .expect(201).json().getString("id");
            shop.marketer().post("/api/v1/surveys/" + surveyId + "/sends", "{\"customerId\": \"" + id + "\"}").expect(202);
        }
        await().atMost(SurveysIT.WAIT).until(() -> smtp.getReceivedMessages().length >= before + names.length);

        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(390, 844))) {
            Page answer = context.newPage();
            for (int i = 0; i < names.length; i++) {
                answer.navigate(link(names[i].toLowerCase() + "-" + run + "@example.com"));
                answer.locator("label[for=score-" + scores[i] + "]").click();
                assertThat(answer.locator("#score-" + scores[i])).isChecked();
                if (comments[i] != null) {
                    answer.getByLabel("What made you choose that score?").fill(comments[i]);
                }
                answer.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Send my answer")).click();
                assertThat(answer.locator("h1").first()).hasText("Thank you!");
                assertThat(answer.locator("strong")).hasText(scores[i]);
            }
        }

        String today = LocalDate.now(ZoneOffset.UTC).toString();
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, shop.slug() + "-viewer", shop.password());
            page.navigate(ConsoleIT.CONSOLE + "#/kpis?from=" + today + "&to=" + today + "&granularity=day");
            Locator nps = page.locator("section.nps");
            assertThat(nps.locator("p").first()).hasText("Over these dates: NPS 25 from 4 answers (promoters 9–10, passives 7–8, detractors 0–6).");
            assertThat(nps.locator("svg.stacked-bar")).hasAttribute("aria-label",
                    "4 answers: detractors 1 (25 %), passives 1 (25 %), promoters 2 (50 %)");
            assertThat(nps.locator(".nps-legend li[data-part=detractors]")).hasText("Detractors 1 (25 %)");
            assertThat(nps.locator(".nps-legend li[data-part=passives]")).hasText("Passives 1 (25 %)");
            assertThat(nps.locator(".nps-legend li[data-part=promoters]")).hasText("Promoters 2 (50 %)");
            // the promoters' part is half the bar
            assertThat(nps.locator("g[data-part=promoters] rect")).hasAttribute("width", "300");
            // the nps card's day: 25, with its inputs
            assertThat(page.locator("li[data-kpi=nps] td.num").first()).hasAttribute("data-value", "25");

            Locator written = page.locator("section.answers blockquote");
            assertThat(written).hasCount(2);
            assertThat(written.filter(new Locator.FilterOptions().setHasText("Fast"))).hasText(praise);
            assertThat(written.filter(new Locator.FilterOptions().setHasText("slow"))).hasText("Too slow to arrive.");
            assertThat(page.locator("section.answers b, section.answers img")).hasCount(0);
            assertThat(page.locator("section.answers li").filter(new Locator.FilterOptions().setHasText("Fast"))).containsText("After delivery · score 10");
            shot(page, "63-kpis-nps-answers");
        }
    }

    /** The survey link of the mail to an address, on the server under test. */
    static String link(String address) throws Exception {
        for (MimeMessage m : smtp.getReceivedMessages()) {
            if (m.getAllRecipients()[0].toString().contains(address)) {
                Matcher link = SurveysIT.LINK.matcher(SurveysIT.text(m));
                assertThat(link.find()).as("a survey link in the mail to %s", address).isTrue();
                return Api.local(link.group(1));
            }
        }
        throw new AssertionError("no mail to " + address);
    }
}
