package io.rapport.core.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.EventTypes;
import io.rapport.api.event.NewEvent;
import io.rapport.core.Kernel;
import io.rapport.core.TestDb;
import io.rapport.core.customer.CustomerChanges;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.db.Db;
import io.rapport.core.json.Json;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Segments on a real kernel (H2, or PostgreSQL with -Drapport.test.db=postgresql): conditions, members, entries and exits. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SegmentsTest {

    @TempDir
    static Path dir;

    private TestDb db;
    private Kernel kernel;
    private SegmentStore segments;
    private UUID tenant;
    private Customer ann;
    private Customer bob;
    private Customer cid;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data")), Clock.systemUTC());
        segments = kernel.segments();
        tenant = kernel.access().createTenant("seg-" + UUID.randomUUID().toString().substring(0, 8), "Segment shop", "FR").id();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        // Ann: gold, vip, opted in, two orders this month, born 1990
        ann = customer("ann@example.com", "Ann", Map.of("plan", AttributeValue.of("gold"), "score", AttributeValue.of(new BigDecimal("120")),
                "birthday", AttributeValue.of(LocalDate.of(1990, 5, 1)), "interests", AttributeValue.of(List.of("shoes", "50%_off"))), Set.of("vip"),
                List.of(new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.GRANTED, "test", now)));
        // Bob: free, one order 200 days ago
        bob = customer("bob@example.com", "Bob", Map.of("plan", AttributeValue.of("free"), "score", AttributeValue.of(new BigDecimal("7"))), Set.of(),
                List.of(new Consent(Consent.PURPOSE_MARKETING, "email", ConsentStatus.WITHDRAWN, "test", now)));
        // Cid: nothing but an e-mail address
        cid = customer("cid@example.com", null, Map.of(), Set.of(), List.of());
        order(ann, now.minusDays(3), "a1");
        order(ann, now.minusDays(10), "a2");
        order(bob, now.minusDays(200), "b1");
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.customers().find(tenant, ann.id()).orElseThrow().orderCount() == 2
                && kernel.customers().find(tenant, bob.id()).orElseThrow().orderCount() == 1);
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    private Customer customer(String email, String first, Map<String, AttributeValue> attributes, Set<String> tags, List<Consent> consents) {
        Map<String, Optional<String>> fields = new java.util.LinkedHashMap<>();
        fields.put(CustomerJson.EMAIL, Optional.of(email));
        if (first != null) {
            fields.put(CustomerJson.FIRST_NAME, Optional.of(first));
        }
        Map<String, Optional<AttributeValue>> attrs = new java.util.LinkedHashMap<>();
        attributes.forEach((k, v) -> attrs.put(k, Optional.of(v)));
        return kernel.customers().create(tenant, new CustomerChanges(fields, Map.of(), attrs, tags, consents), "test");
    }

    private void order(Customer c, OffsetDateTime at, String id) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(EventTypes.ORDER_COMPLETED, List.of(Identifier.email(c.email())), true, at,
                Map.of(EventTypes.PROPERTY_TOTAL, new BigDecimal("50")), Map.of(), "order-" + id)));
    }

    private List<UUID> matching(String condition) {
        SegmentStore.Preview p = segments.preview(tenant, definition(condition), 10);
        assertThat(p.sample()).hasSize((int) Math.min(p.count(), 10));
        return p.sample();
    }

    private static JsonObject definition(String condition) {
        return Json.readObject("{\"condition\":" + condition + "}");
    }

    @Test
    void conditionsSelectTheProfilesTheyDescribe() {
        assertThat(matching("{\"tag\":\"vip\"}")).containsExactly(ann.id());
        assertThat(matching("{\"attribute\":\"plan\",\"op\":\"in\",\"value\":[\"gold\",\"pro\"]}")).containsExactly(ann.id());
        assertThat(matching("{\"attribute\":\"plan\",\"op\":\"ne\",\"value\":\"gold\"}")).containsExactlyInAnyOrder(bob.id(), cid.id());
        // numbers compare as numbers: 120 > 100 but "120" < "7" as text
        assertThat(matching("{\"attribute\":\"score\",\"op\":\"gt\",\"value\":100}")).containsExactly(ann.id());
        assertThat(matching("{\"attribute\":\"score\",\"op\":\"lt\",\"value\":100}")).containsExactly(bob.id());
        assertThat(matching("{\"attribute\":\"birthday\",\"op\":\"lt\",\"value\":\"2000-01-01\"}")).containsExactly(ann.id());
        assertThat(matching("{\"attribute\":\"score\",\"op\":\"missing\"}")).containsExactly(cid.id());
        // an item of a list, found literally (the % and _ are not wildcards)
        assertThat(matching("{\"attribute\":\"interests\",\"op\":\"contains\",\"value\":\"50%_off\"}")).containsExactly(ann.id());
        assertThat(matching("{\"attribute\":\"interests\",\"op\":\"contains\",\"value\":\"50\"}")).isEmpty();
        assertThat(matching("{\"consent\":{\"purpose\":\"marketing\",\"channel\":\"email\"}}")).containsExactly(ann.id());
        assertThat(matching("{\"consent\":{\"purpose\":\"marketing\",\"channel\":\"email\",\"status\":\"withdrawn\"}}")).containsExactly(bob.id());
        assertThat(matching("{\"profile\":\"firstName\",\"op\":\"missing\"}")).containsExactly(cid.id());
        assertThat(matching("{\"profile\":\"email\",\"op\":\"startsWith\",\"value\":\"bo\"}")).containsExactly(bob.id());
        assertThat(matching("{\"profile\":\"orderCount\",\"op\":\"gte\",\"value\":1}")).containsExactlyInAnyOrder(ann.id(), bob.id());
        assertThat(matching("{\"profile\":\"createdAt\",\"op\":\"withinLastDays\",\"value\":1}")).containsExactlyInAnyOrder(ann.id(), bob.id(), cid.id());
        // behaviour: bought twice in 90 days; no order in the last 30 days (whether or not ever)
        assertThat(matching("{\"event\":\"order.completed\",\"count\":{\"op\":\"gte\",\"value\":2},\"withinDays\":90}")).containsExactly(ann.id());
        assertThat(matching("{\"event\":\"order.completed\",\"count\":{\"op\":\"eq\",\"value\":0},\"withinDays\":30}"))
                .containsExactlyInAnyOrder(bob.id(), cid.id());
        assertThat(matching("{\"event\":\"order.completed\"}")).containsExactlyInAnyOrder(ann.id(), bob.id());
        // and, or, not
        assertThat(matching("{\"all\":[{\"event\":\"order.completed\"},{\"not\":{\"tag\":\"vip\"}}]}")).containsExactly(bob.id());
        assertThat(matching("{\"any\":[{\"tag\":\"vip\"},{\"profile\":\"firstName\",\"op\":\"missing\"}]}")).containsExactlyInAnyOrder(ann.id(), cid.id());
    }

    @Test
    void aSegmentKeepsItsMembersAndRecordsWhoEntersAndExits() {
        // the rows that builds, rebuilds and deletions commit are counted, for the vacuum they call for
        long bulk = segments.bulkRowsWritten();
        SegmentStore.Segment s = segments.create(tenant, "Buyers " + UUID.randomUUID(), "bought at least once",
                definition("{\"event\":\"order.completed\"}"));
        assertThat(s.members()).isEqualTo(2);
        assertThat(s.version()).isEqualTo(1);
        assertThat(s.timeDependent()).isFalse();
        List<UUID> all = new ArrayList<>(segments.members(tenant, s.id(), null, 1));
        all.addAll(segments.members(tenant, s.id(), all.get(0), 10));
        assertThat(all).containsExactlyInAnyOrder(ann.id(), bob.id());
        assertThat(segments.rebuild(tenant, s.id())).isEqualTo(new SegmentStore.Rebuild(2, 0, 0));
        assertThat(segments.bulkRowsWritten() - bulk).isEqualTo(2);

        // a new condition: Bob leaves, Cid joins; each move is an event on the customer's timeline
        SegmentStore.Segment t = segments.update(tenant, s.id(), s.name(), null,
                definition("{\"any\":[{\"tag\":\"vip\"},{\"profile\":\"firstName\",\"op\":\"missing\"}]}"));
        assertThat(t.version()).isEqualTo(2);
        assertThat(t.members()).isEqualTo(2);
        assertThat(segments.bulkRowsWritten() - bulk).isEqualTo(4);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            // the first members came with the segment (no event); Bob's exit and Cid's entry are moves
            assertThat(types(bob, s.id())).containsExactly(EventTypes.SEGMENT_EXITED);
            assertThat(types(cid, s.id())).containsExactly(EventTypes.SEGMENT_ENTERED);
            assertThat(types(ann, s.id())).isEmpty();
        });
        assertThat(kernel.events().timeline(tenant, cid.id(), List.of(EventTypes.SEGMENT_ENTERED), null, 5).events()).singleElement()
                .satisfies(e -> assertThat(e.properties()).containsEntry(EventTypes.PROPERTY_SEGMENT_ID, s.id().toString())
                        .containsEntry(EventTypes.PROPERTY_SEGMENT_NAME, s.name()));

        // deleting the segment: everyone exits
        segments.delete(tenant, s.id());
        assertThat(segments.find(tenant, s.id())).isEmpty();
        assertThat(segments.bulkRowsWritten() - bulk).isEqualTo(6);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(types(cid, s.id())).containsExactly(EventTypes.SEGMENT_EXITED, EventTypes.SEGMENT_ENTERED));
    }

    @Test
    void membersFollowEventsAndProfileChangesWithoutARebuild() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Customer dee = customer("dee-" + run + "@example.com", "Dee", Map.of(), Set.of(), List.of());
        SegmentStore.Segment twice = segments.create(tenant, "Twice " + run, null,
                definition("{\"all\":[{\"event\":\"order.completed\",\"count\":{\"op\":\"gte\",\"value\":2},\"withinDays\":90},"
                        + "{\"profile\":\"email\",\"op\":\"startsWith\",\"value\":\"dee-" + run + "\"}]}"));
        SegmentStore.Segment club = segments.create(tenant, "Club " + run, null, definition("{\"tag\":\"club-" + run + "\"}"));
        assertThat(twice.members()).isZero();
        assertThat(club.members()).isZero();
        assertThat(twice.timeDependent()).isTrue();

        // two orders: Dee enters the first segment as the events are projected, with no rebuild
        order(dee, OffsetDateTime.now(ZoneOffset.UTC).minusDays(1), run + "-1");
        order(dee, OffsetDateTime.now(ZoneOffset.UTC).minusDays(2), run + "-2");
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, twice.id(), null, 10).contains(dee.id()));
        assertThat(segments.find(tenant, twice.id()).orElseThrow().members()).isEqualTo(1);

        // a change of the profile through the kernel: Dee enters the club; taking the tag away, she leaves it
        kernel.customers().update(tenant, dee.id(), new CustomerChanges(Map.of(), Map.of(), Map.of(), Set.of("club-" + run), List.of()), "test");
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, club.id(), null, 10).contains(dee.id()));
        kernel.customers().update(tenant, dee.id(), new CustomerChanges(Map.of(), Map.of(), Map.of(), Set.of(), List.of()), "test");
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, club.id(), null, 10).isEmpty());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(types(dee, club.id()))
                .containsExactly(EventTypes.SEGMENT_EXITED, EventTypes.SEGMENT_ENTERED));
        assertThat(segments.find(tenant, club.id()).orElseThrow().members()).isZero();
        // the traits of an event change an attribute: the relay reports the profile, the segment follows
        SegmentStore.Segment tier = segments.create(tenant, "Tier " + run, null,
                definition("{\"attribute\":\"tier\",\"op\":\"eq\",\"value\":\"gold-" + run + "\"}"));
        kernel.events().append(tenant, "test", List.of(new NewEvent(EventTypes.PAGE_VIEWED, List.of(Identifier.email(dee.email())), true,
                OffsetDateTime.now(ZoneOffset.UTC), Map.of(), Map.of("tier", AttributeValue.of("gold-" + run)), null)));
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, tier.id(), null, 10).contains(dee.id()));
        // what the evaluator kept is what a rebuild finds
        assertThat(segments.rebuild(tenant, twice.id())).isEqualTo(new SegmentStore.Rebuild(1, 0, 0));
        assertThat(segments.rebuild(tenant, club.id())).isEqualTo(new SegmentStore.Rebuild(0, 0, 0));
    }

    @Test
    void aBatchOfManyCustomersIsEvaluatedInLanesAndKeepsCountsARebuildAgreesWith() {
        // one append, one relay batch: on PostgreSQL its customers are split over the lanes, which evaluate at once
        String run = UUID.randomUUID().toString().substring(0, 8);
        SegmentStore.Segment buyers = segments.create(tenant, "Buyers " + run, null,
                definition("{\"all\":[{\"event\":\"order.completed\",\"count\":{\"op\":\"gte\",\"value\":1}},"
                        + "{\"profile\":\"email\",\"op\":\"startsWith\",\"value\":\"lane-" + run + "\"}]}"));
        SegmentStore.Segment big = segments.create(tenant, "Big buyers " + run, null,
                definition("{\"all\":[{\"event\":\"order.completed\",\"sum\":{\"property\":\"total\",\"op\":\"gte\",\"value\":100}},"
                        + "{\"profile\":\"email\",\"op\":\"startsWith\",\"value\":\"lane-" + run + "\"}]}"));
        int customers = 32;
        List<NewEvent> orders = new java.util.ArrayList<>();
        for (int i = 0; i < customers; i++) {
            orders.add(new NewEvent(EventTypes.ORDER_COMPLETED, List.of(Identifier.email("lane-" + run + "-" + i + "@example.com")), true,
                    OffsetDateTime.now(ZoneOffset.UTC), Map.of(EventTypes.PROPERTY_TOTAL, new BigDecimal(i % 2 == 0 ? "150" : "50")), Map.of(),
                    "lane-" + run + "-" + i));
        }
        kernel.events().append(tenant, "test", orders);
        // rebuilds meanwhile take the segment's lock exclusive, which excludes the lanes: whichever goes first, the end is the same
        for (int i = 0; i < 3; i++) {
            segments.rebuild(tenant, buyers.id());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, buyers.id(), null, 100).size() == customers
                && segments.members(tenant, big.id(), null, 100).size() == customers / 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.segmentEvaluator().idle());
        assertThat(segments.find(tenant, buyers.id()).orElseThrow().members()).isEqualTo(customers);
        assertThat(segments.find(tenant, big.id()).orElseThrow().members()).isEqualTo(customers / 2);
        assertThat(segments.rebuild(tenant, buyers.id())).isEqualTo(new SegmentStore.Rebuild(customers, 0, 0));
        assertThat(segments.rebuild(tenant, big.id())).isEqualTo(new SegmentStore.Rebuild(customers / 2, 0, 0));
    }

    @Test
    void aSegmentEditedBetweenBatchesIsEvaluatedWithItsNewVersion() throws SQLException {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Customer eve = customer("eve-" + run + "@example.com", "Eve", Map.of(), Set.of(), List.of());
        Customer fay = customer("fay-" + run + "@example.com", "Fay", Map.of(), Set.of(), List.of());
        SegmentStore.Segment s = segments.create(tenant, "Edited " + run, null, definition("{\"tag\":\"a-" + run + "\"}"));
        tags(eve, "a-" + run);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, s.id(), null, 10).contains(eve.id()));

        // edited through the store (Eve leaves with the rebuild): the next change is evaluated with the new condition
        segments.update(tenant, s.id(), s.name(), null, definition("{\"tag\":\"b-" + run + "\"}"));
        assertThat(segments.members(tenant, s.id(), null, 10)).isEmpty();
        tags(eve, "b-" + run);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, s.id(), null, 10).contains(eve.id()));

        // edited behind the store's back (another server): the version tells the evaluator to read the condition again
        editElsewhere(s.id(), "{\"condition\":{\"tag\":\"c-" + run + "\"}}");
        tags(fay, "c-" + run);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, s.id(), null, 10).contains(fay.id()));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(types(fay, s.id())).containsExactly(EventTypes.SEGMENT_ENTERED));
        assertThat(kernel.events().timeline(tenant, fay.id(), List.of(EventTypes.SEGMENT_ENTERED), null, 5).events()).singleElement()
                .satisfies(e -> assertThat(String.valueOf(e.properties().get("version"))).isEqualTo("3"));
    }

    @Test
    void aSegmentEditedOnAnotherServerToReadAnEventTypeIsEvaluatedAtThatTypesNextEvent() throws SQLException {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String one = "stale.one" + run;
        String two = "stale.two" + run;
        Customer ida = customer("ida-" + run + "@example.com", "Ida", Map.of(), Set.of(), List.of());
        Customer jon = customer("jon-" + run + "@example.com", "Jon", Map.of(), Set.of(), List.of());
        SegmentStore.Segment first = segments.create(tenant, "Reads one " + run, null, definition("{\"event\":\"" + one + "\"}"));
        SegmentStore.Segment other = segments.create(tenant, "Edited elsewhere " + run, null, definition("{\"tag\":\"never-" + run + "\"}"));
        event(ida, one);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, first.id(), null, 10).contains(ida.id()));

        // the evaluator knows the other segment as a tag's: an event of type one concerns the first segment only, and
        // the check under its lock finds the other's new version
        editElsewhere(other.id(), "{\"condition\":{\"event\":\"" + one + "\"}}");
        event(ida, one);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, other.id(), null, 10).contains(ida.id()));

        // an event of type two concerns none of the segments it knows: it reads them again rather than evaluate nothing
        editElsewhere(other.id(), "{\"condition\":{\"event\":\"" + two + "\"}}");
        event(jon, two);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, other.id(), null, 10).contains(jon.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.segmentEvaluator().idle());
        assertThat(types(jon, other.id())).containsExactly(EventTypes.SEGMENT_ENTERED);
        assertThat(segments.members(tenant, first.id(), null, 10)).containsExactly(ida.id());
    }

    /** Edits a segment's definition as another server would: the row only, with its version. */
    private void editElsewhere(UUID segment, String definition) throws SQLException {
        try (java.sql.Connection c = db.dataSource().getConnection();
             java.sql.PreparedStatement ps = c.prepareStatement("UPDATE segment SET definition = ?, version = version + 1 WHERE id = ?")) {
            ps.setString(1, definition);
            ps.setObject(2, segment);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private void event(Customer c, String type) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(type, List.of(Identifier.email(c.email())), true, OffsetDateTime.now(ZoneOffset.UTC),
                Map.of(), Map.of(), type + "-" + UUID.randomUUID())));
    }

    @Test
    void anEditCommittedWhileAnEvaluationWaitsForTheSegmentsLockIsTheVersionEvaluated() throws Exception {
        assumeTrue(TestDb.postgres(), "PostgreSQL's advisory locks");
        String run = UUID.randomUUID().toString().substring(0, 8);
        Customer gil = customer("gil-" + run + "@example.com", "Gil", Map.of(), Set.of(), List.of());
        Customer hal = customer("hal-" + run + "@example.com", "Hal", Map.of(), Set.of(), List.of());
        SegmentStore.Segment s = segments.create(tenant, "Waited " + run, null, definition("{\"tag\":\"a-" + run + "\"}"));
        tags(gil, "a-" + run);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, s.id(), null, 10).contains(gil.id()));

        // another server edits the segment holding its lock: the evaluator reads the old version, then waits for the lock
        try (java.sql.Connection c = db.dataSource().getConnection()) {
            c.setAutoCommit(false);
            Db.list(c, "SELECT pg_advisory_xact_lock(?, ?)", List.of(SegmentStore.ADVISORY_CLASS, SegmentStore.advisoryKey(s.id())), rs -> 1);
            assertThat(Db.update(c, "UPDATE segment SET definition = ?, version = version + 1 WHERE id = ?",
                    "{\"condition\":{\"tag\":\"b-" + run + "\"}}", s.id())).isEqualTo(1);
            tags(hal, "b-" + run);
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingForAdvisoryLock(SegmentStore.advisoryKey(s.id())));
            c.commit();
        }
        // what it read first is stale: it reads again under the lock and evaluates the new condition
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, s.id(), null, 10).contains(hal.id()));
        assertThat(kernel.events().timeline(tenant, hal.id(), List.of(EventTypes.SEGMENT_ENTERED), null, 5).events()).singleElement()
                .satisfies(e -> assertThat(String.valueOf(e.properties().get("version"))).isEqualTo("2"));
    }

    @Test
    void aSegmentHasACountStripeForEveryLaneAndItsCountAddsThem() throws SQLException {
        assertThat(SegmentStore.STRIPES).isEqualTo(SegmentEvaluator.MAX_LANES);
        String run = UUID.randomUUID().toString().substring(0, 8);
        SegmentStore.Segment s = segments.create(tenant, "Striped " + run, null, definition("{\"tag\":\"striped-" + run + "\"}"));
        try (java.sql.Connection c = db.dataSource().getConnection()) {
            List<Integer> stripes = Db.list(c, "SELECT stripe FROM segment_count WHERE segment_id = ? ORDER BY stripe", List.of(s.id()), rs -> rs.getInt(1));
            assertThat(stripes).containsExactlyElementsOf(java.util.stream.IntStream.range(0, SegmentStore.STRIPES).boxed().toList());
        }
        long before = segments.find(tenant, s.id()).orElseThrow().members();
        if (TestDb.postgres()) {
            // a stripe missing (a segment made by other code, more lanes than it has stripes) is made by the addition
            try (java.sql.Connection c = db.dataSource().getConnection()) {
                Db.update(c, "DELETE FROM segment_count WHERE segment_id = ?", s.id());
            }
        }
        Customer ivy = customer("ivy-" + run + "@example.com", "Ivy", Map.of(), Set.of(), List.of());
        tags(ivy, "striped-" + run);
        await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(tenant, s.id(), null, 100).contains(ivy.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.segmentEvaluator().idle());
        assertThat(segments.find(tenant, s.id()).orElseThrow().members()).isEqualTo(before + 1);
        kernel.customers().erase(tenant, ivy.id()); // the other tests count this tenant's profiles
        segments.delete(tenant, s.id());
    }

    private boolean waitingForAdvisoryLock(int key) throws SQLException {
        try (java.sql.Connection c = db.dataSource().getConnection()) {
            return Db.list(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = ? AND objid = ? AND NOT granted",
                    List.of((long) SegmentStore.ADVISORY_CLASS, Integer.toUnsignedLong(key)), rs -> rs.getLong(1)).get(0) > 0;
        }
    }

    @Test
    void aFirstBuildThatFindsMembersTheEvaluatorAddedMeanwhileKeepsThemAndDropsTheOthers() throws SQLException {
        // the evaluator may add members between a segment's creation and its first build: that build then merges
        SegmentStore.Segment s = segments.create(tenant, "First " + UUID.randomUUID(), null, definition("{\"tag\":\"vip\"}"));
        assertThat(segments.members(tenant, s.id(), null, 10)).containsExactly(ann.id());
        try (java.sql.Connection c = db.dataSource().getConnection()) {
            try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE segment SET rebuilt_at = NULL WHERE id = ?")) {
                ps.setObject(1, s.id());
                ps.executeUpdate();
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO segment_member (segment_id, customer_id, tenant_id, since) VALUES (?,?,?,?)")) {
                ps.setObject(1, s.id());
                ps.setObject(2, bob.id());
                ps.setObject(3, tenant);
                ps.setObject(4, OffsetDateTime.now(ZoneOffset.UTC));
                ps.executeUpdate();
            }
        }
        assertThat(segments.rebuild(tenant, s.id())).isEqualTo(new SegmentStore.Rebuild(1, 0, 1));
        assertThat(segments.members(tenant, s.id(), null, 10)).containsExactly(ann.id());
        assertThat(segments.find(tenant, s.id()).orElseThrow().members()).isEqualTo(1);
        // a first build inserts in one statement and reports its members as entries
        SegmentStore.Segment t = segments.create(tenant, "First again " + UUID.randomUUID(), null, definition("{\"event\":\"order.completed\"}"));
        assertThat(t.members()).isEqualTo(2);
        assertThat(segments.members(tenant, t.id(), null, 10)).containsExactlyInAnyOrder(ann.id(), bob.id());
    }

    private void tags(Customer c, String... tags) {
        kernel.customers().update(tenant, c.id(), new CustomerChanges(Map.of(), Map.of(), Map.of(), Set.of(tags), List.of()), "test");
    }

    @Test
    void rfmScoresGroupCustomersAndSegmentsReadThem() {
        UUID own = kernel.access().createTenant("rfm-" + UUID.randomUUID().toString().substring(0, 8), "RFM shop", "FR").id();
        UUID keep = tenant;
        tenant = own;
        try {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            Customer x = customer("x@example.com", "Xia", Map.of(), Set.of(), List.of());
            Customer y = customer("y@example.com", "Yan", Map.of(), Set.of(), List.of());
            Customer z = customer("z@example.com", "Zoe", Map.of(), Set.of(), List.of());
            for (int i = 1; i <= 3; i++) {
                order(x, now.minusDays(i), "x" + i + own);
            }
            order(y, now.minusDays(200), "y1" + own);
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.customers().find(own, x.id()).orElseThrow().orderCount() == 3
                    && kernel.customers().find(own, y.id()).orElseThrow().orderCount() == 1);
            SegmentStore.Segment lost = segments.create(own, "Lost", null, definition("{\"rfm\":\"group\",\"op\":\"eq\",\"value\":\"lost\"}"));

            // two customers with orders: the ranks 0 and 1 of 2 score 1 and 1 + 1 * 5 / 2 = 3
            Rfm.Score sx = segments.rfm().score(own, x.id()).orElseThrow();
            assertThat(sx).isEqualTo(new Rfm.Score(x.id(), 1, 3, sx.monetary(), 3, 3, 3, "need_attention"));
            assertThat(sx.monetary()).isEqualByComparingTo("150");
            assertThat(segments.rfm().score(own, y.id()).orElseThrow().group()).isEqualTo("lost");
            assertThat(segments.rfm().score(own, z.id())).isEmpty();
            assertThat(segments.rfm().groups(own)).containsEntry("need_attention", 1L).containsEntry("lost", 1L).containsEntry("champions", 0L);
            assertThat(segments.members(own, lost.id(), null, 10)).containsExactly(y.id());
            assertThat(matching("{\"rfm\":\"r\",\"op\":\"gte\",\"value\":3}")).containsExactly(x.id());
            assertThat(matching("{\"rfm\":\"group\",\"op\":\"missing\"}")).containsExactly(z.id());
            assertThat(problems("{\"condition\":{\"rfm\":\"group\",\"op\":\"eq\",\"value\":\"vips\"}}"))
                    .anySatisfy(e -> assertThat(e.detail()).contains("champions"));

            // a recomputation rebuilds the segments that read the scores
            order(z, now.minusDays(300), "z1" + own);
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.customers().find(own, z.id()).orElseThrow().orderCount() == 1);
            assertThat(segments.computeRfm(own, 365).customers()).isEqualTo(3);
            assertThat(segments.members(own, lost.id(), null, 10)).containsExactly(z.id());
        } finally {
            tenant = keep;
        }
    }

    @Test
    void sumsAndAveragesOfAnEventPropertySelectTheProfilesTheyDescribe() {
        UUID own = kernel.access().createTenant("sum-" + UUID.randomUUID().toString().substring(0, 8), "Sum shop", "FR").id();
        UUID keep = tenant;
        tenant = own;
        try {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            Customer x = customer("x@example.com", "Xia", Map.of(), Set.of(), List.of());
            Customer y = customer("y@example.com", "Yan", Map.of(), Set.of(), List.of());
            Customer z = customer("z@example.com", "Zoe", Map.of(), Set.of(), List.of());
            // Xia: 80 and 40 within 90 days, 1000 long ago
            order(x, now.minusDays(5), "x1" + own, Map.of("total", new BigDecimal("80")));
            order(x, now.minusDays(20), "x2" + own, Map.of("total", 40));
            order(x, now.minusDays(200), "x3" + own, Map.of("total", new BigDecimal("1e3")));
            // Yan: 30 and 12.5 within 90 days; what is not a number is left out, and breaks nothing
            order(y, now.minusDays(2), "y1" + own, Map.of("total", 30));
            order(y, now.minusDays(3), "y2" + own, Map.of("total", new BigDecimal("12.5")));
            order(y, now.minusDays(4), "y3" + own, Map.of("total", "lots"));
            order(y, now.minusDays(4), "y4" + own, Map.of("total", "7"));
            order(y, now.minusDays(4), "y5" + own, Map.of("total", Map.of("amount", 5)));
            order(y, now.minusDays(4), "y6" + own, Map.of("total", true));
            order(y, now.minusDays(4), "y7" + own, Map.of("other", 99));
            // Zoe: no order
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.customers().find(own, x.id()).orElseThrow().orderCount() == 3
                    && kernel.customers().find(own, y.id()).orElseThrow().orderCount() == 7);

            assertThat(matching(sum("sum", "gte", "100", 90))).containsExactly(x.id());
            assertThat(matching(sum("sum", "gte", "100", null))).containsExactly(x.id());
            assertThat(matching(sum("sum", "gt", "1000", null))).containsExactly(x.id());
            assertThat(matching(sum("sum", "eq", "42.5", 90))).containsExactly(y.id());
            // a sum over no number is 0: Zoe spent less than 50
            assertThat(matching(sum("sum", "lt", "50", 90))).containsExactlyInAnyOrder(y.id(), z.id());
            assertThat(matching(sum("sum", "eq", "0", 1))).containsExactlyInAnyOrder(x.id(), y.id(), z.id());
            // an average over no number has no value: Zoe is in neither
            assertThat(matching(sum("avg", "gte", "50", 90))).containsExactly(x.id());
            assertThat(matching(sum("avg", "lt", "50", 90))).containsExactly(y.id());
            assertThat(matching(sum("avg", "eq", "21.25", 90))).containsExactly(y.id());
            assertThat(matching("{\"not\":" + sum("avg", "gte", "50", 90) + "}")).containsExactlyInAnyOrder(y.id(), z.id());

            // a segment on a sum follows the orders as they come, evaluated among a few customers
            SegmentStore.Segment big = segments.create(own, "Big spenders", null, definition(sum("sum", "gte", "100", 90)));
            assertThat(big.timeDependent()).isTrue();
            assertThat(segments.members(own, big.id(), null, 10)).containsExactly(x.id());
            SegmentStore.Segment avg = segments.create(own, "Small baskets", null, definition(sum("avg", "lt", "50", 90)));
            assertThat(segments.members(own, avg.id(), null, 10)).containsExactly(y.id());
            // a second segment with the same condition: evaluated by the same column of the same query
            SegmentStore.Segment same = segments.create(own, "Big spenders too", null, definition(sum("sum", "gte", "100", 90)));
            order(y, now.minusDays(1), "y8" + own, Map.of("total", new BigDecimal("157.5")));
            await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(own, big.id(), null, 10).contains(y.id()));
            await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(own, same.id(), null, 10).contains(y.id()));
            await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(own, avg.id(), null, 10).isEmpty());
            order(z, now.minusDays(1), "z1" + own, Map.of("total", 10));
            await().atMost(Duration.ofSeconds(10)).until(() -> segments.members(own, avg.id(), null, 10).contains(z.id()));
            // what the evaluator kept is what a rebuild finds
            assertThat(segments.rebuild(own, big.id())).isEqualTo(new SegmentStore.Rebuild(2, 0, 0));
            assertThat(segments.rebuild(own, avg.id())).isEqualTo(new SegmentStore.Rebuild(1, 0, 0));
        } finally {
            tenant = keep;
        }
    }

    private static String sum(String fn, String op, String value, Integer withinDays) {
        return "{\"event\":\"order.completed\",\"" + fn + "\":{\"property\":\"total\",\"op\":\"" + op + "\",\"value\":" + value + "}"
                + (withinDays == null ? "" : ",\"withinDays\":" + withinDays) + "}";
    }

    private void order(Customer c, OffsetDateTime at, String id, Map<String, Object> properties) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(EventTypes.ORDER_COMPLETED, List.of(Identifier.email(c.email())), true, at,
                properties, Map.of(), "order-" + id)));
    }

    @Test
    void sumsAndAveragesAreReEvaluatedOnTheirEventType() {
        SegmentEvaluator.References refs = SegmentEvaluator.References.of(Conditions.parse(Json.readObject(
                "{\"event\":\"cart.updated\",\"avg\":{\"property\":\"items\",\"op\":\"gt\",\"value\":2}}"), "/condition"));
        assertThat(refs.affectedBy("cart.updated")).isTrue();
        assertThat(refs.affectedBy(EventTypes.PAGE_VIEWED)).isFalse();
        assertThat(refs.affectedBy(null)).isTrue();
    }

    /** The customer's entries and exits of segment {@code s}, latest first. */
    private List<String> types(Customer c, UUID s) {
        return kernel.events().timeline(tenant, c.id(), List.of(EventTypes.SEGMENT_ENTERED, EventTypes.SEGMENT_EXITED), null, 50).events().stream()
                .filter(e -> s.toString().equals(e.properties().get(EventTypes.PROPERTY_SEGMENT_ID))).map(io.rapport.api.event.Event::type).toList();
    }

    @Test
    void badConditionsAreRefusedWithWhereAndWhy() {
        assertThat(problems("{\"condition\":{\"tag\":\"vip\",\"attribute\":\"plan\"}}")).anySatisfy(e -> assertThat(e.detail()).contains("wrap them"));
        assertThat(problems("{\"condition\":{\"profile\":\"shoeSize\",\"op\":\"eq\",\"value\":1}}"))
                .anySatisfy(e -> assertThat(e.field()).isEqualTo("/condition/profile"));
        assertThat(problems("{\"condition\":{\"all\":[{\"tag\":\"a\"},{\"attribute\":\"plan\",\"op\":\"like\",\"value\":\"x\"}]}}"))
                .anySatisfy(e -> assertThat(e.field()).isEqualTo("/condition/all/1/op"));
        assertThat(problems("{\"condition\":{\"event\":\"order.completed\",\"count\":{\"op\":\"gte\",\"value\":-1}}}"))
                .anySatisfy(e -> assertThat(e.field()).isEqualTo("/condition/count/value"));
        assertThat(problems("{\"condition\":{\"profile\":\"revenue\",\"op\":\"gt\",\"value\":\"a lot\"}}"))
                .anySatisfy(e -> assertThat(e.detail()).contains("compares numbers"));
        assertThat(problems("{\"condition\":{\"script\":\"1==1\"}}")).anySatisfy(e -> assertThat(e.detail()).contains("names no condition"));
        assertThat(problems("{\"condition\":{\"tag\":\"vip\"},\"extra\":1}")).anySatisfy(e -> assertThat(e.field()).isEqualTo("/extra"));
        // sums and averages: a property's name is required, and is a name, never SQL
        assertThat(problems("{\"condition\":{\"event\":\"order.completed\",\"sum\":{\"op\":\"gte\",\"value\":100}}}"))
                .anySatisfy(e -> {
                    assertThat(e.field()).isEqualTo("/condition/sum/property");
                    assertThat(e.detail()).contains("required");
                });
        assertThat(problems("{\"condition\":{\"event\":\"order.completed\",\"avg\":{\"property\":\"total\\\") OR 1=1 --\",\"op\":\"gte\",\"value\":1}}}"))
                .anySatisfy(e -> assertThat(e.field()).isEqualTo("/condition/avg/property"));
        assertThat(problems("{\"condition\":{\"event\":\"order.completed\",\"avg\":{\"property\":\"total\",\"op\":\"in\",\"value\":1}}}"))
                .anySatisfy(e -> assertThat(e.field()).isEqualTo("/condition/avg/op"));
        assertThat(problems("{\"condition\":{\"event\":\"order.completed\",\"sum\":{\"property\":\"total\",\"op\":\"gt\",\"value\":\"100\"}}}"))
                .anySatisfy(e -> assertThat(e.field()).isEqualTo("/condition/sum/value"));
        assertThat(problems("{\"condition\":{\"event\":\"order.completed\",\"sum\":\"total\"}}"))
                .anySatisfy(e -> assertThat(e.field()).isEqualTo("/condition/sum"));
        assertThat(problems("{\"condition\":{\"event\":\"order.completed\",\"count\":{\"op\":\"gte\",\"value\":1},"
                + "\"sum\":{\"property\":\"total\",\"op\":\"gt\",\"value\":1}}}")).anySatisfy(e -> assertThat(e.detail()).contains("one of count, sum or avg"));
        String deep = "{\"tag\":\"x\"}";
        for (int i = 0; i < Conditions.MAX_DEPTH + 1; i++) {
            deep = "{\"not\":" + deep + "}";
        }
        assertThat(problems("{\"condition\":" + deep + "}")).anySatisfy(e -> assertThat(e.detail()).contains("nest at most"));

        String name = "Unique " + UUID.randomUUID();
        segments.create(tenant, name, null, definition("{\"tag\":\"vip\"}"));
        assertThatThrownBy(() -> segments.create(tenant, name, null, definition("{\"tag\":\"vip\"}"))).isInstanceOf(ConflictException.class);
    }

    private List<FieldError> problems(String json) {
        try {
            segments.preview(tenant, Json.readObject(json), 1);
        } catch (InvalidInputException e) {
            return e.errors();
        }
        throw new AssertionError("accepted: " + json);
    }
}
