package io.rapport.connector.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.ImportService;
import io.rapport.testkit.PluginTestHost;
import io.rapport.testkit.RecordingImportService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built bundle in the kernel's real Felix host, its Camel routes in the kernel's Camel context, reading jobs for a recording kernel. */
class CsvImportConnectorIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    PluginTestHost host;
    RecordingImportService imports;

    @BeforeEach
    void start() {
        host = PluginTestHost.start();
        imports = host.imports();
        host.installBuiltBundle();
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private ImportService.Job awaitEnd(ImportService.Job job) {
        return await().atMost(WAIT).until(() -> imports.job(job.id()), j -> j.state() != ImportService.State.QUEUED && j.state() != ImportService.State.RUNNING);
    }

    @Test
    void anUploadedFileIsReadInBatchesWithItsBadRowsNamedByLine() throws Exception {
        Path file = dir.resolve("contacts.csv");
        Files.writeString(file, "email,first name,plan\nann@example.com,Ann,gold\n\n\"bob@example.com\",\"Bob\nthe builder\",silver\n,Nobody,\n", StandardCharsets.UTF_8);
        ImportService.Job job = imports.create(PluginTestHost.TENANT, ImportService.KIND_CONTACTS, CsvImportConnector.FORMAT, "contacts.csv", "csv", file,
                Map.of(), false);

        ImportService.Job done = awaitEnd(job);

        assertThat(done.state()).as("failure: %s", done.failure()).isEqualTo(ImportService.State.DONE);
        List<ContactRecord> got = imports.contacts(job.id());
        assertThat(got).extracting(ContactRecord::email).contains("ann@example.com", "bob@example.com");
        assertThat(got).filteredOn(c -> "bob@example.com".equals(c.email())).singleElement().satisfies(c -> {
            assertThat(c.line()).isEqualTo(4);
            assertThat(c.firstName()).isEqualTo("Bob\nthe builder");
        });
        assertThat(done.linesDone()).isGreaterThanOrEqualTo(6);
    }

    @Test
    void aJobResumesAfterTheLastLineTheKernelStored() throws Exception {
        StringBuilder csv = new StringBuilder("email\n");
        for (int i = 1; i <= 50; i++) {
            csv.append("p").append(i).append("@example.com\n");
        }
        Path file = dir.resolve("resume.csv");
        Files.writeString(file, csv);
        ImportService.Job job = imports.create(PluginTestHost.TENANT, ImportService.KIND_CONTACTS, CsvImportConnector.FORMAT, "resume.csv", "csv", file,
                Map.of(), false);
        // as if a first run had stored lines up to 31 (the header is line 1, p30 is line 31) before the server stopped
        ImportService.Job resumed = new ImportService.Job(job.id(), job.tenantId(), job.kind(), job.format(), job.source(), job.namespace(), job.file(),
                job.options(), false, 31, null, ImportService.State.RUNNING, job.counts(), null);
        new JobRunner(imports, CsvImportConnector.FORMAT, 7).run(claimAs(resumed));

        assertThat(imports.contacts(job.id())).extracting(ContactRecord::email).first().isEqualTo("p31@example.com");
        assertThat(imports.contacts(job.id())).hasSize(20);
    }

    /** Claims the queued job so that the runner may write to it, then hands the runner the job as a resumed claim would. */
    private ImportService.Job claimAs(ImportService.Job resumed) {
        imports.claim(CsvImportConnector.FORMAT).orElseThrow();
        return resumed;
    }

    @Test
    void aFileDroppedIntoTheWatchedFolderIsQueuedAndImported() throws Exception {
        Path inbox = dir.resolve("inbox");
        Files.createDirectories(inbox);
        host.configure(CsvImportConnector.PID, Map.of("folder", inbox.toString(), "tenantId", PluginTestHost.TENANT.toString(), "pollSeconds", 1));
        Files.writeString(inbox.resolve("drop.csv"), "email\ndrop@example.com\n");

        ImportService.Job job = await().atMost(WAIT).until(() -> imports.jobs().stream().filter(j -> j.source().equals("drop.csv")).findFirst().orElse(null),
                j -> j != null);
        ImportService.Job done = awaitEnd(job);
        assertThat(done.state()).isEqualTo(ImportService.State.DONE);
        assertThat(imports.contacts(job.id())).extracting(ContactRecord::email).containsExactly("drop@example.com");
        assertThat(inbox.resolve("drop.csv")).doesNotExist();
        try (var kept = Files.list(inbox.resolve(CsvImportConnector.IMPORTED))) {
            assertThat(kept.map(p -> p.getFileName().toString())).singleElement().satisfies(n -> assertThat(n).endsWith("-drop.csv"));
        }
    }

    @Test
    void aFileThatIsNotThereFailsItsJobWithTheReason() {
        ImportService.Job job = imports.create(PluginTestHost.TENANT, ImportService.KIND_CONTACTS, CsvImportConnector.FORMAT, "gone.csv", "csv",
                dir.resolve("gone.csv"), Map.of(), false);
        ImportService.Job done = awaitEnd(job);
        assertThat(done.state()).isEqualTo(ImportService.State.FAILED);
        assertThat(done.failure()).contains("gone");
    }
}
