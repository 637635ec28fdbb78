package io.rapport.core.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.EventTypes;
import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.ImportService;
import io.rapport.api.imports.ImportService.Job;
import io.rapport.api.imports.ImportService.Progress;
import io.rapport.api.imports.ImportService.State;
import io.rapport.api.imports.OrderRecord;
import io.rapport.api.imports.Rejected;
import io.rapport.core.Kernel;
import io.rapport.core.TestDb;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.InvalidInputException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Import jobs on a real kernel: what a connector hands over is deduplicated, written with the job's progress, and resumable. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImportsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String FORMAT = "test-format";

    @TempDir
    static Path dir;

    private TestDb db;
    private Kernel kernel;
    private Imports imports;
    private UUID tenant;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data")), Clock.systemUTC());
        imports = kernel.imports();
        tenant = kernel.access().createTenant("imports-" + UUID.randomUUID().toString().substring(0, 8), "Import shop", "FR").id();
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    /** A job of its own format, claimed: what a connector holds. */
    private Job running(String kind, boolean dryRun) {
        String format = FORMAT + "-" + UUID.randomUUID().toString().substring(0, 8);
        imports.create(tenant, kind, format, "test.csv", "crm", null, Map.of("preset", "test"), dryRun);
        return imports.claim(format).orElseThrow();
    }

    private static ContactRecord contact(long line, String externalId, String email, String phone, String firstName) {
        return new ContactRecord(line, externalId, email, phone, firstName, null, null, null, null, null, null);
    }

    private Customer byEmail(String email) {
        return kernel.customers().findByIdentifier(tenant, Identifier.email(email)).orElseThrow();
    }

    @Test
    void contactsAreCreatedOnceAndARepeatUpdatesThemWhateverTheFormOfTheirIdentifiers() {
        Job job = running(ImportService.KIND_CONTACTS, false);
        assertThat(job.state()).isEqualTo(State.RUNNING);
        assertThat(job.options()).containsEntry("preset", "test");
        String ada = "ada-" + UUID.randomUUID() + "@example.com";
        ContactRecord first = new ContactRecord(2, "c-1", ada.toUpperCase(), "06 12 34 56 78", "Ada", "Lovelace", "fr-FR", "Europe/Paris",
                Map.of("plan", AttributeValue.of("gold"), "signup", AttributeValue.of(LocalDate.of(2024, 1, 15))), Set.of("vip"),
                List.of(new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.GRANTED, null, OffsetDateTime.now(ZoneOffset.UTC))));
        // the same person again in the same batch: by phone in E.164 form, adding a tag
        ContactRecord again = new ContactRecord(3, null, null, "+33612345678", null, null, null, null, Map.of("visits", AttributeValue.of(new BigDecimal("3"))),
                Set.of("newsletter"), null);
        Progress p = imports.contacts(job.id(), List.of(first, again), List.of(new Rejected(4, "Create Date", "'31/31/2024' is not a date")), 4, null);

        assertThat(p.cancelled()).isFalse();
        assertThat(p.counts()).isEqualTo(new ImportService.Counts(3, 1, 1, 1));
        Customer c = byEmail(ada);
        assertThat(c.firstName()).isEqualTo("Ada");
        assertThat(c.phone()).isEqualTo("+33612345678");
        assertThat(c.locale()).isEqualTo("fr-FR");
        assertThat(c.tags()).containsExactlyInAnyOrder("vip", "newsletter");
        assertThat(c.attributes()).containsEntry("plan", AttributeValue.of("gold")).containsEntry("visits", AttributeValue.of(new BigDecimal("3")));
        assertThat(c.consents()).singleElement().satisfies(k -> {
            assertThat(k.status()).isEqualTo(ConsentStatus.GRANTED);
            assertThat(k.source()).isEqualTo("import test.csv");
        });
        assertThat(kernel.customers().findByIdentifier(tenant, Identifier.external("crm", "c-1"))).map(Customer::id).contains(c.id());

        // a later import of the same contact by its id: an update, the consent not recorded twice, tags kept
        imports.finish(job.id(), null);
        Job second = running(ImportService.KIND_CONTACTS, false);
        Progress q = imports.contacts(second.id(), List.of(new ContactRecord(2, "c-1", ada, null, "Ada B.", null, null, null, null, null,
                List.of(new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.GRANTED, null, OffsetDateTime.now(ZoneOffset.UTC))))), List.of(), 2, null);
        assertThat(q.counts()).isEqualTo(new ImportService.Counts(1, 0, 1, 0));
        Customer after = byEmail(ada);
        assertThat(after.id()).isEqualTo(c.id());
        assertThat(after.firstName()).isEqualTo("Ada B.");
        assertThat(after.tags()).containsExactlyInAnyOrder("vip", "newsletter");
        assertThat(kernel.events().timeline(tenant, c.id(), List.of(EventTypes.CONSENT_CHANGED), null, 10).events()).hasSize(1);
        assertThat(kernel.events().timeline(tenant, c.id(), List.of(EventTypes.CUSTOMER_CREATED), null, 10).events()).singleElement()
                .satisfies(e -> assertThat(e.source()).isEqualTo("import test.csv"));
        imports.finish(second.id(), null);
        assertThat(imports.get(tenant, second.id()).job().state()).isEqualTo(State.DONE);
    }

    @Test
    void aBatchMixingNewAndKnownCustomersWritesEachNewOneOnceWithItsEventsAndUpdatesTheOthersInOrder() {
        String known = "known-" + UUID.randomUUID() + "@example.com";
        Job before = running(ImportService.KIND_CONTACTS, false);
        imports.contacts(before.id(), List.of(contact(2, null, known, null, "Kim")), List.of(), 2, null);
        imports.finish(before.id(), null);
        UUID knownId = byEmail(known).id();

        Job job = running(ImportService.KIND_CONTACTS, false);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String a = "a-" + tag + "@example.com";
        String b = "b-" + tag + "@example.com";
        String c = "c-" + tag + "@example.com";
        String phone = "+33698" + String.format("%06d", new java.util.Random().nextInt(1_000_000));
        OffsetDateTime t = OffsetDateTime.now(ZoneOffset.UTC);
        Consent granted = new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.GRANTED, null, t.minusDays(1));
        Consent withdrawn = new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.WITHDRAWN, null, t);
        Progress p = imports.contacts(job.id(), List.of(
                // new, with two decisions on one purpose and channel: the later one stands, both are on the timeline
                new ContactRecord(2, null, a, phone, "Zoé", "Ñandú " + tag, null, null, Map.of("plan", AttributeValue.of("pro")), Set.of("vip", "new"),
                        List.of(granted, withdrawn)),
                contact(3, null, known, null, "Kim B."),                  // known before the batch: an update
                contact(4, null, b, null, "Bob"),                         // new
                contact(5, null, a.toUpperCase(), null, "Zoé B."),         // a, created two lines up: an update of it
                contact(6, null, b, phone, null),                // b by e-mail and a by phone: refused
                contact(7, null, c, null, null),                          // new, no name
                new ContactRecord(8, null, c, null, null, null, null, null, Map.of("plan", AttributeValue.of("free")), Set.of("late"), null)),
                List.of(), 8, null);

        assertThat(p.counts()).isEqualTo(new ImportService.Counts(7, 3, 3, 1));
        Customer ca = byEmail(a);
        assertThat(ca.firstName()).isEqualTo("Zoé B.");
        assertThat(ca.lastName()).isEqualTo("Ñandú " + tag);
        assertThat(ca.phone()).isEqualTo(phone);
        assertThat(ca.tags()).containsExactlyInAnyOrder("vip", "new");
        assertThat(ca.attributes()).containsEntry("plan", AttributeValue.of("pro"));
        assertThat(ca.identifiers()).containsExactlyInAnyOrder(Identifier.email(a), Identifier.phone(phone));
        assertThat(ca.consents()).singleElement().satisfies(k -> {
            assertThat(k.status()).isEqualTo(ConsentStatus.WITHDRAWN);
            assertThat(k.source()).isEqualTo("import test.csv");
        });
        assertThat(kernel.events().timeline(tenant, ca.id(), List.of(EventTypes.CONSENT_CHANGED), null, 10).events()).hasSize(2);
        assertThat(kernel.events().timeline(tenant, ca.id(), List.of(EventTypes.CUSTOMER_CREATED), null, 10).events()).singleElement()
                .satisfies(e -> assertThat(e.properties()).containsEntry("importJob", job.id().toString()));
        // the name keys are those of a profile created one by one: the search finds it by first and last name
        assertThat(kernel.customers().search(tenant, new io.rapport.core.customer.CustomerStore.Query(null, "zoé b. ñandú " + tag, null, null, null, null, 10))
                .customers()).extracting(Customer::id).containsExactly(ca.id());
        assertThat(kernel.customers().search(tenant, new io.rapport.core.customer.CustomerStore.Query(null, "Ñandú " + tag, null, null, null, null, 10))
                .customers()).extracting(Customer::id).containsExactly(ca.id());
        assertThat(byEmail(known)).satisfies(k -> {
            assertThat(k.id()).isEqualTo(knownId);
            assertThat(k.firstName()).isEqualTo("Kim B.");
        });
        assertThat(byEmail(b).phone()).isNull();
        Customer cc = byEmail(c);
        assertThat(cc.firstName()).isNull();
        assertThat(cc.tags()).containsExactly("late");
        assertThat(cc.attributes()).containsEntry("plan", AttributeValue.of("free"));
        for (String email : List.of(a, b, c)) {
            assertThat(kernel.events().timeline(tenant, byEmail(email).id(), List.of(EventTypes.CUSTOMER_CREATED), null, 10).events()).hasSize(1);
        }
        assertThat(kernel.events().timeline(tenant, knownId, List.of(EventTypes.CUSTOMER_CREATED), null, 10).events()).hasSize(1);
        StringWriter errors = new StringWriter();
        try {
            imports.writeErrors(tenant, job.id(), errors);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(errors.toString()).contains("6,,\"matches two customers");
        imports.finish(job.id(), null);
    }

    @Test
    void badRecordsAreRejectedWithTheirLineAndFieldAndTheOthersAreKept() throws Exception {
        Job job = running(ImportService.KIND_CONTACTS, false);
        String a = "a-" + UUID.randomUUID() + "@example.com";
        String b = "b-" + UUID.randomUUID() + "@example.com";
        imports.contacts(job.id(), List.of(contact(2, null, a, null, "A"), contact(3, null, b, "+33698765432", "B")), List.of(), 3, null);
        Progress p = imports.contacts(job.id(), List.of(
                contact(4, null, "bob@", null, "Bob"),
                contact(5, null, null, "12", null),
                contact(6, null, null, null, "Nobody"),
                contact(7, null, a, "+33698765432", "Both"),
                new ContactRecord(8, null, "=cmd|' /C calc'!A0@example.com", null, null, null, null, null, null, null, null),
                contact(9, null, "ok-" + UUID.randomUUID() + "@example.com", null, "Fine")), List.of(), 9, null);

        assertThat(p.counts().rejected()).isEqualTo(5);
        assertThat(p.counts().created()).isEqualTo(3);
        StringWriter report = new StringWriter();
        imports.writeErrors(tenant, job.id(), report);
        List<String> lines = report.toString().lines().toList();
        assertThat(lines.get(0)).isEqualTo("line,field,reason");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("4,email,").contains("'bob@' is not an e-mail address"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("5,phone,").contains("'12' is not a phone number"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("6,,").contains("nothing to find the customer by"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("7,,").contains("matches two customers"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("8,email,").contains("\"'=cmd"));
        assertThat(byEmail(a).firstName()).as("the conflicting record changed nothing").isEqualTo("A");
    }

    @Test
    void aJobsRegionReadsItsNationalPhoneNumbers() {
        String format = FORMAT + "-region";
        imports.create(tenant, ImportService.KIND_CONTACTS, format, "uk.csv", "crm", null, Map.of(ImportService.OPTION_REGION, "GB"), false);
        Job job = imports.claim(format).orElseThrow();
        String a = "uk-" + UUID.randomUUID() + "@example.com";
        imports.contacts(job.id(), List.of(contact(2, null, a, "07911 123456", "Uma")), List.of(), 2, null);
        assertThat(byEmail(a).phone()).isEqualTo("+447911123456");
        assertThatThrownBy(() -> imports.create(tenant, ImportService.KIND_CONTACTS, format, "x.csv", "crm", null, Map.of(ImportService.OPTION_REGION, "XX"),
                false)).isInstanceOf(InvalidInputException.class).hasMessageContaining("region");
    }

    @Test
    void aDryRunCountsWhatAnImportWouldDoAndWritesNothing() {
        Job job = running(ImportService.KIND_CONTACTS, true);
        String a = "dry-" + UUID.randomUUID() + "@example.com";
        imports.contacts(job.id(), List.of(contact(2, null, a, null, "A")), List.of(), 2, null);
        Progress p = imports.contacts(job.id(), List.of(contact(3, null, a.toUpperCase(), null, "A again"), contact(4, null, "x@", null, null)), List.of(), 4, null);

        assertThat(p.counts()).isEqualTo(new ImportService.Counts(3, 1, 1, 1));
        assertThat(kernel.customers().findByIdentifier(tenant, Identifier.email(a))).isEmpty();
    }

    @Test
    void aJobWhoseConnectorDiedIsClaimedAgainAndResumesAfterItsLastStoredLine() {
        String format = FORMAT + "-resume";
        Job queued = imports.create(tenant, ImportService.KIND_CONTACTS, format, "big.csv", "crm", null, Map.of(), false);
        Job job = imports.claim(format).orElseThrow();
        assertThat(job.id()).isEqualTo(queued.id());
        assertThat(imports.claim(format)).as("held by its lease").isEmpty();
        String a = "r-" + UUID.randomUUID() + "@example.com";
        imports.contacts(job.id(), List.of(contact(2, null, a, null, "A")), List.of(), 2, "cursor-1");

        // the connector's node dies; once the lease runs out another claims the job
        kernel.db().tx(c -> io.rapport.core.db.Db.update(c, "UPDATE import_job SET lease_until = ? WHERE id = ?",
                OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1), job.id()));
        Job resumed = imports.claim(format).orElseThrow();
        assertThat(resumed.linesDone()).isEqualTo(2);
        assertThat(resumed.cursor()).isEqualTo("cursor-1");
        // a batch stored before, handed over again, changes nothing
        Progress repeat = imports.contacts(job.id(), List.of(contact(2, null, a, null, "A")), List.of(), 2, null);
        assertThat(repeat.counts().read()).isEqualTo(1);
        Progress next = imports.contacts(job.id(), List.of(contact(3, null, "s-" + UUID.randomUUID() + "@example.com", null, "B")), List.of(), 3, null);
        assertThat(next.counts()).isEqualTo(new ImportService.Counts(2, 2, 0, 0));
        imports.finish(job.id(), null);
        assertThat(imports.lastDone(tenant, format)).map(Job::id).contains(job.id());
        assertThatThrownBy(() -> imports.contacts(job.id(), List.of(), List.of(), 4, null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aCancelledJobStopsItsConnectorAndKeepsWhatItWrote() {
        Job job = running(ImportService.KIND_CONTACTS, false);
        String a = "c-" + UUID.randomUUID() + "@example.com";
        imports.contacts(job.id(), List.of(contact(2, null, a, null, "A")), List.of(), 2, null);

        imports.cancel(tenant, job.id(), "admin");
        Progress p = imports.contacts(job.id(), List.of(contact(3, null, "late-" + UUID.randomUUID() + "@example.com", null, "B")), List.of(), 3, null);

        assertThat(p.cancelled()).isTrue();
        assertThat(p.counts().created()).isEqualTo(1);
        imports.finish(job.id(), null);
        assertThat(imports.get(tenant, job.id()).job().state()).isEqualTo(State.CANCELLED);
        assertThat(byEmail(a).firstName()).isEqualTo("A");
        assertThatThrownBy(() -> imports.cancel(tenant, job.id(), "admin")).isInstanceOf(ConflictException.class);
    }

    @Test
    void ordersBecomeOrderEventsOnceEachAndMoveTheCustomersCounters() {
        Job job = running(ImportService.KIND_ORDERS, false);
        String id = "cust-" + UUID.randomUUID();
        OffsetDateTime day = OffsetDateTime.of(1997, 1, 12, 0, 0, 0, 0, ZoneOffset.UTC);
        List<OrderRecord> orders = List.of(
                new OrderRecord(2, null, id, null, day, new BigDecimal("12.00"), null, List.of(new OrderRecord.Item(null, null, 1, null))),
                new OrderRecord(3, null, id, null, day, new BigDecimal("77.00"), null, List.of(new OrderRecord.Item(null, null, 5, null))),
                new OrderRecord(4, null, null, null, day, BigDecimal.ONE, null, null),
                new OrderRecord(5, null, id, null, day, new BigDecimal("-3"), null, null));
        Progress p = imports.orders(job.id(), orders, List.of(), 5, null);
        assertThat(p.counts()).isEqualTo(new ImportService.Counts(4, 2, 0, 2));
        imports.finish(job.id(), null);

        Customer c = await().atMost(WAIT).until(() -> kernel.customers().findByIdentifier(tenant, Identifier.external("crm", id)).orElse(null),
                x -> x != null && x.orderCount() == 2);
        assertThat(c.revenue()).isEqualByComparingTo("89.00");
        assertThat(kernel.events().timeline(tenant, c.id(), List.of(EventTypes.ORDER_COMPLETED), null, 10).events()).allSatisfy(e -> {
            assertThat(e.occurredAt().toLocalDate()).isEqualTo(LocalDate.of(1997, 1, 12));
            assertThat(e.properties()).containsKey("items");
        });

        // the same file again: nothing new
        Job again = running(ImportService.KIND_ORDERS, false);
        Progress q = imports.orders(again.id(), orders.subList(0, 2), List.of(), 3, null);
        assertThat(q.counts()).isEqualTo(new ImportService.Counts(2, 0, 2, 0));
        imports.finish(again.id(), null);
    }

    @Test
    void anUploadIsStreamedToDiskWithinItsLimitAndDeletedWhenItsJobEnds() throws Exception {
        assertThatThrownBy(() -> imports.upload(tenant, "admin", ImportService.KIND_CONTACTS, "csv", "big.csv", "csv",
                new ByteArrayInputStream(new byte[2048]), 1024, Map.of(), false)).isInstanceOf(InvalidInputException.class).hasMessageContaining("1024 bytes");
        assertThatThrownBy(() -> imports.upload(tenant, "admin", "people", "csv", "x.csv", "csv", new ByteArrayInputStream(new byte[1]), 1024, Map.of(), false))
                .isInstanceOf(InvalidInputException.class);
        String format = "upload-" + UUID.randomUUID().toString().substring(0, 8);
        Job job = imports.upload(tenant, "admin", ImportService.KIND_CONTACTS, format, "contacts.csv", "csv",
                new ByteArrayInputStream("email\nann@example.com\n".getBytes(StandardCharsets.UTF_8)), 1024, Map.of("delimiter", ","), false);
        assertThat(Files.readString(job.file())).startsWith("email");
        assertThat(imports.list(tenant, null, 50)).extracting(v -> v.job().id()).contains(job.id());
        imports.claim(format).orElseThrow();
        imports.finish(job.id(), "the file is not CSV");
        assertThat(imports.get(tenant, job.id()).job().state()).isEqualTo(State.FAILED);
        assertThat(imports.get(tenant, job.id()).job().failure()).isEqualTo("the file is not CSV");
        assertThat(job.file()).doesNotExist();
    }

    @Test
    void csvCellsOfReportsAreNeverFormulas() {
        assertThat(Csv.cell("=1+1")).isEqualTo("\"'=1+1\"");
        assertThat(Csv.cell("+33 6")).isEqualTo("\"'+33 6\"");
        assertThat(Csv.cell("-2")).isEqualTo("\"'-2\"");
        assertThat(Csv.cell("@SUM(A1)")).isEqualTo("\"'@SUM(A1)\"");
        assertThat(Csv.cell("a,b \"c\"")).isEqualTo("\"a,b \"\"c\"\"\"");
        assertThat(Csv.cell("plain")).isEqualTo("plain");
        assertThat(Csv.cell(null)).isEmpty();
    }
}
