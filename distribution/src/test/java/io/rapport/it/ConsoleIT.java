package io.rapport.it;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.Cookie;
import com.sun.net.httpserver.HttpServer;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The admin console in a real browser (Debian's Chromium, headless, driven by Playwright) against the running
 * server. Screenshots of every page land in target/console-screenshots.
 */
@Order(6)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

    static final Path CHROMIUM = Path.of(System.getProperty("rapport.it.chromium", "/usr/bin/chromium"));
    static final Path SHOTS = Path.of(System.getProperty("rapport.it.screenshots", "target/console-screenshots"));
    static final String CONSOLE = Api.URL + "/console/";
    static final String PLUGINS = "/api/v1/admin/plugins";
    static final String CONFIG = "/api/v1/admin/configurations/" + Plugins.WEBHOOK_PID;
    static final String XSS = "<img src=x onerror=alert(1)>";

    static Playwright playwright;
    static Browser browser;
    static Plugins.Receiver receiver;
    static String adminPassword;
    static String customerId;
    static String customerEmail;

    @BeforeAll
    static void setUp() throws IOException {
        assumeChromium();
        Api.awaitReady();
        Files.createDirectories(SHOTS);
        adminPassword = Files.readString(Api.WLP.resolve("usr/servers/" + Api.SERVER + "/data/initial-admin-password")).trim();
        for (String name : List.of(Plugins.WEBHOOK)) {
            if (Api.operator().get(PLUGINS + "/" + name).status() == 200) {
                Api.operator().delete(PLUGINS + "/" + name).expect(204);
            }
        }
        Plugins.removeConfigurations(Plugins.WEBHOOK_PID);
        receiver = new Plugins.Receiver();
        customerEmail = "console-" + UUID.randomUUID() + "@example.com";
        customerId = Api.operator().post("/api/v1/customers", "{\"email\": \"" + customerEmail + "\", \"firstName\": \"Ada\", "
                + "\"lastName\": \"Lovelace\", \"tags\": [\"vip\"], \"attributes\": {\"plan\": \"gold\"}}").expect(201).json().getString("id");
        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = chromium(playwright);
    }

    /** Skips the class when Debian's Chromium is not installed, unless the browser tests are required (CI sets RAPPORT_BROWSER_REQUIRED=1). */
    static void assumeChromium() {
        boolean required = "1".equals(System.getenv("RAPPORT_BROWSER_REQUIRED")) || Boolean.getBoolean("rapport.browser.required");
        if (!required) {
            assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM + ": 'apt-get install chromium' to run the console's browser tests");
        }
    }

    /** Debian's Chromium, headless, as the console's browser tests drive it. */
    static Browser chromium(Playwright playwright) {
        return playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run")));
    }

    @AfterAll
    static void tearDown() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        Plugins.removeConfigurations(Plugins.WEBHOOK_PID);
        if (Api.operator().get(PLUGINS + "/" + Plugins.WEBHOOK).status() == 200) {
            Api.operator().delete(PLUGINS + "/" + Plugins.WEBHOOK).expect(204);
        }
    }

    static Page signIn(BrowserContext context, String username, String password) {
        Page page = context.newPage();
        page.navigate(CONSOLE);
        page.getByLabel("Username").fill(username);
        page.getByLabel("Password").fill(password);
        page.getByLabel("Password").press("Enter"); // the keyboard alone signs in
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Overview"))).isVisible();
        return page;
    }

    static void shot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")).setFullPage(true));
    }

    static Locator plugin(Page page) {
        return page.locator(".plugin[data-plugin='" + Plugins.WEBHOOK + "']");
    }

    @Test
    @Order(1)
    void signInRefusesAWrongPasswordNextToTheField() {
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(CONSOLE);
            shot(page, "01-sign-in");
            page.getByLabel("Username").fill("admin");
            page.getByLabel("Password").fill("not the password");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
            assertThat(page.locator(".field-error").filter(new Locator.FilterOptions().setHasText("does not match"))).isVisible();
            assertThat(page.getByLabel("Password")).hasAttribute("aria-invalid", "true");
            List<Cookie> cookies = context.cookies();
            assertThat(cookies).noneMatch(c -> c.name.equals("rapport_session"));
        }
    }

    @Test
    @Order(2)
    void adminUploadsConfiguresAndEnablesThePluginThenSendsAMessageSeenOnTheTimeline() throws IOException {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, "admin", adminPassword);
            shot(page, "02-overview");
            Cookie session = context.cookies().stream().filter(c -> c.name.equals("rapport_session")).findFirst().orElseThrow();
            assertThat(session.httpOnly).isTrue();
            assertThat(session.sameSite).hasToString("STRICT");

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Plugins").setExact(true)).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Plugins").setExact(true))).isVisible();
            page.getByLabel("Plugin jar").setInputFiles(Api.PLUGINS.resolve("channel-webhook.jar"));
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Upload")).click();
            assertThat(plugin(page).locator(".state")).hasText("active");

            // the form comes from the plugin's metatype: fill it, leaving the URL out first to see the error at its field
            Locator form = plugin(page).locator("form.config-form");
            form.getByLabel("Signing secret").fill(Plugins.SECRET);
            assertThat(form.getByLabel("Timeout (seconds)")).hasValue("5");
            form.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Save configuration")).click();
            assertThat(form.locator(".field-error").first()).hasText("is required");
            assertThat(form.getByLabel("Target URL")).hasAttribute("aria-invalid", "true");
            form.getByLabel("Target URL").fill(receiver.url());
            form.getByLabel("Timeout (seconds)").fill("99");
            form.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Save configuration")).click();
            // the server's validation (problem+json) lands next to the field it names
            assertThat(form.getByLabel("Timeout (seconds)")).hasAttribute("aria-invalid", "true");
            form.getByLabel("Timeout (seconds)").fill("2");
            form.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Save configuration")).click();
            assertThat(plugin(page).locator("summary")).hasText("Configuration " + Plugins.WEBHOOK_PID);
            // the password is never shown again
            plugin(page).locator("summary").click();
            assertThat(plugin(page).getByLabel("Signing secret")).hasValue("");
            assertThat(plugin(page).getByLabel("Signing secret")).hasAttribute("placeholder", "Set — leave empty to keep it");

            // disable and enable it again
            plugin(page).getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Disable")).click();
            assertThat(plugin(page).locator(".state")).hasText("stopped");
            plugin(page).getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Enable")).click();
            assertThat(plugin(page).locator(".state")).hasText("active");
            // a new version, uploaded over the old one, keeps its configuration
            Path v2 = Files.createTempFile("webhook-v2", ".jar");
            Files.write(v2, Plugins.rewrite(Plugins.webhookJar(), Map.of("Bundle-Version", "2.0.0")));
            plugin(page).getByLabel("New version of " + Plugins.WEBHOOK).setInputFiles(v2);
            assertThat(plugin(page).locator(".muted").first()).containsText(Plugins.WEBHOOK + " 2.0.0");
            assertThat(plugin(page).locator(".state")).hasText("active");
            shot(page, "03-plugins");

            // send a test message from the customer's page
            page.navigate(CONSOLE + "#/customers/" + customerId);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Ada Lovelace"))).isVisible();
            Locator send = page.locator("form[aria-labelledby='send-h']");
            assertThat(send.getByLabel("Channel").locator("option[value='webhook']")).hasCount(1);
            send.getByLabel("Channel").selectOption("webhook");
            send.getByLabel("Purpose").selectOption("transactional");
            send.getByLabel("Message").fill("Hello {{customer.firstName}}");
            send.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Send")).click();
            assertThat(send.locator(".result")).hasText("Message sent.");
            assertThat(page.locator(".event[data-type='message.sent']")).hasCount(1);
            assertThat(receiver.hits).hasSize(1);
            assertThat(receiver.hits.get(0).signatureValid()).isTrue();
            assertThat(receiver.hits.get(0).body()).contains("Hello Ada");

            // merge another profile of the same person, found by its email
            String twin = "twin-" + UUID.randomUUID() + "@example.com";
            Api.operator().post("/api/v1/customers", "{\"email\": \"" + twin + "\", \"attributes\": {\"shoeSize\": 38}}").expect(201);
            page.onDialog(d -> d.accept()); // "Merge … ? This cannot be undone."
            Locator merge = page.locator("form[aria-labelledby='merge-h']");
            merge.getByLabel("The other customer").fill("nobody-" + twin);
            merge.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Merge")).click();
            assertThat(merge.locator(".field-error").first()).hasText("matches no customer");
            merge.getByLabel("The other customer").fill(twin);
            merge.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Merge")).click();
            assertThat(page.locator(".event[data-type='customer.merged']")).hasCount(1);
            assertThat(page.locator("section[aria-labelledby='ids-h']")).containsText(twin);
            assertThat(page.locator("section[aria-labelledby='attrs-h']")).containsText("shoeSize");

            // the timeline filters by type
            page.getByLabel("Event types").fill("message.sent, customer.merged");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
            assertThat(page.locator(".event")).hasCount(2);
            assertThat(page.locator(".event[data-type='customer.created']")).hasCount(0);
            shot(page, "04-customer");

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Customers").setExact(true)).first().click();
            page.getByLabel("Search customers").fill("lovel");
            page.getByLabel("Search customers").press("Enter");
            assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Ada Lovelace")).first()).isVisible();
            shot(page, "05-customers");

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Audit log")).click();
            assertThat(page.locator("td code").filter(new Locator.FilterOptions().setHasText("plugin.installed")).first()).isVisible();
            shot(page, "06-audit");
        }
    }

    @Test
    @Order(3)
    void usersAndKeysThenAViewerSeesNoAdminActionAndTheApiRefusesThem() {
        String viewer = "console-viewer-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "viewer-password-" + UUID.randomUUID();
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, "admin", adminPassword);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Users & API keys")).click();
            Locator userForm = page.locator("form[aria-labelledby='new-user-h']");
            userForm.getByLabel("Username").fill(viewer);
            userForm.getByLabel("Password").fill("short");
            userForm.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Add user")).click();
            assertThat(userForm.locator(".field-error").filter(new Locator.FilterOptions().setHasText("at least 12 characters"))).isVisible();
            userForm.getByLabel("Password").fill(password);
            userForm.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Add user")).click();
            assertThat(page.getByRole(AriaRole.CELL, new Page.GetByRoleOptions().setName(viewer).setExact(true))).isVisible();

            Locator keyForm = page.locator("form[aria-labelledby='new-key-h']");
            String keyName = "console shop " + UUID.randomUUID().toString().substring(0, 8);
            keyForm.getByLabel("Name").fill(keyName);
            keyForm.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Create key")).click();
            Locator secret = page.locator(".secret code");
            assertThat(secret).containsText("rpk_");
            String key = secret.textContent();
            Api.key(key).post("/api/v1/events", "{\"type\": \"page.viewed\", \"customer\": {\"email\": \"k-" + UUID.randomUUID() + "@example.com\"}}").expect(202);
            shot(page, "07-users");
            page.reload();
            assertThat(page.locator(".secret code")).hasCount(0); // shown once
            page.onDialog(d -> d.accept()); // "Revoke the key …?"
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke key " + keyName)).click();
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke key " + keyName))).hasCount(0);
            Api.key(key).post("/api/v1/events", "{\"type\": \"page.viewed\", \"customer\": {\"email\": \"k@example.com\"}}").expectProblem(401, null);
        }
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, viewer, password);
            Locator nav = page.getByRole(AriaRole.NAVIGATION, new Page.GetByRoleOptions().setName("Main"));
            assertThat(nav.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Customers"))).isVisible();
            for (String hidden : List.of("Plugins", "Audit log", "Users & API keys")) {
                assertThat(nav.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName(hidden))).hasCount(0);
            }
            page.navigate(CONSOLE + "#/plugins");
            assertThat(page.locator(".notice")).containsText("cannot open this page");
            page.navigate(CONSOLE + "#/customers/" + customerId);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Ada Lovelace"))).isVisible();
            assertThat(page.locator("form[aria-labelledby='send-h']")).hasCount(0);
            assertThat(page.locator("form[aria-labelledby='merge-h']")).hasCount(0);
            shot(page, "08-viewer-customer");
            // the server's own figures and plugins are the operator's: a tenant's user sees the tenant's
            page.navigate(CONSOLE + "#/overview");
            assertThat(page.locator(".card h2").first()).hasText("Health");
            assertThat(page.locator("section[aria-labelledby='failed-h']")).hasCount(0);
            assertThat(page.getByText("Active plugins")).hasCount(0);
            // the API refuses what the console hides, even with the session's CSRF token
            Object statuses = page.evaluate("async () => { const s = await (await fetch('/api/v1/session')).json();"
                    + " const h = {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken};"
                    + " return [(await fetch('/api/v1/admin/plugins')).status,"
                    + " (await fetch('/api/v1/admin/api-keys', {method: 'POST', headers: h, body: '{\"name\": \"v\"}'})).status,"
                    + " (await fetch('/api/v1/customers/" + customerId + "', {method: 'PATCH', headers: {...h, 'Content-Type': 'application/merge-patch+json'}, body: '{\"firstName\": \"V\"}'})).status]; }");
            assertThat(statuses).isEqualTo(List.of(403, 403, 403));
        }
        // a disabled user is signed out at once, and can be enabled again from the console
        Api.operator().delete("/api/v1/admin/users/" + viewer).expect(200);
        Api.user(viewer, password).get("/api/v1/me").expect(401);
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, "admin", adminPassword);
            page.navigate(CONSOLE + "#/users");
            page.onDialog(d -> d.accept());
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Enable " + viewer)).click();
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Disable " + viewer))).isVisible();
        }
        Api.user(viewer, password).get("/api/v1/me").expect(200);
        // an admin who is not the operator cannot disable the operator's account
        String other = "console-admin-" + UUID.randomUUID().toString().substring(0, 8);
        Api.operator().post("/api/v1/admin/users", "{\"username\": \"" + other + "\", \"password\": \"" + password + "\", \"role\": \"admin\"}").expect(201);
        Api.user(other, password).delete("/api/v1/admin/users/admin").expectProblem(400, "/username");
        Api.operator().delete("/api/v1/admin/users/" + other).expect(200);
    }

    @Test
    @Order(4)
    void aNameThatIsMarkupIsShownAsText() {
        String id = Api.operator().post("/api/v1/customers", "{\"email\": \"xss-" + UUID.randomUUID() + "@example.com\", \"firstName\": \"" + XSS
                + "\", \"lastName\": \"<b>bold</b>\", \"attributes\": {\"note\": \"<script>alert(2)</script>\"}}").expect(201).json().getString("id");
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, "admin", adminPassword);
            List<String> dialogs = new CopyOnWriteArrayList<>();
            page.onDialog(d -> {
                dialogs.add(d.message());
                d.dismiss();
            });
            List<String> violations = new CopyOnWriteArrayList<>();
            page.onConsoleMessage(m -> {
                if (m.text().contains("Content Security Policy")) {
                    violations.add(m.text());
                }
            });
            page.navigate(CONSOLE + "#/customers/" + id);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(XSS + " <b>bold</b>"))).isVisible();
            assertThat(page.locator("main img")).hasCount(0);
            assertThat(page.locator("main script")).hasCount(0);
            assertThat(page.locator("main b")).hasCount(0);
            page.navigate(CONSOLE + "#/customers?by=name&q=" + java.net.URLEncoder.encode("<img src", StandardCharsets.UTF_8));
            assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(XSS + " <b>bold</b>")).first()).isVisible();
            shot(page, "09-xss-as-text");
            assertThat(dialogs).isEmpty();
            assertThat(violations).isEmpty();
        }
    }

    @Test
    @Order(5)
    void aChangeFromAnotherOriginIsRefused() throws IOException {
        // a page of another site (127.0.0.1 is not localhost) that posts to the console's API when opened
        HttpServer evil = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String target = Api.URL + "/api/v1/admin/api-keys";
        String html = "<!doctype html><html><body><form id=f method=POST action='" + target + "' enctype='text/plain'>"
                + "<input name='{\"name\": \"evil-form\", \"x\": \"' value='\"}'></form>"
                + "<script>fetch('" + target + "', {method: 'POST', mode: 'no-cors', credentials: 'include', headers: {'Content-Type': 'text/plain'},"
                + " body: '{\"name\": \"evil-fetch\"}'}).finally(() => document.getElementById('f').submit());</script></body></html>";
        evil.createContext("/", ex -> {
            byte[] body = html.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        evil.start();
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, "admin", adminPassword);
            page.waitForNavigation(() -> page.navigate("http://127.0.0.1:" + evil.getAddress().getPort() + "/"));
            page.waitForLoadState();
            String sessionCookie = context.cookies().stream().filter(c -> c.name.equals("rapport_session")).findFirst().orElseThrow().value;
            // the same attempt with the stolen cookie sent outright, past SameSite: refused by the Origin check and the CSRF token
            Api.Answer fromElsewhere = Api.anonymous().send(HttpRequest.newBuilder(URI.create(target)).header("Content-Type", "application/json")
                    .header("Cookie", "rapport_session=" + sessionCookie).header("Origin", "http://127.0.0.1:" + evil.getAddress().getPort())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"evil-origin\"}")));
            assertThat(fromElsewhere.status()).isEqualTo(403);
            assertThat(fromElsewhere.raw()).contains("cross-origin");
            Api.Answer noToken = Api.anonymous().send(HttpRequest.newBuilder(URI.create(target)).header("Content-Type", "application/json")
                    .header("Cookie", "rapport_session=" + sessionCookie).POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"evil-token\"}")));
            assertThat(noToken.status()).isEqualTo(403);
            assertThat(noToken.raw()).contains("csrf");
            // a page of a sibling site (same-site is not same-origin) is refused too
            Api.Answer sibling = Api.anonymous().send(HttpRequest.newBuilder(URI.create(target)).header("Content-Type", "application/json")
                    .header("Cookie", "rapport_session=" + sessionCookie).header("Sec-Fetch-Site", "same-site")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"evil-sibling\"}")));
            assertThat(sibling.status()).isEqualTo(403);
            // and so is signing a victim's browser into the attacker's account (login CSRF)
            Api.Answer login = Api.anonymous().send(HttpRequest.newBuilder(URI.create(Api.URL + "/api/v1/session")).header("Content-Type", "application/json")
                    .header("Origin", "http://127.0.0.1:" + evil.getAddress().getPort())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\": \"admin\", \"password\": \"" + adminPassword + "\"}")));
            assertThat(login.status()).isEqualTo(403);
            // a username no one can have is refused before any password is checked
            Api.anonymous().post("/api/v1/session", "{\"username\": \"" + "x".repeat(500) + "\", \"password\": \"p\"}").expectProblem(400, "/username");
        } finally {
            evil.stop(0);
        }
        JsonObject keys = Api.operator().get("/api/v1/admin/api-keys").expect(200).json();
        assertThat(keys.getJsonArray("items").getValuesAs(JsonObject.class)).noneMatch(k -> k.getString("name").startsWith("evil"));
    }

    @Test
    @Order(6)
    void onAPhone() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(375, 812).setIsMobile(true).setHasTouch(true))) {
            Page page = signIn(context, "admin", adminPassword);
            Locator nav = page.getByRole(AriaRole.NAVIGATION, new Page.GetByRoleOptions().setName("Main"));
            assertThat(nav.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Customers"))).isHidden();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Menu")).click();
            assertThat(nav.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Customers"))).isVisible();
            shot(page, "10-phone-menu");
            for (String route : List.of("#/overview", "#/customers/" + customerId, "#/plugins", "#/users", "#/channels",
                    "#/channels/webhook", "#/channels/webhook?tab=templates", "#/channels/webhook?tab=log", "#/channels/webhook?tab=suppressions")) {
                page.navigate(CONSOLE + route);
                page.locator("main .page h1").first().waitFor();
                Object overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth");
                assertThat(((Number) overflow).intValue()).as("horizontal overflow on " + route).isLessThanOrEqualTo(0);
            }
            page.navigate(CONSOLE + "#/channels/webhook?tab=log");
            assertThat(page.locator("table.messages")).isVisible();
            shot(page, "11-phone-delivery-log");
            page.navigate(CONSOLE + "#/customers/" + customerId);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Ada Lovelace"))).isVisible();
            shot(page, "11-phone-customer");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Menu")).click();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to Rapport"))).isVisible();
            assertThat(context.cookies()).noneMatch(c -> c.name.equals("rapport_session") && !c.value.isEmpty());
        }
    }

    @Test
    @Order(7)
    void aPluginThatFailsShowsWhyOnTheOverviewAndThePluginsPage() throws IOException {
        String needy = "io.rapport.it.console-needy";
        byte[] jar = Plugins.rewrite(Plugins.webhookJar(), Map.of("Bundle-SymbolicName", needy, "Import-Package", "com.example.nowhere;version=\"[1,2)\""));
        Path file = Files.createTempFile("needy", ".jar");
        Files.write(file, jar);
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, "admin", adminPassword);
            page.navigate(CONSOLE + "#/plugins");
            page.getByLabel("Plugin jar").setInputFiles(file);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Upload")).click();
            Locator item = page.locator(".plugin[data-plugin='" + needy + "']");
            assertThat(item.locator(".state")).hasText("failed");
            assertThat(item.locator(".failure").first()).containsText("com.example.nowhere");
            page.navigate(CONSOLE + "#/overview");
            Locator failed = page.locator("section[aria-labelledby='failed-h']");
            assertThat(failed).containsText(needy);
            assertThat(failed).containsText("com.example.nowhere");
            shot(page, "12-overview-failed-plugin");
            page.navigate(CONSOLE + "#/plugins");
            page.onDialog(d -> d.accept()); // "Uninstall …?"
            item.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Uninstall")).click();
            assertThat(item).hasCount(0);
        }
        Api.operator().get(PLUGINS + "/" + needy).expect(404);
    }

    @Test
    @Order(8)
    void theKeyboardAloneReachesACustomer() {
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, "admin", adminPassword);
            // after a page change the focus is on the page's content; the menu is just before it
            for (int i = 0; i < 10 && !"Customers".equals(page.locator(":focus").textContent()); i++) {
                page.keyboard().press("Shift+Tab");
            }
            assertThat(page.locator(":focus")).hasText("Customers");
            page.keyboard().press("Enter");
            assertThat(page.getByLabel("Search customers")).isVisible();
            page.keyboard().press("Tab");
            assertThat(page.getByLabel("Search customers")).isFocused();
            page.keyboard().type("Ada Love");
            page.keyboard().press("Enter");
            Locator first = page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Ada Lovelace")).first();
            assertThat(first).isVisible();
            for (int i = 0; i < 20 && !"Ada Lovelace".equals(page.locator(":focus").textContent()); i++) {
                page.keyboard().press("Tab");
            }
            assertThat(page.locator(":focus")).hasText("Ada Lovelace");
            page.keyboard().press("Enter");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Ada Lovelace"))).isVisible();
        }
    }


    @Test
    @Order(9)
    void aCustomerUnsubscribesInOneClickAndChangesTheirMindInThePreferenceCentre() {
        String email = "prefs-" + UUID.randomUUID() + "@example.com";
        String id = Api.operator().post("/api/v1/customers", "{\"email\": \"" + email + "\", \"firstName\": \"Grace\"}").expect(201).json().getString("id");
        Api.operator().put("/api/v1/customers/" + id + "/consents", "{\"purpose\": \"marketing\", \"channel\": \"webhook\", \"status\": \"granted\", "
                + "\"source\": \"signup\"}").expect(200);
        receiver.hits.clear();
        Api.operator().post("/api/v1/messages", "{\"customerId\": \"" + id + "\", \"channel\": \"webhook\", \"purpose\": \"marketing\", "
                + "\"text\": \"Our spring sale\"}").expect(201);
        JsonObject data = jakarta.json.Json.createReader(new java.io.StringReader(receiver.hits.get(0).body())).readObject().getJsonObject("data");
        String unsubscribe = Api.local(data.getString("unsubscribeUrl"));
        String preferences = Api.local(data.getString("preferencesUrl"));

        // RFC 8058: the mail provider POSTs List-Unsubscribe=One-Click, from its own servers
        Api.Answer one = Api.anonymous().send(HttpRequest.newBuilder(URI.create(unsubscribe)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")));
        assertThat(one.status()).isEqualTo(200);
        JsonObject customer = Api.operator().get("/api/v1/customers/" + id).expect(200).json();
        assertThat(customer.getJsonArray("consents").getJsonObject(0).getString("status")).isEqualTo("withdrawn");
        assertThat(customer.getJsonArray("consents").getJsonObject(0).getString("source")).isEqualTo("one-click unsubscribe");
        assertThat(Api.operator().post("/api/v1/messages", "{\"customerId\": \"" + id + "\", \"channel\": \"webhook\", \"purpose\": \"marketing\", "
                + "\"text\": \"Another sale\"}").expect(201).json().getString("state")).isEqualTo("REJECTED");
        // a GET changes nothing and leads to the preference centre; a changed token is refused
        Api.Answer get = Api.anonymous().send(HttpRequest.newBuilder(URI.create(unsubscribe)).GET());
        assertThat(get.status()).isEqualTo(303);
        Api.anonymous().send(HttpRequest.newBuilder(URI.create(unsubscribe.substring(0, unsubscribe.length() - 3) + "AAA"))
                .POST(HttpRequest.BodyPublishers.noBody())).expectProblem(403, null);

        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(375, 812).setIsMobile(true))) {
            Page page = context.newPage();
            page.navigate(preferences);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Grace, choose what we send you"))).isVisible();
            Locator box = page.getByLabel("By webhook").first();
            assertThat(box).not().isChecked();
            shot(page, "13-preferences-phone");
            box.check();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save my choices")).click();
            assertThat(page.locator(".result")).hasText("Saved. Thank you.");
            page.navigate(Api.URL + "/console/preferences.html?token=forged.token");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("This link does not work"))).isVisible();
        }
        JsonObject after = Api.operator().get("/api/v1/customers/" + id).expect(200).json();
        JsonObject marketing = after.getJsonArray("consents").getValuesAs(JsonObject.class).stream()
                .filter(k -> k.getString("purpose").equals("marketing") && k.getString("channel").equals("webhook")).findFirst().orElseThrow();
        assertThat(marketing.getString("status")).isEqualTo("granted");
        assertThat(marketing.getString("source")).isEqualTo("preference centre");
    }

    static Locator customerRow(Page page, String selector) {
        return page.locator(selector + " tr").filter(new Locator.FilterOptions().setHas(page.locator("a[href='#/customers/" + customerId + "']")));
    }

    @Test
    @Order(10)
    void theChannelsPagesShowTheShopsOwnAndTheServerWideSettingsAndSendATestMessage() {
        // the admin API names the channel each configuration belongs to: that is how the channel page finds its form
        JsonObject webhook = Api.operator().get("/api/v1/admin/configurations").expect(200).json().getJsonArray("items").getValuesAs(JsonObject.class)
                .stream().filter(c -> c.getString("pid").equals(Plugins.WEBHOOK_PID)).findFirst().orElseThrow();
        assertThat(webhook.getString("channelType")).isEqualTo("webhook");
        try (Plugins.Receiver own = new Plugins.Receiver();
             BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, "admin", adminPassword);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Channels").setExact(true)).click();
            Locator item = page.locator(".plugin[data-channel='webhook']");
            assertThat(item.locator(".state")).hasText("active");
            assertThat(item).containsText("shared settings");
            shot(page, "14-channels");
            item.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Webhook")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Connection settings"))).isVisible();
            assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Connection"))).hasAttribute("aria-current", "page");
            assertThat(page.locator(".scope")).hasAttribute("data-scope", "server");

            // the operator's server-wide settings, folded away below the shop's own
            Locator serverWide = page.locator("details.server-wide");
            serverWide.locator("summary").click();
            Locator form = serverWide.locator("form.config-form");
            assertThat(form.getByLabel("Target URL")).hasValue(receiver.url());
            assertThat(form.getByLabel("Signing secret")).hasValue(""); // write-only
            form.getByLabel("Timeout (seconds)").fill("3");
            form.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Save configuration")).click();
            assertThat(page.getByText("Server-wide settings saved.")).isFocused();
            assertThat(page.locator("details.server-wide")).isVisible();
            page.locator("details.server-wide summary").click();
            assertThat(page.locator("details.server-wide form.config-form").getByLabel("Timeout (seconds)")).hasValue("3");

            receiver.hits.clear();
            Locator test = page.locator("form.test-send");
            test.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Send test")).click();
            assertThat(test.locator("select[name=customerId]")).hasAttribute("aria-invalid", "true");
            test.getByLabel("Find a customer").fill(customerEmail);
            test.getByLabel("Find a customer").press("Enter");
            assertThat(test.locator("select[name=customerId]")).hasValue(customerId);
            test.getByLabel("Subject").fill("Console test");
            test.getByLabel("Message").fill("Testing, {{customer.firstName}}");
            test.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Send test")).click();
            assertThat(test.locator(".result")).hasText("Message sent.");
            assertThat(receiver.hits).hasSize(1);
            assertThat(receiver.hits.get(0).body()).contains("Testing, Ada");
            shot(page, "15-channel-connection");

            // the shop's own settings: its messages go to its own receiver from then on
            Locator mine = page.locator(".connection > form.config-form");
            mine.getByLabel("Target URL").fill(own.url());
            mine.getByLabel("Signing secret").fill(Plugins.SECRET);
            mine.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Save configuration")).click();
            assertThat(page.getByText("Settings saved.", new Page.GetByTextOptions().setExact(true))).isFocused();
            assertThat(page.locator(".scope")).hasAttribute("data-scope", "tenant");
            assertThat(page.locator(".connection > form.config-form").getByLabel("Target URL")).hasValue(own.url());
            assertThat(page.locator(".connection > form.config-form").getByLabel("Signing secret")).hasValue("");
            Locator again = page.locator("form.test-send");
            again.getByLabel("Find a customer").fill(customerEmail);
            again.getByLabel("Find a customer").press("Enter");
            again.getByLabel("Message").fill("Own settings, {{customer.firstName}}");
            again.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Send test")).click();
            assertThat(again.locator(".result")).hasText("Message sent.");
            assertThat(own.hits).singleElement().satisfies(h -> assertThat(h.body()).contains("Own settings, Ada"));
            assertThat(receiver.hits).hasSize(1);
            shot(page, "15b-channel-own-settings");

            // back to the shared settings, after a confirmation
            page.onceDialog(com.microsoft.playwright.Dialog::accept);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete own settings")).click();
            assertThat(page.getByText("This shop's own settings are deleted.")).isFocused();
            assertThat(page.locator(".scope")).hasAttribute("data-scope", "server");
        }
        // a marketer sees the channel but not its connection settings
        String marketer = "console-marketer-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "marketer-password-" + UUID.randomUUID();
        Api.operator().post("/api/v1/admin/users", "{\"username\": \"" + marketer + "\", \"password\": \"" + password + "\", \"role\": \"marketer\"}")
                .expect(201);
        try (BrowserContext context = browser.newContext()) {
            Page page = signIn(context, marketer, password);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Channels").setExact(true)).click();
            assertThat(page.locator(".plugin[data-channel='webhook']")).isVisible();
            page.navigate(CONSOLE + "#/channels/webhook");
            assertThat(page.locator(".channel-section .notice")).containsText("Only admins");
            assertThat(page.locator("form.config-form")).hasCount(0);
            assertThat(page.locator("form.test-send")).isVisible();
        } finally {
            Api.operator().delete("/api/v1/admin/users/" + marketer).expect(200);
        }
    }

    @Test
    @Order(11)
    void theTemplatePreviewShowsTheCustomersNameAndAnUnknownVariableAtItsField() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, "admin", adminPassword);
            List<String> dialogs = new CopyOnWriteArrayList<>();
            page.onDialog(d -> {
                dialogs.add(d.message());
                d.dismiss();
            });
            page.navigate(CONSOLE + "#/channels/webhook?tab=templates");
            Locator form = page.locator("form.template-form");
            form.getByLabel("Find a customer").fill(customerEmail);
            assertThat(form.locator("select[name=customerId]")).hasValue(customerId);
            form.getByLabel("Subject").fill("For {{customer.lastName}}");
            form.getByLabel("Plain text").fill("Hello {{customer.firstName}}");
            assertThat(page.locator(".preview-text")).hasText("Hello Ada");
            assertThat(page.locator(".preview-subject")).hasText("For Lovelace");
            // the HTML is shown in a sandbox: markup renders, scripts do not run
            form.getByLabel("HTML").fill("<p>Dear <b>{{customer.firstName}}</b></p><script>alert('preview')</script>");
            Locator frame = page.locator("iframe.preview-html");
            assertThat(frame).hasAttribute("sandbox", "");
            assertThat(page.frameLocator("iframe.preview-html").locator("b")).hasText("Ada");
            shot(page, "16-template-preview");

            form.getByLabel("Plain text").fill("Hello {{customer.frstName}}");
            assertThat(form.getByLabel("Plain text")).hasAttribute("aria-invalid", "true");
            assertThat(form.locator(".field-error").filter(new Locator.FilterOptions().setHasText("customer.frstName"))).isVisible();
            assertThat(form.getByLabel("Plain text")).isFocused(); // the live check does not move the caret
            shot(page, "17-template-error");
            form.getByLabel("Plain text").fill("Bye {{customer.firstName}}");
            assertThat(page.locator(".preview-text")).hasText("Bye Ada");
            assertThat(form.getByLabel("Plain text")).not().hasAttribute("aria-invalid", "true");
            assertThat(dialogs).isEmpty();
        }
    }

    @Test
    @Order(12)
    void theDeliveryLogShowsTheMessagesSentAndFiltersThemByState() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, "admin", adminPassword);
            page.navigate(CONSOLE + "#/channels/webhook");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Delivery log")).click();
            // sent from the customer's page (test 2) and as two tests from the channel page (test 10: shared and own settings)
            Locator rows = customerRow(page, "table.messages");
            assertThat(rows).hasCount(3);
            assertThat(rows.filter(new Locator.FilterOptions().setHasText("Console test"))).hasCount(2);
            assertThat(rows.first().locator(".state")).hasText("SENT");
            shot(page, "18-delivery-log");
            page.getByLabel("State").selectOption("REJECTED");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
            assertThat(page).hasURL(java.util.regex.Pattern.compile("state=REJECTED"));
            assertThat(page.locator("table.messages .state").first()).hasText("REJECTED"); // the preference centre's test rejected one
            assertThat(customerRow(page, "table.messages")).hasCount(0);
            page.getByLabel("State").selectOption("SENT");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Filter")).click();
            assertThat(customerRow(page, "table.messages")).hasCount(3);
            customerRow(page, "table.messages").first().getByRole(AriaRole.LINK).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Ada Lovelace"))).isVisible();

            page.navigate(CONSOLE + "#/channels/webhook?tab=dead");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Dead letters"))).isVisible();
        }
    }

    @Test
    @Order(13)
    void aSuppressionIsListedAndLiftedAfterAConfirmation() {
        Api.operator().put("/api/v1/customers/" + customerId + "/suppressions/webhook", "{\"reason\": \"asked by phone\"}").expect(204);
        Api.operator().put("/api/v1/customers/" + customerId + "/suppressions/*", "{\"reason\": \"legal hold\"}").expect(204);
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))) {
            Page page = signIn(context, "admin", adminPassword);
            page.navigate(CONSOLE + "#/channels/webhook?tab=suppressions");
            Locator row = customerRow(page, "table.suppressions");
            assertThat(row).hasCount(1);
            assertThat(row).containsText("asked by phone");
            shot(page, "19-suppressions");
            page.onDialog(d -> d.accept()); // "Lift the suppression of …?"
            row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Lift the suppression of Ada Lovelace on webhook")).click();
            assertThat(page.locator(".channel-section .result")).hasText("Lifted: Ada Lovelace can be reached on webhook again.");
            assertThat(customerRow(page, "table.suppressions")).hasCount(0);

            page.getByLabel("Suppressed on").selectOption("*");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show")).click();
            assertThat(customerRow(page, "table.suppressions")).containsText("legal hold");
            customerRow(page, "table.suppressions").getByRole(AriaRole.BUTTON).click();
            assertThat(page.locator(".channel-section .result")).hasText("Lifted: Ada Lovelace can be reached on every channel again.");
            assertThat(customerRow(page, "table.suppressions")).hasCount(0);
        }
        assertThat(Api.operator().get("/api/v1/customers/" + customerId + "/suppressions").expect(200).json().getJsonArray("items")).isEmpty();
    }
}
