package io.rapport.it;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.rapport.it.ConsoleIT.CONSOLE;
import static io.rapport.it.ConsoleIT.SHOTS;
import static io.rapport.it.ConsoleIT.shot;
import static io.rapport.it.ConsoleIT.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The console's Segments page in a real browser, in a shop of its own: a marketer builds a segment of two conditions
 * from the builder's lists and sees the live count follow, meets an error the API places next to its condition, saves,
 * reads the members, changes the segment (a new version), rebuilds and deletes it; a viewer reads one without any
 * control to change it. Screenshots 40-… land in target/console-screenshots.
 */
@Order(6)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SegmentConsoleIT {

    static Playwright playwright;
    static Browser browser;
    static Api.Shop shop;
    static String run;
    static String annId;

    @BeforeAll
    static void setUp() throws IOException {
        ConsoleIT.assumeChromium();
        Api.awaitReady();
        Files.createDirectories(SHOTS);
        shop = Api.newShop(null);
        run = UUID.randomUUID().toString().substring(0, 8);
        // tagged vip: Ann, Bea, Dan; plan gold: Ann, Cid, Dan; neither: Eve
        annId = customer("Ann", "[\"vip\"]", "gold");
        customer("Bea", "[\"vip\"]", "free");
        customer("Cid", "[]", "gold");
        customer("Dan", "[\"vip\", \"newsletter\"]", "gold");
        customer("Eve", "[]", "free");
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

    static String customer(String firstName, String tags, String plan) {
        return shop.marketer().post("/api/v1/customers", "{\"email\": \"" + firstName.toLowerCase() + "-" + run + "@example.com\", \"firstName\": \""
                + firstName + "\", \"lastName\": \"Seg" + run + "\", \"tags\": " + tags + ", \"attributes\": {\"plan\": \"" + plan + "\"}}")
                .expect(201).json().getString("id");
    }

    static JsonObject json(String text) {
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readObject();
        }
    }

    static Page openSegments(BrowserContext context, String role) {
        Page page = signIn(context, shop.slug() + "-" + role, shop.password());
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Segments").setExact(true)).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Segments").setExact(true))).isVisible();
        return page;
    }

    static Locator condition(Page page, int index) {
        return page.locator("fieldset.cond").nth(index);
    }

    static Locator control(Locator row, String label) {
        return row.getByLabel(label, new Locator.GetByLabelOptions().setExact(true));
    }

    static void expectCount(Page page, String text) {
        assertThat(page.locator(".seg-preview .live-count")).hasText(text);
    }

    @Test
    @Order(1)
    void aMarketerBuildsSavesChangesRebuildsAndDeletesASegment() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = openSegments(context, "marketer");
            assertThat(page.getByText("No segment yet.")).isVisible();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New segment")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("New segment"))).isVisible();
            Locator name = page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("Name").setExact(true));
            assertThat(name).isFocused();
            name.fill("VIP gold");
            expectCount(page, "Add a condition to see who matches.");

            // first condition: the tag, picked from the lists; the keyboard lands on the new row
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add a condition")).click();
            Locator first = condition(page, 0);
            assertThat(control(first, "Type")).isFocused();
            assertThat(control(first, "Type")).hasValue("tag");
            assertThat(control(first, "Operator")).hasValue("has");
            expectCount(page, "Complete the conditions to see who matches.");
            control(first, "Tag").fill("vip");
            expectCount(page, "3 customers match now.");
            assertThat(page.locator(".seg-preview .sample tbody tr")).hasCount(3);

            // second condition: a custom field; a name the API refuses is named next to its row
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add a condition")).click();
            Locator second = condition(page, 1);
            control(second, "Type").selectOption("attribute");
            assertThat(control(second, "Type")).isFocused();
            assertThat(control(second, "Holds")).hasValue("text");
            assertThat(control(second, "Operator").locator("option")).hasText(new String[] {"is", "is not", "is one of", "starts with", "contains",
                "has a value", "has no value"});
            control(second, "Field name").fill("2plan");
            control(second, "Value").fill("gold");
            assertThat(second.locator(".field-error")).containsText("is not an attribute name");
            assertThat(control(second, "Field name")).hasAttribute("aria-invalid", "true");
            assertThat(first.locator(".field-error")).isEmpty();
            shot(page, "40-segment-error");
            control(second, "Field name").fill("plan");
            expectCount(page, "2 customers match now.");
            assertThat(second.locator(".field-error")).isEmpty();
            assertThat(control(second, "Field name")).not().hasAttribute("aria-invalid", "true");
            assertThat(page.locator(".seg-preview .sample tbody tr")).hasCount(2);
            shot(page, "41-segment-builder");

            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save segment")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("VIP gold"))).isVisible();
            assertThat(page.locator("p.flash")).hasText("Segment “VIP gold” saved: 2 customers are members.");
            assertThat(page.locator("p.flash")).isFocused();
            String id = page.url().replaceAll(".*#/segments/", "");
            JsonObject saved = shop.viewer().get("/api/v1/segments/" + id).expect(200).json();
            assertThat(saved.getJsonObject("condition")).as("the condition the builder wrote")
                    .isEqualTo(json("{\"all\": [{\"tag\": \"vip\"}, {\"attribute\": \"plan\", \"op\": \"eq\", \"value\": \"gold\"}]}"));
            assertThat(saved.getInt("members")).isEqualTo(2);
            Locator members = page.locator("section.members");
            assertThat(members.locator("tbody tr")).hasCount(2);
            assertThat(page.locator(".segment-facts [data-count=members]")).hasText("2");
            // the builder reads the saved condition back
            assertThat(control(condition(page, 1), "Field name")).hasValue("plan");
            expectCount(page, "2 customers match now.");
            shot(page, "42-segment-saved");

            // a member's link opens the customer's page
            members.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Ann Seg" + run)).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Ann Seg" + run))).isVisible();
            assertThat(page).hasURL(CONSOLE + "#/customers/" + annId);
            page.goBack();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("VIP gold"))).isVisible();

            // change it: any of the two conditions, a new version
            page.getByLabel("Customers who match", new Page.GetByLabelOptions().setExact(true)).selectOption("any");
            expectCount(page, "4 customers match now.");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save changes")).click();
            assertThat(page.locator("p.flash")).hasText("Saved as version 2: 4 customers are members.");
            assertThat(page.locator("section.members tbody tr")).hasCount(4);
            assertThat(page.getByLabel("Customers who match", new Page.GetByLabelOptions().setExact(true))).hasValue("any");
            JsonObject changed = shop.viewer().get("/api/v1/segments/" + id).expect(200).json();
            assertThat(changed.getInt("version")).isEqualTo(2);
            assertThat(changed.getJsonObject("condition").containsKey("any")).isTrue();

            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Rebuild now")).click();
            assertThat(page.locator(".action-result")).hasText("Rebuilt: 4 customers; 0 entered, 0 left.");

            // the list shows it with its members
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Segments").setExact(true)).first().click();
            Locator row = page.locator("table.segments tr[data-segment='" + id + "']");
            assertThat(row.locator("[data-count=members]")).hasText("4");
            assertThat(row.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("VIP gold"))).isVisible();
            shot(page, "43-segments-list");

            // delete, after a confirmation
            row.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("VIP gold")).click();
            page.onceDialog(d -> {
                assertThat(d.message()).contains("Delete the segment “VIP gold”?");
                d.accept();
            });
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete segment")).click();
            assertThat(page.locator("p.flash")).hasText("Segment “VIP gold” deleted.");
            assertThat(page.locator("table.segments tr[data-segment='" + id + "']")).hasCount(0);
            shop.viewer().get("/api/v1/segments/" + id).expectProblem(404, null);
        }
    }

    @Test
    @Order(2)
    void aNestedGroupsErrorLandsAtItsRowAndRemovingTheGroupKeepsTheKeyboardInTheBuilder() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, shop.slug() + "-marketer", shop.password());
            page.navigate(CONSOLE + "#/segments/new");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add a group")).click();
            Locator group = page.locator("fieldset.cond-group.nested");
            assertThat(page.getByLabel("Group 1: customers who match")).isFocused();
            assertThat(page.getByLabel("Group 1: customers who match")).hasValue("any");
            // none of the shop's customers ordered in the last 30 days; 5000 days is more than the API takes
            Locator row = group.locator("fieldset.cond").first();
            control(row, "Type").selectOption("event");
            assertThat(control(row, "Event type")).hasValue("order.completed");
            control(row, "Operator").selectOption("none");
            assertThat(control(row, "Times")).hasCount(0);
            Locator days = row.getByLabel("Within the last");
            days.fill("5000");
            assertThat(row.locator(".field-error")).hasText("is a whole number of days from 1 to " + 3650);
            assertThat(days).hasAttribute("aria-invalid", "true");
            days.fill("30");
            expectCount(page, "5 customers match now.");
            assertThat(days).not().hasAttribute("aria-invalid", "true");
            shot(page, "45-segment-nested");

            group.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Remove this group")).click();
            assertThat(group).hasCount(0);
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add a condition"))).isFocused();
            expectCount(page, "Add a condition to see who matches.");
        }
    }

    @Test
    @Order(3)
    void aViewerReadsASegmentWithoutControlsToChangeIt() {
        String id = shop.marketer().post("/api/v1/segments", "{\"name\": \"Gold not vip\", \"condition\": {\"all\": [{\"attribute\": \"plan\", "
                + "\"op\": \"eq\", \"value\": \"gold\"}, {\"not\": {\"tag\": \"vip\"}}]}}").expect(201).json().getString("id");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(390, 844))) {
            Page page = signIn(context, shop.slug() + "-viewer", shop.password());
            page.navigate(CONSOLE + "#/segments");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Segments").setExact(true))).isVisible();
            assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New segment"))).hasCount(0);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Gold not vip")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Gold not vip"))).isVisible();
            Locator words = page.locator(".cond-text");
            assertThat(words).containsText("Customers who match all of these:");
            assertThat(words).containsText("Custom field “plan” is “gold”");
            assertThat(words).containsText("Does not have the tag “vip”");
            assertThat(page.locator("section.members tbody tr")).hasCount(1);
            assertThat(page.locator("section.members")).containsText("Cid Seg" + run);
            assertThat(page.locator("main select, main form")).hasCount(0);
            for (String button : new String[] {"Save changes", "Rebuild now", "Delete segment", "Add a condition"}) {
                assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(button))).hasCount(0);
            }
            shot(page, "44-segment-viewer-phone");
            // the builder's address says the viewer cannot create one
            page.navigate(CONSOLE + "#/segments/new");
            assertThat(page.getByText("Only marketers and admins can create segments.")).isVisible();
        }
    }
}
