package io.rapport.it;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.rapport.it.ConsoleIT.SHOTS;
import static io.rapport.it.ConsoleIT.shot;
import static io.rapport.it.ConsoleIT.signIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The console's KPI dashboard in a real browser, on CDNOW's published one-in-ten sample (6,919 orders of 2,357
 * customers, 1997-01 to 1998-06; the full history's import is ImportsIT's) imported into a shop of its own with the
 * two KPI plugins: a viewer changes the dates to 1997-1998 by month and reads the retention rate's chart and values,
 * the cohort heatmap (January 1997's cohort: every customer in month 0, a share in month 1) and the customers of
 * highest predicted lifetime value, opens one, and comes back to the default dates: the last 12 months of orders,
 * since none is recent. Skipped when the data set is not beside the repository (../shared/data/cdnow). The full
 * history (23,570 customers) took 2 minutes here, most of it the import, its projection and the KPIs on H2, for the
 * same page. Screenshot 60 lands in target/console-screenshots.
 */
@Order(7)
class KpiConsoleIT {

    static final String CRM_CSV = "io.rapport.connector.crm.csv";
    /** CDNOW's first and last order days, and its customers. */
    static final String FIRST_ORDER = "1997-01-01";
    static final String LAST_ORDER = "1998-06-30";
    static final int CUSTOMERS = 2_357;
    static final Duration COMPUTE = Duration.ofSeconds(90);

    static Playwright playwright;
    static Browser browser;
    static Api.Shop shop;

    @BeforeAll
    static void setUp() throws IOException {
        ConsoleIT.assumeChromium();
        Path sample = ImportsIT.DATA.stream().map(d -> d.resolve("cdnow/CDNOW_sample.txt")).filter(Files::isReadable).findFirst().orElse(null);
        assumeTrue(sample != null, "the CDNOW data set is not beside the repository (../shared/data/cdnow)");
        Api.awaitReady();
        Files.createDirectories(SHOTS);
        for (String name : List.of(KpisIT.PLUGINS.get(0), KpisIT.PLUGINS.get(1), CRM_CSV)) {
            if (Api.operator().get("/api/v1/admin/plugins/" + name).status() != 200) {
                String jar = name.equals(CRM_CSV) ? "crm-csv.jar" : name.equals(KpisIT.PLUGINS.get(0)) ? "kpi-retention.jar" : "kpi-clv.jar";
                Api.operator().upload("POST", "/api/v1/admin/plugins?start=true", Files.readAllBytes(Api.PLUGINS.resolve(jar)), "application/java-archive")
                        .expect(201);
            }
        }
        shop = Api.newShop(null);
        JsonObject done = ImportsIT.awaitEnd(shop.marketer(), ImportsIT.upload(shop, Files.readAllBytes(sample), Map.of("kind", "orders", "source",
                "CDNOW_sample.txt", "preset", "cdnow", "hasHeader", "false", "columns", "master_id,sample_id,date,cds,dollar_value")));
        assertThat(done.getString("state")).as(done.toString()).isEqualTo("done");
        // the import stores the orders; the relay then projects them (profiles, each order's customer) before KPIs can count them
        await().atMost(ImportsIT.WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> shop.viewer().get("/api/v1/overview").expect(200).json()
                .getInt("customers") == CUSTOMERS && Api.operator().get("/api/v1/overview").expect(200).json().getJsonObject("health").getInt("outbox") == 0);
        // the list computes the current month of every KPI: predicted_clv writes every customer's scores then
        await().atMost(COMPUTE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
            JsonObject list = shop.viewer().get("/api/v1/kpis").expect(200).json();
            assertThat(list.getJsonArray("items")).extracting(v -> v.asJsonObject().getString("id")).containsAll(KpisIT.KPIS);
            assertThat(list.getJsonObject("orders").getString("last")).isEqualTo(LAST_ORDER);
            assertThat(shop.viewer().get("/api/v1/kpis/scores/predicted_clv/top?limit=1").expect(200).json().getJsonArray("items")).hasSize(1);
        });
        // the retention series the page reads first, computed once here as KpisIT reads a series. Its first read computes 24
        // months on H2, which can outlast a request's 30 s on a busy machine: the server stores each month as it goes, so
        // asking again takes up where it was
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() ->
                shop.viewer().get("/api/v1/kpis/retention_rate?granularity=month&from=1997-01-01&to=1998-12-31").status() == 200);
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
        for (String name : List.of(KpisIT.PLUGINS.get(0), KpisIT.PLUGINS.get(1), CRM_CSV)) {
            if (Api.operator().get("/api/v1/admin/plugins/" + name).status() == 200) {
                Api.operator().delete("/api/v1/admin/plugins/" + name).expect(204);
            }
        }
    }

    static LocatorAssertions.IsVisibleOptions slow() {
        return new LocatorAssertions.IsVisibleOptions().setTimeout(COMPUTE.toMillis());
    }

    @Test
    void theDashboardShowsTheCdnowRetentionCohortsAndPredictedLifetimeValues() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, shop.slug() + "-viewer", shop.password());
            page.navigate(ConsoleIT.CONSOLE + "#/kpis?from=1998-01-01&to=1998-06-30&granularity=month");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("By month, 1998-01-01 to 1998-06-30"))).isVisible();
            Locator from = page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("From").setExact(true));
            Locator to = page.getByRole(AriaRole.TEXTBOX, new Page.GetByRoleOptions().setName("To").setExact(true));
            assertThat(page.locator(".data-range")).containsText("from " + FIRST_ORDER + " to " + LAST_ORDER);
            // dates the wrong way round are named at their field, before any request
            from.fill("1998-12-31");
            to.fill("1997-01-01");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show")).click();
            assertThat(to).hasAttribute("aria-invalid", "true");
            assertThat(page.locator(".kpi-range .field-error").filter(new Locator.FilterOptions().setHasText("is on or after From"))).isVisible();
            from.fill("1997-01-01");
            to.fill("1998-12-31");
            page.getByRole(AriaRole.COMBOBOX, new Page.GetByRoleOptions().setName("Granularity").setExact(true)).selectOption("month");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show")).click();
            assertThat(page).hasURL(Pattern.compile("#/kpis\\?.*from=1997-01-01"));
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("By month, 1997-01-01 to 1998-12-31"))).isVisible();

            // the retention rate: a point per month with a value, and its values in a table
            Locator retention = page.locator(".kpi-card[data-kpi=retention_rate]");
            assertThat(retention.locator("h3")).hasText("Retention rate");
            assertThat(retention.locator(".kpi-meta")).containsText("Higher is better");
            assertThat(retention.locator("svg.kpi-chart")).isVisible(slow());
            assertThat(retention.locator("svg.kpi-chart")).hasAttribute("aria-label", Pattern.compile("24 periods from .*1997"));
            assertThat(retention.locator("circle.kc-point")).not().hasCount(0);
            Locator months = retention.locator("table.kpi-table tbody tr");
            assertThat(months).hasCount(24);
            // December 1997: every CDNOW customer was active in the year before it, and none is new
            assertThat(retention.locator("tr[data-start='1997-12-01'] td.num")).hasText(Pattern.compile("\\d+(\\.\\d)? %"));
            // after the last order: customers leave, none arrive
            assertThat(retention.locator("tr[data-start='1998-12-01'] td.num")).hasText(Pattern.compile("\\d+(\\.\\d)? %"));

            // the cohort heatmap: January 1997 first, everyone in month 0, and a share in month 1 printed in its cell
            Locator cohorts = page.locator("table.cohort-table");
            assertThat(cohorts).isVisible(slow());
            Locator january = cohorts.locator("tr[data-month='1997-01']");
            assertThat(january.locator("[data-count=customers]")).not().hasText("0");
            assertThat(january.locator("td[data-offset='0']")).hasText("100 %");
            assertThat(january.locator("td[data-offset='1']")).hasText(Pattern.compile("\\d+(\\.\\d)? %"));
            assertThat(january.locator("td[data-offset='1']")).hasClass(Pattern.compile("heat-[1-8]"));
            assertThat(cohorts.locator("tbody tr")).hasCount(24);
            // CDNOW's customers all started in 1997's first quarter
            assertThat(cohorts.locator("tr[data-month='1997-04'] [data-count=customers]")).hasText("0");
            assertThat(page.locator(".heat-legend li")).hasCount(9);

            // the customers of highest predicted lifetime value, each linking to their page
            Locator top = page.locator("table.top-customers");
            assertThat(top).isVisible(slow());
            assertThat(top.locator("tbody tr")).hasCount(20);
            Locator best = top.locator("tbody tr").first();
            assertThat(best.locator("[data-score=predicted_clv]")).hasText(Pattern.compile("[\\d,]+\\.\\d\\d"));
            assertThat(best.locator("[data-score=p_alive]")).hasText(Pattern.compile("\\d+(\\.\\d)? %"));
            assertThat(best.getByRole(AriaRole.LINK)).hasText(Pattern.compile("cdnow:\\d+"));
            shot(page, "60-kpi-dashboard");

            String id = best.getAttribute("data-customer");
            best.getByRole(AriaRole.LINK).click();
            assertThat(page).hasURL(ConsoleIT.CONSOLE + "#/customers/" + id);

            // from the menu, with no recent order, the dates default to the last 12 months of orders
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("KPIs").setExact(true)).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("By month, 1997-07-01 to " + LAST_ORDER))).isVisible();
            assertThat(to).hasValue(LAST_ORDER);
            assertThat(from).hasValue("1997-07-01");
        }
    }
}
