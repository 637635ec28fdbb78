package io.rapport.it;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.rapport.it.ConsoleIT.CONSOLE;
import static io.rapport.it.ConsoleIT.SHOTS;
import static io.rapport.it.ConsoleIT.shot;
import static io.rapport.it.ConsoleIT.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

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
 * The console's Journeys page in a real browser, for a marketer of a fresh shop: the abandoned-cart journey built from
 * its template, its graph, a step changed through the forms (a problem shown at the step, then fixed), validated and
 * saved, a dry run on a consenting test customer that renders the reminder with the cart's items, and the publication;
 * the API then reports the journey live with version 1. A viewer of the shop reads the same journey without any control
 * to change it. Screenshots 40-… land in target/console-screenshots.
 */
@Order(6)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JourneyConsoleIT {

    static final String PASSWORD = "pw-" + UUID.randomUUID();

    static Playwright playwright;
    static Browser browser;
    static Api.Shop shop;
    static String marketer;
    static String viewer;
    static String customerEmail;
    static String journeyId;

    @BeforeAll
    static void setUp() throws IOException {
        ConsoleIT.assumeChromium();
        Api.awaitReady();
        Files.createDirectories(SHOTS);
        shop = Api.newShop(null);
        // users whose passwords the browser can type
        marketer = shop.slug() + "-jm";
        viewer = shop.slug() + "-jv";
        shop.admin().post("/api/v1/admin/users", "{\"username\": \"" + marketer + "\", \"password\": \"" + PASSWORD + "\", \"role\": \"marketer\"}").expect(201);
        shop.admin().post("/api/v1/admin/users", "{\"username\": \"" + viewer + "\", \"password\": \"" + PASSWORD + "\", \"role\": \"viewer\"}").expect(201);
        customerEmail = "ann-" + shop.slug() + "@example.com";
        shop.marketer().post("/api/v1/customers", JourneysIT.consenting(customerEmail, "Ann")).expect(201);
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

    static Locator node(Page page, String step) {
        return page.locator(".journey-graph .jg-node[data-step='" + step + "']");
    }

    static Locator button(Page page, String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    static Locator label(Page page, String text) {
        return page.getByLabel(text, new Page.GetByLabelOptions().setExact(true));
    }

    @Test
    @Order(1)
    void aMarketerBuildsTheAbandonedCartJourneyFromItsTemplateDryRunsItAndPublishesIt() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, marketer, PASSWORD);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Journeys").setExact(true)).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Journeys").setExact(true))).isVisible();
            assertThat(page.getByText("No journey yet.")).isVisible();

            // a template, from the list the API offers, with its title and description
            page.getByLabel("Abandoned cart").check();
            assertThat(page.getByText("When a cart changes and no order follows within an hour", new Page.GetByTextOptions())).isVisible();
            assertThat(page.getByLabel("Name")).hasValue("Abandoned cart");
            page.getByLabel("Name").fill("Cart rescue");
            shot(page, "40-journeys-new");
            button(page, "Create the journey").click();

            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Cart rescue").setLevel(1))).isVisible();
            assertThat(page).hasURL(Pattern.compile("#/journeys/[0-9a-f-]{36}$"));
            journeyId = page.url().replaceAll(".*#/journeys/", "");

            // the graph: every step a box, the arrows between them labelled
            for (String step : List.of("waitOrder", "reminder", "waitAgain", "lastCall")) {
                assertThat(node(page, step)).isVisible();
            }
            assertThat(node(page, "waitOrder")).containsText("Wait for an event");
            assertThat(node(page, "reminder")).containsText("You left something");
            assertThat(page.locator(".jg-edge[data-from='waitOrder'][data-to='reminder']")).hasCount(1);
            assertThat(page.locator(".jg-edge[data-from='reminder'][data-to='waitAgain']")).hasCount(1);
            assertThat(page.locator(".jg-edge-label").filter(new Locator.FilterOptions().setHasText("on timeout")).first()).isVisible();
            shot(page, "41-journey-graph");

            // the keyboard selects a step; its form opens with the values of the template
            node(page, "waitOrder").focus();
            page.keyboard().press("Enter");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(Pattern.compile("^Step waitOrder")))).isFocused();
            assertThat(label(page, "Event to wait for")).hasValue("order.completed");
            assertThat(label(page, "Wait at most")).hasValue("1");
            assertThat(label(page, "Wait at most, unit")).hasValue("H");
            assertThat(label(page, "If it does not happen in time, go to")).hasValue("reminder");

            // a problem the server finds is shown at the step and next to the field
            label(page, "Wait at most").fill("");
            assertThat(page.getByText("Unsaved changes.")).isVisible();
            button(page, "Validate").click();
            assertThat(page.locator(".problems li[data-pointer='/definition/steps/waitOrder/timeout']")).isVisible();
            assertThat(node(page, "waitOrder")).containsText("⚠ 1");
            assertThat(label(page, "Wait at most")).hasAttribute("aria-invalid", "true");
            shot(page, "42-journey-problem");

            // fixed through the form: two hours, stored as ISO-8601
            label(page, "Wait at most").fill("2");
            button(page, "Validate").click();
            assertThat(page.locator(".result")).hasText("The journey is valid: 4 steps.");
            assertThat(page.locator(".problems li")).hasCount(0);
            assertThat(node(page, "waitOrder")).not().containsText("⚠");
            button(page, "Save draft").click();
            assertThat(page.locator(".result")).containsText("Draft saved.");
            JsonObject saved = shop.marketer().get("/api/v1/journeys/" + journeyId).expect(200).json();
            assertThat(saved.getJsonObject("definition").getJsonObject("steps").getJsonObject("waitOrder").getString("timeout")).isEqualTo("PT2H");
            assertThat(saved.getString("status")).isEqualTo("draft");

            // the reminder, as the template wrote it
            node(page, "reminder").click();
            assertThat(label(page, "Subject")).hasValue("You left something in your cart");
            assertThat(label(page, "Channel")).hasValue("email");

            // a dry run for the test customer, with the sample cart the page offers for a cart journey
            page.getByLabel("Find a customer").fill(customerEmail);
            page.getByLabel("Find a customer").press("Enter");
            assertThat(page.locator(".dry-run select[name=customerId] option")).containsText(customerEmail);
            assertThat(label(page, "Item 1 name")).hasValue("Red shoes");
            button(page, "Run the dry run").click();
            Locator reminder = page.locator(".dry-step[data-step='reminder']");
            assertThat(reminder).hasAttribute("data-outcome", "sent");
            assertThat(reminder.locator(".dry-text")).containsText("Hello Ann");
            assertThat(reminder.locator(".dry-text")).containsText("- Red shoes × 1 (59.90)");
            assertThat(reminder.locator(".dry-text")).containsText("- Wool socks × 2 (9.50)");
            assertThat(reminder.locator("time")).hasText("After 2 hours");
            assertThat(page.locator(".dry-step[data-step='waitOrder']")).hasAttribute("data-outcome", "timeout");
            assertThat(page.locator(".dry-step[data-step='lastCall']")).hasAttribute("data-outcome", "sent");
            shot(page, "43-journey-dry-run");

            // published, after a confirmation
            page.onDialog(d -> {
                assertThat(d.message()).startsWith("Publish the draft as version 1?");
                d.accept();
            });
            button(page, "Publish…").click();
            assertThat(page.locator(".result")).hasText("Published: version 1 is live.");
            assertThat(page.locator(".journey-status")).containsText("Live");
            assertThat(page.locator(".analytics dd[data-count='entered']")).hasText("0");
            shot(page, "44-journey-published");

            // paused (no one enters) and resumed
            button(page, "Pause").click();
            assertThat(page.locator(".journey-status")).containsText("Paused");
            assertThat(shop.viewer().get("/api/v1/journeys/" + journeyId).expect(200).json().getString("status")).isEqualTo("paused");
            button(page, "Resume").click();
            assertThat(page.locator(".journey-status .state")).hasText("Live");
            assertThat(button(page, "Pause")).isVisible();
            assertThat(button(page, "Stop…")).isVisible();
            assertThat(button(page, "Delete…")).hasCount(0);
        }
        JsonObject live = shop.viewer().get("/api/v1/journeys/" + journeyId).expect(200).json();
        assertThat(live.getString("status")).isEqualTo("live");
        assertThat(live.getInt("liveVersion")).isEqualTo(1);
        assertThat(live.getJsonArray("versions")).hasSize(1);
        assertThat(shop.viewer().get("/api/v1/journeys/" + journeyId + "/versions/1").expect(200).json().getJsonObject("definition")
                .getJsonObject("steps").getJsonObject("waitOrder").getString("timeout")).isEqualTo("PT2H");
    }

    @Test
    @Order(2)
    void aViewerReadsTheJourneyWithoutAnyControlToChangeIt() {
        assertThat(journeyId).as("the marketer's journey").isNotNull();
        // a published journey with a branch and an A/B split, for its arrows and its arms
        String welcome = shop.marketer().post("/api/v1/journeys", "{\"name\": \"Welcome\", \"template\": \"welcome\"}").expect(201).json().getString("id");
        shop.marketer().post("/api/v1/journeys/" + welcome + "/publish", "").expect(200);
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, viewer, PASSWORD);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Journeys").setExact(true)).click();
            Locator row = page.locator("tr[data-journey='" + journeyId + "']");
            assertThat(row).containsText("Cart rescue");
            assertThat(row).containsText("Live");
            assertThat(row).containsText("v1");
            assertThat(row.locator("td[data-count='entered']")).hasText("0");
            assertThat(page.getByText("New journey")).hasCount(0);
            assertThat(page.locator("form")).hasCount(0);

            row.getByRole(AriaRole.LINK).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Cart rescue").setLevel(1))).isVisible();
            for (String step : List.of("waitOrder", "reminder", "waitAgain", "lastCall")) {
                assertThat(node(page, step)).isVisible();
            }
            node(page, "reminder").click();
            assertThat(page.locator(".step-panel")).containsText("You left something in your cart");
            assertThat(page.locator(".journey-settings")).containsText("when cart.updated happens");
            assertThat(page.locator(".analytics")).isVisible();
            // nothing to change: no form, no input, no action button
            assertThat(page.locator("main form")).hasCount(0);
            assertThat(page.locator("main input, main select, main textarea")).hasCount(0);
            for (String name : List.of("Validate", "Save draft", "Publish…", "Pause", "Stop…", "Add the step", "Run the dry run")) {
                assertThat(button(page, name)).hasCount(0);
            }
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Dry run"))).hasCount(0);
            shot(page, "45-journey-viewer");

            page.navigate(CONSOLE + "#/journeys/" + welcome);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Welcome").setLevel(1))).isVisible();
            assertThat(node(page, "ordered")).containsText("orderCount ≥ 1");
            for (String label : List.of("yes", "no", "A 50%", "B 50%")) {
                assertThat(page.locator(".jg-edge-label").filter(new Locator.FilterOptions().setHasText(label))).hasCount(1);
            }
            assertThat(page.locator(".jg-edge[data-from='test'][data-to='offerB']")).hasCount(1);
            assertThat(page.locator(".arms-table tbody tr")).hasCount(2);
            assertThat(page.locator(".arms-table tr[data-arm='A']")).containsText("baseline");
            assertThat(page.locator(".funnel")).hasAttribute("aria-label", Pattern.compile("hello 0 entered"));
            assertThat(page.locator("main form")).hasCount(0);
            shot(page, "46-journey-viewer-split");
        }
    }

    @Test
    @Order(3)
    void aMarketerBuildsAJourneyFromEmptyWithPickersOnly() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, marketer, PASSWORD);
            page.navigate(CONSOLE + "#/journeys");
            assertThat(page.getByLabel("Empty journey")).isChecked();
            page.getByLabel("Name").fill("Loyal customers");
            button(page, "Create the journey").click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Loyal customers").setLevel(1))).isVisible();
            String id = page.url().replaceAll(".*#/journeys/", "");
            assertThat(node(page, "end")).containsText("Exit");

            // the trigger: an order
            Locator settings = page.locator(".journey-settings");
            settings.getByLabel("Customers enter").selectOption("event");
            settings.getByLabel("Event type").fill("order.completed");

            // a branch at the start, its condition from pickers: at least 3 orders
            Locator add = page.locator("form.add-step");
            add.getByLabel("Type", new Locator.GetByLabelOptions().setExact(true)).selectOption("branch");
            add.getByLabel("Comes after").selectOption("start");
            add.getByLabel("Step id").fill("loyal");
            button(page, "Add the step").click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(Pattern.compile("^Step loyal")))).isFocused();
            Locator panel = page.locator(".step-panel");
            panel.getByLabel("Rule 1", new Locator.GetByLabelOptions().setExact(true)).selectOption("profile");
            assertThat(panel.getByLabel("Field")).hasValue("orderCount");
            panel.getByLabel("Comparison").selectOption("gte");
            panel.getByLabel("Value", new Locator.GetByLabelOptions().setExact(true)).fill("3");
            assertThat(panel.getByLabel("If it holds, go to")).hasValue("end");

            // a tag on the way when it holds
            add.getByLabel("Type", new Locator.GetByLabelOptions().setExact(true)).selectOption("tag");
            add.getByLabel("Comes after").selectOption("loyal|then");
            add.getByLabel("Step id").fill("tagLoyal");
            button(page, "Add the step").click();
            panel.getByLabel("Tag to add").fill("loyal");
            assertThat(page.locator(".jg-edge[data-from='loyal'][data-to='tagLoyal']")).hasCount(1);
            assertThat(page.locator(".jg-edge[data-from='tagLoyal'][data-to='end']")).hasCount(1);

            button(page, "Validate").click();
            assertThat(page.locator(".result")).hasText("The journey is valid: 3 steps.");
            button(page, "Save draft").click();
            assertThat(page.locator(".result")).containsText("Draft saved.");
            shot(page, "47-journey-from-empty");

            JsonObject def = shop.marketer().get("/api/v1/journeys/" + id).expect(200).json().getJsonObject("definition");
            assertThat(def.getString("start")).isEqualTo("loyal");
            assertThat(def.getJsonObject("trigger").getString("type")).isEqualTo("event");
            assertThat(def.getJsonObject("trigger").getString("event")).isEqualTo("order.completed");
            JsonObject loyal = def.getJsonObject("steps").getJsonObject("loyal");
            JsonObject condition = loyal.getJsonObject("condition");
            assertThat(List.of(condition.getString("profile"), condition.getString("op"), condition.getJsonNumber("value").toString()))
                    .containsExactly("orderCount", "gte", "3");
            assertThat(loyal.getString("then")).isEqualTo("tagLoyal");
            assertThat(Api.isNull(loyal, "else")).isTrue();
            JsonObject tag = def.getJsonObject("steps").getJsonObject("tagLoyal");
            assertThat(List.of(tag.getString("type"), tag.getString("tag"), tag.getString("next"))).containsExactly("tag", "loyal", "end");
        }
    }
}
