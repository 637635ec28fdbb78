package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Imports in the running server: files uploaded through the admin API, read by the CSV connector (uploaded as a
 * plugin), deduplicated and written by the kernel; a repeat updates instead of duplicating; the CDNOW purchase
 * history imports cleanly as orders.
 */
@Order(5)
class ImportsIT {

    static final String PLUGIN = "/api/v1/admin/plugins/io.rapport.connector.crm.csv";
    static final Duration WAIT = Duration.ofSeconds(120);
    /** The shared data sets: ../shared/data beside the repository (see its README). */
    static final List<Path> DATA = List.of(Path.of(System.getProperty("rapport.it.data", "../../shared/data")), Path.of("/work/shared/data"));

    static Api.Shop shop;

    @BeforeAll
    static void setUp() throws IOException {
        Api.awaitReady();
        shop = Api.newShop("FR");
        if (Api.operator().get(PLUGIN).status() == 200) {
            Api.operator().delete(PLUGIN).expect(204);
        }
        Api.operator().upload("POST", "/api/v1/admin/plugins?start=true", Files.readAllBytes(Api.PLUGINS.resolve("crm-csv.jar")), "application/java-archive")
                .expect(201);
    }

    @AfterAll
    static void tearDown() {
        if (Api.operator().get(PLUGIN).status() == 200) {
            Api.operator().delete(PLUGIN).expect(204);
        }
    }

    /** Uploads a file as it is; @return the queued job */
    static JsonObject upload(byte[] file, Map<String, String> params) {
        return upload(shop, file, params);
    }

    /** Uploads a file as it is for a shop; @return the queued job */
    static JsonObject upload(Api.Shop shop, byte[] file, Map<String, String> params) {
        String q = params.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        Api.Answer a = shop.admin().upload("POST", "/api/v1/imports?" + q, file, "text/csv");
        assertThat(a.status()).as(a.raw()).isEqualTo(202);
        return a.json();
    }

    static JsonObject awaitEnd(JsonObject job) {
        return awaitEnd(shop.marketer(), job);
    }

    static JsonObject awaitEnd(Api reader, JsonObject job) {
        return await().atMost(WAIT).until(() -> reader.get("/api/v1/imports/" + job.getString("id")).expect(200).json(),
                j -> !List.of("queued", "running").contains(j.getString("state")));
    }

    static JsonObject counts(JsonObject job) {
        return job.getJsonObject("counts");
    }

    static final String CONTACTS = """
            email,first name,last name,phone,plan,signed up
            ann@example.com,Ann,Archer,06 12 34 56 78,gold,2024-01-15
            bob@,Bob,Broken,,silver,2024-02-01
            ANN@Example.com ,Ann,Archer-Again,,gold,2024-01-15

            "carl@example.com","Carl","Multi
            line",+33 6 98 76 54 32,bronze,2024-03-01
            =cmd|' /C calc'!A0,Eve,Evil,,,
            dora@example.com,Dora,Doe,12,,
            """;

