package io.rapport.it;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.rapport.it.ConsoleIT.SHOTS;
import static io.rapport.it.ConsoleIT.shot;
import static io.rapport.it.ConsoleIT.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The console's Surveys page in a real browser, in a shop of its own: a marketer builds a survey while the phone
 * preview follows the kind, the scale and the direction, meets the API's error next to the message field, saves, and
 * sees the results; a viewer reads it without any control to change it. Screenshots 60-… land in
 * target/console-screenshots.
 */
@Order(6)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SurveyConsoleIT {

    static Playwright playwright;
    static Browser browser;
    static Api.Shop shop;
    static String surveyId;

    @BeforeAll
    static void setUp() throws IOException {
        ConsoleIT.assumeChromium();
        Api.awaitReady();
        Files.createDirectories(SHOTS);
        shop = Api.newShop(null);
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
}
