package io.rapport.it;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.rapport.it.ConsoleIT.CONSOLE;
import static io.rapport.it.ConsoleIT.SHOTS;
import static io.rapport.it.ConsoleIT.shot;
import static io.rapport.it.ConsoleIT.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The console's Imports page in a real browser: the HubSpot export of the CSV connector's tests is previewed (preset
 * detected, first rows, column mapping), dry-run, imported with its progress, and its error report downloaded; the
 * counts the page shows are the job's. Screenshots 30-… land in target/console-screenshots.
 */
@Order(6)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImportConsoleIT {

    static final String CSV_PLUGIN = "/api/v1/admin/plugins/io.rapport.connector.crm.csv";
    /** A HubSpot contacts export written by the CSV connector's ExportFileGenerator (see connectors/crm-csv/README.md). */
    static final Path EXPORT = Path.of("../connectors/crm-csv/src/test/resources/exports/hubspot-contacts.csv");
    /** The file's documented counts: data rows, and rows its reader refuses (30 bad e-mails, 14 without identifier, 9 bad dates). */
    static final int ROWS = 3000;
    static final int READER_REJECTS = 53;
    static final double JOB_TIMEOUT_MS = 180_000;

    static Playwright playwright;
    static Browser browser;
    static String adminPassword;
    /** Whether this class installed the CSV connector (and so removes it again). */
    static boolean installed;

    @BeforeAll
    static void setUp() throws IOException {
        ConsoleIT.assumeChromium();
        assertThat(EXPORT).isReadable();
        Api.awaitReady();
        Files.createDirectories(SHOTS);
        adminPassword = Files.readString(Api.WLP.resolve("usr/servers/" + Api.SERVER + "/data/initial-admin-password")).trim();
        if (Api.operator().get(CSV_PLUGIN).status() != 200) {
            Api.operator().upload("POST", "/api/v1/admin/plugins?start=true", Files.readAllBytes(Api.PLUGINS.resolve("crm-csv.jar")),
                    "application/java-archive").expect(201);
            installed = true;
        }
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
        if (installed && Api.operator().get(CSV_PLUGIN).status() == 200) {
            Api.operator().delete(CSV_PLUGIN).expect(204);
        }
    }

    static Page openImports(BrowserContext context) {
        Page page = signIn(context, "admin", adminPassword);
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Imports").setExact(true)).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Imports").setExact(true))).isVisible();
        return page;
    }

    /** Chooses the HubSpot export and previews it. */
    static void preview(Page page) {
        page.getByLabel("File to import").setInputFiles(EXPORT);
        assertThat(page.getByLabel("What the file holds")).hasValue("contacts");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Preview")).click();
        assertThat(page.locator(".detected")).hasAttribute("data-preset", "hubspot");
        assertThat(page.locator(".detected")).containsText("exported from HubSpot");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("2. Check how the file is read"))).isFocused();
    }

    /** Waits for the job shown in the page to end, and @return it as the API reports it. */
    static JsonObject ended(Page page, boolean dryRun) {
        Locator result = page.locator(".job.ended[data-dry-run='" + dryRun + "']");
        assertThat(result).hasAttribute("data-state", "done", new LocatorAssertions.HasAttributeOptions().setTimeout(JOB_TIMEOUT_MS));
        assertThat(result.locator(".result")).isFocused(); // the keyboard continues from the result
        String id = result.getAttribute("data-job");
        JsonObject job = Api.operator().get("/api/v1/imports/" + id).expect(200).json();
        assertThat(job.getString("state")).isEqualTo("done");
        assertThat(job.getBoolean("dryRun")).isEqualTo(dryRun);
        assertThat(job.getString("source")).isEqualTo(EXPORT.getFileName().toString());
        JsonObject counts = job.getJsonObject("counts");
        for (String key : List.of("read", "created", "updated", "rejected")) {
            assertThat(count(result, key)).as("the page's %s count", key).isEqualTo(counts.getInt(key));
        }
        assertThat(counts.getInt("read")).isEqualTo(ROWS);
        assertThat(counts.getInt("rejected")).as("the reader's rejects, and a few more the kernel may refuse").isGreaterThanOrEqualTo(READER_REJECTS);
        assertThat(counts.getInt("created") + counts.getInt("updated") + counts.getInt("rejected")).isEqualTo(counts.getInt("read"));
        return job;
    }

    /** What the screen shows, not the whole page (a phone's page is long). */
    static void screen(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")));
    }

    static int count(Locator scope, String key) {
        return Integer.parseInt(scope.locator("dd[data-count='" + key + "']").textContent().replaceAll("[^0-9]", ""));
    }

    @Test
    @Order(1)
    void anAdminPreviewsDryRunsAndImportsAHubSpotExportThenDownloadsItsErrorReport() throws IOException {
        String saved = "HubSpot console " + UUID.randomUUID().toString().substring(0, 8);
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900).setAcceptDownloads(true))) {
            Page page = openImports(context);
            // the HubSpot card shows only where a HubSpot connector answers for its settings
            int hubspot = Api.operator().get("/api/v1/connectors/hubspot/settings").status();
            assertThat(page.locator("section.import-history")).isVisible();
            assertThat(page.locator("section.hubspot")).hasCount(hubspot == 200 ? 1 : 0);
            shot(page, "30-import-start");

            preview(page);
            // the first rows as the file has them, and each column's target
            Locator firstRow = page.locator("table.file-rows tbody tr").first();
            assertThat(firstRow.locator("td").nth(3)).hasText("renee.nunez1@example.de");
            assertThat(firstRow.locator("td").nth(1)).hasText("Renée");
            assertThat(page.locator("table.mapping tr[data-column='Email'] select.target-kind")).hasValue("email");
            assertThat(page.locator("table.mapping tr[data-column='Record ID'] select.target-kind")).hasValue("externalId");
            assertThat(page.locator("table.mapping tr[data-column='Job Title'] select.target-kind")).hasValue("attribute");
            assertThat(page.locator("table.mapping tr[data-column='Job Title']").getByLabel("Field name")).hasValue("job_title");
            assertThat(page.locator("table.records tbody tr").first()).containsText("renee.nunez1@example.de");
            assertThat(page.getByLabel("Exported from")).hasValue("hubspot");
            assertThat(page.getByLabel("Columns separated by")).hasValue("comma");
            shot(page, "31-import-preview");
            screen(page, "31b-import-preview-top");
            page.locator("table.records").scrollIntoViewIfNeeded();
            screen(page, "31c-import-preview-records");

            // a changed column re-runs the preview and the keyboard stays where it was
            Locator title = page.locator("table.mapping tr[data-column='Job Title'] select.target-kind");
            title.selectOption("ignore");
            assertThat(page.locator("table.mapping tr[data-column='Job Title'] select.target-kind")).hasValue("ignore");
            assertThat(page.locator("table.mapping tr[data-column='Job Title'] select.target-kind")).isFocused();
            assertThat(page.locator("table.mapping tr[data-column='Job Title']").getByLabel("Field name")).hasCount(0);
            page.locator("table.mapping tr[data-column='Job Title'] select.target-kind").selectOption("attribute");
            assertThat(page.locator("table.mapping tr[data-column='Job Title']").getByLabel("Field name")).hasValue("job_title");

            // the settings are saved for next time
            page.getByLabel("Save these settings as").fill(saved);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save settings")).click();
            assertThat(page.locator(".save-box .result")).hasText("Saved as “" + saved + "”.");
            JsonObject mapping = Api.operator().get("/api/v1/imports/mappings").expect(200).json().getJsonArray("items").getValuesAs(JsonObject.class)
                    .stream().filter(m -> m.getString("name").equals(saved)).findFirst().orElseThrow();
            assertThat(mapping.getJsonObject("options").getString("preset")).isEqualTo("hubspot");
            assertThat(page.getByLabel("Start from saved settings (optional)").locator("option", new Locator.LocatorOptions().setHasText(saved))).hasCount(1);

            // a dry run: what would happen, nothing written
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Try it (dry run)")).click();
            JsonObject dry = ended(page, true);
            assertThat(page.locator(".job.ended .result")).containsText("nothing was saved");
            shot(page, "32-import-dry-run");

            // the import itself: its progress, then the final counts
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Start the import")).click();
            assertThat(page.locator(".job[data-dry-run='false']")).isVisible();
            shot(page, "33-import-running");
            JsonObject done = ended(page, false);
            assertThat(done.getJsonObject("counts").getInt("rejected")).isEqualTo(dry.getJsonObject("counts").getInt("rejected"));
            Locator result = page.locator(".job.ended[data-dry-run='false']");
            assertThat(result.locator(".result")).containsText("Import finished");
            assertThat(result.locator("progress")).hasAttribute("value", "1");
            shot(page, "34-import-done");
            page.locator("section.import-run").screenshot(new Locator.ScreenshotOptions().setPath(SHOTS.resolve("34b-import-done-result.png")));

            // the error report downloads as CSV with its header line
            Download download = page.waitForDownload(() -> result.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Download the error report")).click());
            List<String> report = Files.readAllLines(download.path(), StandardCharsets.UTF_8);
            assertThat(report.get(0)).isEqualTo("line,field,reason");
            assertThat(report.size()).isGreaterThan(done.getJsonObject("counts").getInt("rejected"));
            // what was refused, by reason without its values: for whoever reads the test's output
            Map<String, Long> reasons = report.stream().skip(1).map(l -> l.replaceFirst("^\\d+,", "").replaceAll("'[^']*'", "'…'"))
                    .collect(java.util.stream.Collectors.groupingBy(r -> r.length() > 120 ? r.substring(0, 120) : r, java.util.TreeMap::new,
                            java.util.stream.Collectors.counting()));
            System.out.println("ImportConsoleIT: " + done.getJsonObject("counts") + " refused by reason: " + reasons);

            // a dry run can be cancelled, after a confirmation
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Try it (dry run)")).click();
            page.onceDialog(com.microsoft.playwright.Dialog::accept);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Cancel the dry run")).click();
            Locator cancelled = page.locator(".job.ended[data-dry-run='true']");
            assertThat(cancelled).hasAttribute("data-state", "cancelled", new LocatorAssertions.HasAttributeOptions().setTimeout(JOB_TIMEOUT_MS));
            assertThat(cancelled.locator(".result")).containsText("Dry run cancelled");
            assertThat(cancelled.locator(".result")).isFocused();
            assertThat(Api.operator().get("/api/v1/imports/" + cancelled.getAttribute("data-job")).expect(200).json().getString("state"))
                    .isEqualTo("cancelled");

            // the jobs are in the history, newest first, with their counts and reports
            Locator row = page.locator("table.imports tr[data-job='" + done.getString("id") + "']");
            assertThat(row.locator(".state")).hasAttribute("data-state", "done");
            assertThat(row.locator("td.num").nth(3)).hasText(String.format(java.util.Locale.US, "%,d", done.getJsonObject("counts").getInt("rejected")));
            assertThat(row.getByRole(AriaRole.LINK)).hasAttribute("href", "/api/v1/imports/" + done.getString("id") + "/errors");
            assertThat(page.locator("table.imports tr[data-job='" + dry.getString("id") + "'] .tag")).hasText("dry run");
            shot(page, "35-import-history");
            page.locator("section.import-history").screenshot(new Locator.ScreenshotOptions().setPath(SHOTS.resolve("35b-import-history-table.png")));
        } finally {
            Api.operator().delete(mappingPath(saved));
        }
    }

    static String mappingPath(String name) {
        return "/api/v1/imports/mappings/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static boolean savedInApi(String name) {
        return Api.operator().get("/api/v1/imports/mappings").expect(200).json().getJsonArray("items").getValuesAs(JsonObject.class).stream()
                .anyMatch(m -> m.getString("name").equals(name));
    }

    @Test
    @Order(2)
    void anAdminDeletesSavedSettingsAfterAConfirmation() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String saved = "To delete " + suffix;
        String gone = "Deleted elsewhere " + suffix;
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = openImports(context);
            preview(page);
            page.getByLabel("Save these settings as").fill(saved);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save settings")).click();
            assertThat(page.locator(".save-box .result")).hasText("Saved as “" + saved + "”.");
            assertThat(savedInApi(saved)).isTrue();

            // the button shows for the settings chosen, named after them
            Locator choice = page.getByLabel("Start from saved settings (optional)");
            Locator delete = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete saved settings " + saved).setExact(true));
            assertThat(choice).hasValue("");
            assertThat(page.locator(".saved-choice button.danger")).isHidden();
            choice.selectOption(saved);
            assertThat(delete).isVisible();
            shot(page, "38-import-saved-settings");

            // dismissed: nothing happens
            page.onceDialog(d -> {
                assertThat(d.message()).contains(saved);
                d.dismiss();
            });
            delete.click();
            assertThat(delete).isEnabled();
            assertThat(choice).hasValue(saved);
            assertThat(savedInApi(saved)).isTrue();

            // confirmed: deleted, the list read again, the keyboard on what happened
            page.onceDialog(com.microsoft.playwright.Dialog::accept);
            delete.click();
            Locator result = page.locator(".saved-box .result");
            assertThat(result).hasText("Saved settings “" + saved + "” deleted.");
            assertThat(result).isFocused();
            assertThat(page.locator(".saved-box option", new Page.LocatorOptions().setHasText(saved))).hasCount(0);
            assertThat(delete).hasCount(0);
            assertThat(savedInApi(saved)).isFalse();
            Api.operator().delete(mappingPath(saved)).expectProblem(404, null);
            assertThat(Api.operator().get("/api/v1/admin/audit").expect(200).json().getJsonArray("items").getValuesAs(JsonObject.class))
                    .anySatisfy(e -> {
                        assertThat(e.getString("action")).isEqualTo("import.mapping.deleted");
                        assertThat(e.getString("target")).isEqualTo(saved);
                    });

            // settings someone else deleted meanwhile: gone from the list too, no error
            Api.operator().put(mappingPath(gone), "{\"kind\": \"contacts\", \"format\": \"csv\", \"options\": {\"preset\": \"hubspot\"}}").expect(201);
            page.reload();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Imports").setExact(true))).isVisible();
            page.getByLabel("Start from saved settings (optional)").selectOption(gone);
            Api.operator().delete(mappingPath(gone)).expect(204);
            page.onceDialog(com.microsoft.playwright.Dialog::accept);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete saved settings " + gone).setExact(true)).click();
            assertThat(page.locator(".saved-box .result")).hasText("Saved settings “" + gone + "” deleted.");
            assertThat(page.locator(".saved-box option", new Page.LocatorOptions().setHasText(gone))).hasCount(0);
            assertThat(page.locator(".saved-box .field-error[role='alert']")).hasCount(0);
        } finally {
            Api.operator().delete(mappingPath(saved));
            Api.operator().delete(mappingPath(gone));
        }
    }

    @Test
    @Order(3)
    void onAPhoneTheWizardFitsAndWorksWithTheKeyboard() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(375, 812).setIsMobile(true).setHasTouch(true))) {
            Page page = signIn(context, "admin", adminPassword);
            page.navigate(CONSOLE + "#/imports");
            page.getByLabel("File to import").setInputFiles(EXPORT);
            page.getByLabel("What the file holds").focus();
            page.keyboard().press("Tab"); // on to the saved settings (if any) or the Preview button
            if (page.getByLabel("Start from saved settings (optional)").count() > 0) {
                page.keyboard().press("Tab");
            }
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Preview"))).isFocused();
            page.keyboard().press("Enter");
            assertThat(page.locator(".detected")).hasAttribute("data-preset", "hubspot");
            // the page does not scroll sideways: only the wide tables do, inside their frame
            Object overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            assertThat(((Number) overflow).intValue()).isLessThanOrEqualTo(0);
            assertThat(page.locator("table.mapping tr[data-column='Email'] select.target-kind")).isVisible();
            shot(page, "36-import-phone");
            screen(page, "36b-import-phone-preview");
            page.locator("table.mapping").scrollIntoViewIfNeeded();
            screen(page, "36c-import-phone-mapping");
        }
    }

    @Test
    @Order(4)
    void aMarketerSeesTheRecentImportsButNoWizard() {
        String marketer = "import-marketer-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "marketer-password-" + UUID.randomUUID();
        Api.operator().post("/api/v1/admin/users", "{\"username\": \"" + marketer + "\", \"password\": \"" + password + "\", \"role\": \"marketer\"}")
                .expect(201);
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, marketer, password);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Imports").setExact(true)).click();
            assertThat(page.locator(".notice")).containsText("Only admins can import files");
            assertThat(page.getByLabel("File to import")).hasCount(0);
            assertThat(page.locator("section.hubspot")).hasCount(0);
            assertThat(page.locator("table.imports tbody tr").first()).isVisible();
            shot(page, "37-import-marketer");
        } finally {
            Api.operator().delete("/api/v1/admin/users/" + marketer).expect(200);
        }
    }
}
