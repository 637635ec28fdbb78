package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The server dies in the middle of an import. Once it is back (and the job's lease has run out) the job resumes
 * after the last batch it stored: every row is imported once, none twice, none lost. Runs late: it restarts the server.
 */
@Order(Integer.MAX_VALUE - 2)
class ImportRestartIT {

    /** 12,000 in CI; {@code RAPPORT_IT_IMPORT_ROWS=1000000} runs the million-row case (docs/benchmarks.md). */
    static final int ROWS = Integer.parseInt(System.getenv().getOrDefault("RAPPORT_IT_IMPORT_ROWS", "12000"));
    /** Every 40th row repeats the row before it: an update, not a second customer. */
    static final int REPEAT_EVERY = 40;
    static final String PLUGIN = "/api/v1/admin/plugins/io.rapport.connector.crm.csv";
    /** Four minutes, or more for a large file: a second per 1,000 rows. */
    static final Duration WAIT = Duration.ofSeconds(Math.max(240, ROWS / 1_000));

    @BeforeAll
    static void setUp() throws IOException {
        Api.awaitReady();
        if (Api.operator().get(PLUGIN).status() != 200) {
            Api.operator().upload("POST", "/api/v1/admin/plugins?start=true", Files.readAllBytes(Api.PLUGINS.resolve("crm-csv.jar")),
                    "application/java-archive").expect(201);
        }
    }

    @AfterAll
    static void tearDown() {
        if (Api.operator().get(PLUGIN).status() == 200) {
            Api.operator().delete(PLUGIN).expect(204);
        }
    }

    @Test
    void aKillInTheMiddleOfAnImportLosesNoRowAndWritesNoneTwice() {
        Api.Shop shop = Api.newShop(null);
        String run = UUID.randomUUID().toString().substring(0, 8);
        StringBuilder csv = new StringBuilder(ROWS * 48).append("email,first name,batch\n");
        int repeats = 0;
        for (int i = 1; i <= ROWS; i++) {
            int n = i % REPEAT_EVERY == 0 ? i - 1 : i;
            repeats += n == i ? 0 : 1;
            csv.append("r").append(n).append('-').append(run).append("@example.com,Row ").append(n).append(',').append(run).append('\n');
        }
        int unique = ROWS - repeats;
        JsonObject queued = ImportsIT.upload(shop, csv.toString().getBytes(StandardCharsets.UTF_8), java.util.Map.of("source", "restart.csv"));
        String job = "/api/v1/imports/" + queued.getString("id");
        long before = await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> shop.marketer().get(job).expect(200).json()
                .getJsonNumber("linesDone").longValue(), lines -> lines >= ROWS / 6);

        Api.kill();
        Api.server("start");
        Api.awaitReady();

        JsonObject done = await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> shop.marketer().get(job).expect(200).json(),
                j -> !List.of("queued", "running").contains(j.getString("state")));
        JsonObject counts = done.getJsonObject("counts");
        System.out.printf("ImportRestartIT: %d rows, killed after line %d, resumed; %s; %s%n", ROWS, before, counts, done.get("startedAt") + " to " + done.get("finishedAt"));
        assertThat(done.getString("state")).as(done.toString()).isEqualTo("done");
        assertThat(before).as("the kill fell in the middle of the import").isLessThan(ROWS);
        assertThat(counts.getInt("read")).as("each row read once in all").isEqualTo(ROWS);
        assertThat(counts.getInt("created")).isEqualTo(unique);
        assertThat(counts.getInt("updated")).isEqualTo(ROWS - unique);
        assertThat(counts.getInt("rejected")).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> shop.viewer().get("/api/v1/overview").expect(200).json().getInt("customers") == unique);
        for (int n : new int[] {1, ROWS / 2 + 1, ROWS - 1}) {
            assertThat(shop.viewer().get("/api/v1/customers?email=r" + n + "-" + run + "@example.com").expect(200).json().getJsonArray("items"))
                    .as("row %d", n).hasSize(1);
        }
    }
}