    @Test
    void aFileIsDryRunThenImportedThenImportedAgainWithoutDuplicatesAndItsErrorsAreReportedByLine() throws Exception {
        byte[] file = CONTACTS.getBytes(StandardCharsets.UTF_8);
        JsonObject dry = awaitEnd(upload(file, Map.of("source", "crm.csv", "dryRun", "true", "namespace", "crm")));
        assertThat(dry.getString("state")).as(dry.toString()).isEqualTo("done");
        assertThat(counts(dry).getInt("created")).isEqualTo(2);
        assertThat(counts(dry).getInt("updated")).as("Ann's second row").isEqualTo(1);
        assertThat(counts(dry).getInt("rejected")).isEqualTo(3);
        assertThat(shop.viewer().get("/api/v1/customers?email=ann@example.com").expect(200).json().getJsonArray("items")).as("a dry run writes nothing").isEmpty();

        JsonObject done = awaitEnd(upload(file, Map.of("source", "crm.csv", "namespace", "crm")));
        assertThat(done.getString("state")).isEqualTo("done");
        assertThat(counts(done).getInt("read")).isEqualTo(6);
        assertThat(counts(done).getInt("created")).isEqualTo(2);
        assertThat(counts(done).getInt("updated")).isEqualTo(1);
        assertThat(counts(done).getInt("rejected")).isEqualTo(3);
        JsonObject ann = shop.viewer().get("/api/v1/customers?email=ann@example.com").expect(200).json().getJsonArray("items").getJsonObject(0);
        assertThat(ann.getString("lastName")).isEqualTo("Archer-Again");
        assertThat(ann.getString("phone")).as("national, read in the shop's region").isEqualTo("+33612345678");
        JsonObject carl = shop.viewer().get("/api/v1/customers?email=carl@example.com").expect(200).json().getJsonArray("items").getJsonObject(0);
        assertThat(carl.getString("lastName")).isEqualTo("Multi\nline");

        String report = shop.marketer().get("/api/v1/imports/" + done.getString("id") + "/errors").expect(200).raw();
        List<String> lines = report.lines().toList();
        assertThat(lines.get(0)).isEqualTo("line,field,reason");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("3,").contains("bob@"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("8,").contains("'=cmd"));
        assertThat(lines).noneSatisfy(l -> assertThat(l).contains(",=cmd"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("9,").contains("'12' is not a phone number"));

        // the same file again: every good row updates, nothing is created
        JsonObject again = awaitEnd(upload(file, Map.of("source", "crm.csv", "namespace", "crm")));
        assertThat(counts(again).getInt("created")).isZero();
        assertThat(counts(again).getInt("updated")).isEqualTo(3);
        assertThat(shop.viewer().get("/api/v1/customers?email=ann@example.com").expect(200).json().getJsonArray("items")).hasSize(1);
        assertThat(shop.marketer().get("/api/v1/imports").expect(200).json().getJsonArray("items")).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void aPreviewShowsWhatTheConnectorMakesOfTheFileAndAMappingIsSavedForNextTime() {
        JsonObject p = shop.admin().upload("POST", "/api/v1/imports/preview", CONTACTS.getBytes(StandardCharsets.UTF_8), "text/csv").expect(200).json();
        JsonObject d = p.getJsonObject("description");
        assertThat(d.getString("encoding")).isEqualTo("UTF-8");
        assertThat(d.getJsonArray("header").getString(0)).isEqualTo("email");
        assertThat(d.getJsonObject("mapping").getString("email")).isEqualTo("email");
        assertThat(d.getJsonArray("presets").getValuesAs(jakarta.json.JsonString.class)).extracting(jakarta.json.JsonString::getString)
                .contains("hubspot", "salesforce", "mailchimp", "zoho", "mautic");
        assertThat(p.getJsonArray("rows").getJsonArray(0).getString(0)).isEqualTo("ann@example.com");
        assertThat(p.getJsonArray("records").getJsonObject(0).getString("email")).isEqualTo("ann@example.com");
        assertThat(p.getJsonArray("rejected")).isNotEmpty();
        // the kernel's refusals too, before anything is imported: Dora's phone '12' (line 9) is not a number
        assertThat(p.getJsonArray("rejected").getValuesAs(JsonObject.class)).anySatisfy(r -> {
            assertThat(r.getInt("line")).isEqualTo(9);
            assertThat(r.getString("reason")).contains("'12' is not a phone number");
        });
        assertThat(p.getJsonArray("records").getValuesAs(JsonObject.class)).noneSatisfy(r -> assertThat(r.getInt("line")).isEqualTo(9));
        shop.admin().upload("POST", "/api/v1/imports/preview?format=xml", "<a/>".getBytes(StandardCharsets.UTF_8), "text/plain").expectProblem(409, "/format");

        String mapping = "{\"kind\": \"contacts\", \"format\": \"csv\", \"options\": {\"preset\": \"hubspot\", \"delimiter\": \"semicolon\"}}";
        shop.admin().put("/api/v1/imports/mappings/Our%20HubSpot%20export", mapping).expect(201);
        shop.admin().put("/api/v1/imports/mappings/Our%20HubSpot%20export", mapping).expect(200);
        shop.admin().put("/api/v1/imports/mappings/bad", "{\"kind\": \"people\"}").expectProblem(400, "/kind");
        JsonObject saved = shop.admin().get("/api/v1/imports/mappings").expect(200).json().getJsonArray("items").getJsonObject(0);
        assertThat(saved.getString("name")).isEqualTo("Our HubSpot export");
        assertThat(saved.getJsonObject("options").getString("delimiter")).isEqualTo("semicolon");
        shop.admin().delete("/api/v1/imports/mappings/Our%20HubSpot%20export").expect(204);
        shop.admin().delete("/api/v1/imports/mappings/Our%20HubSpot%20export").expectProblem(404, null);
        assertThat(shop.admin().get("/api/v1/admin/audit").expect(200).json().getJsonArray("items").stream()
                .map(e -> e.asJsonObject().getString("action"))).contains("import.mapping.created", "import.mapping.updated", "import.mapping.deleted");
    }

    @Test
    void aShopConnectsItsOwnHubSpotAccountAndItsContactsArrive() throws Exception {
        String plugin = "/api/v1/admin/plugins/io.rapport.connector.crm.hubspot";
        if (Api.operator().get(plugin).status() == 200) {
            Api.operator().delete(plugin).expect(204);
        }
        Api.operator().upload("POST", "/api/v1/admin/plugins?start=true", Files.readAllBytes(Api.PLUGINS.resolve("crm-hubspot.jar")),
                "application/java-archive").expect(201);
        try (io.rapport.connector.hubspot.FakeHubSpot hubspot = io.rapport.connector.hubspot.FakeHubSpot.start().generate(120)) {
            String own = "/api/v1/connectors/hubspot/settings";
            assertThat(shop.admin().get(own).expect(200).json().getString("scope")).isEqualTo("none");
            shop.marketer().get(own).expect(403);
            JsonObject saved = shop.admin().put(own, "{\"token\": \"" + io.rapport.connector.hubspot.FakeHubSpot.TOKEN + "\", \"baseUrl\": \""
                    + hubspot.baseUrl() + "\", \"everyMinutes\": 60}").expect(201).json();
            assertThat(saved.getString("scope")).isEqualTo("tenant");
            assertThat(saved.getJsonObject("properties").containsKey("token")).as("write-only").isFalse();

            JsonObject sync = await().atMost(WAIT).until(() -> shop.marketer().get("/api/v1/imports?format=hubspot&limit=1").expect(200).json()
                    .getJsonArray("items"), items -> !items.isEmpty() && items.getJsonObject(0).getString("state").equals("done")).getJsonObject(0);
            assertThat(sync.getString("source")).isEqualTo("HubSpot API");
            JsonObject c = counts(sync);
            assertThat(c.getInt("rejected")).as(shop.marketer().get("/api/v1/imports/" + sync.getString("id") + "/errors").raw()).isZero();
            assertThat(c.getInt("created")).isGreaterThan(100);
            assertThat(c.getInt("created") + c.getInt("updated") + c.getInt("rejected")).isEqualTo(c.getInt("read"));
            assertThat(shop.viewer().get("/api/v1/customers?email=contact1@example.com").expect(200).json().getJsonArray("items")).hasSize(1);
            assertThat(shop.admin().get(own).expect(200).json().getBoolean("running")).isTrue();

            shop.admin().delete(own).expect(204);
            assertThat(shop.admin().get(own).expect(200).json().getString("scope")).isEqualTo("none");
        } finally {
            Api.operator().delete(plugin).expect(204);
        }
    }

    /** The CRM exports of the CSV connector's tests (see its README): rows, and rows its reader refuses. */
    static final Path EXPORTS = Path.of("../connectors/crm-csv/src/test/resources/exports");

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "hubspot-contacts.csv, hubspot, 3000, 53, true",
            "salesforce-contacts.csv, salesforce, 2500, 44, false",
            "mailchimp-subscribed.csv, mailchimp, 4000, 72, false",
            "zoho-contacts.csv, zoho, 2000, 35, false",
            "mautic-contacts.csv, mautic, 2200, 40, false"})
    void eachCrmsExportImportsWithItsBadRowsReported(String file, String preset, int rows, int readerRejects, boolean repeat) throws Exception {
        Api.Shop own = Api.newShop("FR");
        byte[] bytes = Files.readAllBytes(EXPORTS.resolve(file));
        JsonObject done = awaitEnd(own.marketer(), upload(own, bytes, Map.of("source", file, "preset", preset)));
        assertThat(done.getString("state")).as(done.toString()).isEqualTo("done");
        JsonObject c = counts(done);
        assertThat(c.getInt("read")).isEqualTo(rows);
        assertThat(c.getInt("rejected")).as("the reader's rejects, and the kernel's").isGreaterThanOrEqualTo(readerRejects);
        assertThat(c.getInt("created") + c.getInt("updated") + c.getInt("rejected")).isEqualTo(rows);
        assertThat(c.getInt("updated")).as("the file's duplicates update the first").isPositive();
        String report = own.marketer().get("/api/v1/imports/" + done.getString("id") + "/errors").expect(200).raw();
        assertThat(report.lines().count()).isEqualTo(c.getInt("rejected") + 1L);
        assertThat(report.lines().skip(1)).allSatisfy(l -> assertThat(l).matches("\\d+,.*"));
        assertThat(report).doesNotContain(",=").doesNotContain(",+").doesNotContain(",@");

        if (!repeat) {
            return; // a repeat is the same code path for every preset: one is enough
        }
        JsonObject again = awaitEnd(own.marketer(), upload(own, bytes, Map.of("source", file, "preset", preset)));
        assertThat(counts(again).getInt("created")).as("a repeat creates nobody").isZero();
        assertThat(counts(again).getInt("updated")).isEqualTo(c.getInt("created") + c.getInt("updated"));
    }

    @Test
    void badUploadsAreRefusedAndAViewerCannotImport() {
        shop.admin().upload("POST", "/api/v1/imports", new byte[0], "text/csv").expectProblem(400, null);
        shop.admin().upload("POST", "/api/v1/imports?kind=people", "email\na@example.com\n".getBytes(StandardCharsets.UTF_8), "text/csv")
                .expectProblem(400, "/kind");
        assertThat(shop.viewer().upload("POST", "/api/v1/imports", "email\na@example.com\n".getBytes(StandardCharsets.UTF_8), "text/csv").status())
                .isEqualTo(403);
        shop.marketer().get("/api/v1/imports/not-a-job").expectProblem(404, null);
    }

    @Test
    void theCdnowPurchaseHistoryImportsCleanlyAsOrders() throws Exception {
        Path master = DATA.stream().map(d -> d.resolve("cdnow/CDNOW_master.txt")).filter(Files::isReadable).findFirst().orElse(null);
        assumeTrue(master != null, "the CDNOW data set is not beside the repository (../shared/data/cdnow)");
        JsonObject done = awaitEnd(upload(Files.readAllBytes(master), Map.of("kind", "orders", "source", "CDNOW_master.txt", "preset", "cdnow")));

        assertThat(done.getString("state")).as(done.toString()).isEqualTo("done");
        assertThat(counts(done).getInt("read")).isEqualTo(69_659);
        assertThat(counts(done).getInt("created")).isEqualTo(69_659);
        assertThat(counts(done).getInt("rejected")).isZero();
        // customer 00002 bought twice on 1997-01-12: 12.00 and 77.00 (the first lines of the file)
        JsonObject two = await().atMost(WAIT).until(() -> shop.viewer().get("/api/v1/customers?externalId=cdnow:00002").expect(200).json()
                .getJsonArray("items"), items -> !items.isEmpty() && items.getJsonObject(0).getInt("orderCount") >= 2).getJsonObject(0);
        assertThat(two.getJsonNumber("revenue").bigDecimalValue()).isGreaterThanOrEqualTo(new java.math.BigDecimal("89.00"));
    }
}
