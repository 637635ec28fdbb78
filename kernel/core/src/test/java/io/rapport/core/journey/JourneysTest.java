package io.rapport.core.journey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpServer;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.EventTypes;
import io.rapport.api.event.NewEvent;
import io.rapport.core.Kernel;
import io.rapport.core.TestClock;
import io.rapport.core.TestDb;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.json.Json;
import io.rapport.core.plugin.PluginHost;
import io.rapport.core.plugin.TestBundles;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.spi.channel.OutboundMessage;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journeys on a real kernel (H2, or PostgreSQL with -Drapport.test.db=postgresql) with a recording email channel and
 * the simulated clock: the worker runs only when the test says ({@link JourneyEngine#runDue()}), at the time the test
 * set.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JourneysTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestDb db;
    private Kernel kernel;
    private UUID tenant;
    private JourneyEngine engine;
    private Supplier<List<OutboundMessage>> email;
    private final List<UUID> published = new ArrayList<>();

    @BeforeAll
    @SuppressWarnings("unchecked")
    void start() {
        db = TestDb.fresh();
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data")).withPlugins(new PluginHost.Settings(dir.resolve("felix"), null))
                .withJourneys(JourneyEngine.Settings.manual()), clock);
        tenant = kernel.defaultTenant().id();
        engine = kernel.journeyEngine();
        kernel.plugins().install(TestBundles.recordingChannel("fixture.email", "email"), true, tenant, "tester");
        email = (Supplier<List<OutboundMessage>>) await().atMost(WAIT).until(() -> kernel.whiteboard().channel("email"), Optional::isPresent).get();
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    // --- templates, end to end -------------------------------------------------------------------------------

    @Test
    void anAbandonedCartGetsItsItemsInTheReminderAndAnOrderEndsTheJourney() {
        JourneyStore.View j = publish("cart " + UUID.randomUUID(), JourneyTemplates.instantiate("abandoned-cart", tenant, kernel.segments()));
        Customer ann = customer("ann-" + UUID.randomUUID() + "@example.com", "Ann");

        event(ann, EventTypes.CART_UPDATED, Map.of("items", List.of(Map.of("name", "Red shoes", "quantity", 1, "price", "59.90")),
                "url", "https://shop.example.com/cart"));
        JourneyStore.RunView run = awaitRun(j, ann);
        drain();
        assertThat(run(j, ann).state()).isEqualTo("waiting");
        assertThat(run(j, ann).step()).isEqualTo("waitOrder");

        clock.advance(Duration.ofMinutes(61));
        drain();
        assertThat(sentTo(ann)).singleElement().satisfies(m -> {
            assertThat(m.subject()).isEqualTo("You left something in your cart");
            assertThat(m.text()).contains("Hello Ann").contains("- Red shoes × 1 (59.90)").contains("https://shop.example.com/cart");
            assertThat(m.html()).contains("<li>Red shoes × 1 (59.90)</li>");
        });
        assertThat(run(j, ann).step()).isEqualTo("waitAgain");

        clock.advance(Duration.ofMinutes(10));
        event(ann, EventTypes.ORDER_COMPLETED, Map.of(EventTypes.PROPERTY_TOTAL, "59.90"));
        await().atMost(WAIT).until(() -> run(j, ann).convertedAt() != null);
        drain();
        JourneyStore.RunView done = run(j, ann);
        assertThat(done.id()).isEqualTo(run.id());
        assertThat(done.state()).isEqualTo("exited");
        assertThat(done.exitReason()).isEqualTo("goal reached");
        assertThat(sentTo(ann)).hasSize(1);
        assertThat(kernel.journeys().steps(tenant, run.id())).extracting(JourneyStore.TakenView::outcome)
                .containsExactly("waiting", "timeout", "sent", "waiting", "exited");

        JourneyAnalytics.Report r = kernel.journeyAnalytics().report(tenant, j.id());
        assertThat(r.entered()).isEqualTo(1);
        assertThat(r.converted()).isEqualTo(1);
        assertThat(r.exited()).isEqualTo(1);
        assertThat(r.steps()).extracting(JourneyAnalytics.StepStats::step).startsWith("waitOrder", "reminder", "waitAgain", "lastCall");
        assertThat(r.steps().get(1).outcomes()).containsEntry("sent", 1L);
    }

    @Test
    void anOrderWithinTheHourEndsTheWaitAtOnceWithoutAMessage() {
        JourneyStore.View j = publish("cart " + UUID.randomUUID(), JourneyTemplates.instantiate("abandoned-cart", tenant, kernel.segments()));
        Customer bo = customer("bo-" + UUID.randomUUID() + "@example.com", "Bo");
        event(bo, EventTypes.CART_UPDATED, Map.of("items", List.of()));
        awaitRun(j, bo);
        drain();
        clock.advance(Duration.ofMinutes(20));
        event(bo, EventTypes.ORDER_COMPLETED, Map.of(EventTypes.PROPERTY_TOTAL, "10"));
        await().atMost(WAIT).until(() -> run(j, bo).convertedAt() != null);
        drain();
        assertThat(run(j, bo).state()).isIn("exited", "completed");
        assertThat(sentTo(bo)).isEmpty();
    }

    @Test
    void theWelcomeSeriesSplitsThoseWhoDidNotOrderAndTagsThoseWhoDid() {
        advanceTo(LocalTime.of(10, 0)); // outside its quiet hours
        JourneyStore.View j = publish("welcome " + UUID.randomUUID(), JourneyTemplates.instantiate("welcome", tenant, kernel.segments()));
        List<Customer> people = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            people.add(customer("w" + i + "-" + UUID.randomUUID() + "@example.com", "W" + i));
        }
        await().atMost(WAIT).until(() -> kernel.journeys().runs(tenant, j.id(), null, null, 100).size() == 40);
        drain();
        assertThat(people).allSatisfy(p -> assertThat(sentTo(p)).singleElement().satisfies(m -> assertThat(m.subject()).startsWith("Welcome, W")));
        event(people.get(0), EventTypes.ORDER_COMPLETED, Map.of(EventTypes.PROPERTY_TOTAL, "20"));
        await().atMost(WAIT).until(() -> kernel.customers().find(tenant, people.get(0).id()).orElseThrow().orderCount() == 1);
        clock.advance(Duration.ofDays(2).plusMinutes(1));
        drain();
        assertThat(kernel.customers().find(tenant, people.get(0).id()).orElseThrow().tags()).contains("activated");
        assertThat(sentTo(people.get(0))).hasSize(1);
        List<String> subjects = people.subList(1, 40).stream().map(p -> sentTo(p).get(1).subject()).toList();
        assertThat(subjects).contains("10% off your first order", "A welcome gift is waiting for you");
        JourneyAnalytics.Report r = kernel.journeyAnalytics().report(tenant, j.id());
        assertThat(r.arms()).extracting(JourneyAnalytics.Arm::name).containsExactly("A", "B");
        assertThat(r.arms().get(0).entered() + r.arms().get(1).entered()).isEqualTo(39);
        assertThat(r.converted()).isEqualTo(1);
        assertThat(r.completed()).isEqualTo(40);
    }

    // --- versions, rules -----------------------------------------------------------------------------------

    @Test
    void customersInsideStayOnTheirVersionWhenALiveJourneyIsEdited() {
        String name = "versions " + UUID.randomUUID();
        JourneyStore.View j = publish(name, waitThenSend("manual", "P1D", "Version one"));
        Customer early = customer("early-" + UUID.randomUUID() + "@example.com", null);
        engine.enrol(tenant, j.id(), List.of(early.id()));
        drain();
        kernel.journeys().update(tenant, j.id(), name, null, waitThenSend("manual", "P1D", "Version two"));
        kernel.journeys().publish(tenant, j.id(), "tester");
        Customer late = customer("late-" + UUID.randomUUID() + "@example.com", null);
        engine.enrol(tenant, j.id(), List.of(late.id()));
        drain();
        clock.advance(Duration.ofDays(1).plusSeconds(1));
        drain();
        assertThat(sentTo(early)).singleElement().satisfies(m -> assertThat(m.text()).isEqualTo("Version one"));
        assertThat(sentTo(late)).singleElement().satisfies(m -> assertThat(m.text()).isEqualTo("Version two"));
        assertThat(run(j, early).version()).isEqualTo(1);
        assertThat(run(j, late).version()).isEqualTo(2);
    }

    @Test
    void reentryQuietHoursAndTheFrequencyCapApply() {
        JsonObject def = Json.readObject("""
                {"trigger": {"type": "event", "event": "page.viewed"}, "reentry": {"mode": "afterDays", "days": 7},
                 "quietHours": {"start": "21:00", "end": "08:00"}, "frequencyCap": {"messages": 1, "days": 7},
                 "start": "one", "steps": {
                   "one": {"type": "send", "channel": "email", "text": "First", "next": "two"},
                   "two": {"type": "send", "channel": "email", "text": "Second", "next": null}}}""");
        JourneyStore.View j = publish("rules " + UUID.randomUUID(), def);
        Customer cy = customer("cy-" + UUID.randomUUID() + "@example.com", null);
        advanceTo(LocalTime.of(22, 0)); // quiet
        event(cy, EventTypes.PAGE_VIEWED, Map.of());
        awaitRun(j, cy);
        drain();
        assertThat(sentTo(cy)).isEmpty();
        assertThat(run(j, cy).dueAt().toInstant()).isEqualTo(clock.instant().plus(Duration.ofHours(10)));
        clock.advance(Duration.ofHours(10));
        drain();
        assertThat(sentTo(cy)).extracting(OutboundMessage::text).containsExactly("First");
        assertThat(kernel.journeys().steps(tenant, run(j, cy).id())).extracting(JourneyStore.TakenView::outcome)
                .containsExactly("held", "sent", "capped");
        long seen = engine.eventsSeen();
        event(cy, EventTypes.PAGE_VIEWED, Map.of());
        await().atMost(WAIT).until(() -> engine.eventsSeen() > seen);
        drain();
        assertThat(kernel.journeys().runs(tenant, j.id(), null, null, 10)).as("not again within 7 days").hasSize(1);
        clock.advance(Duration.ofDays(8));
        event(cy, EventTypes.PAGE_VIEWED, Map.of());
        await().atMost(WAIT).until(() -> kernel.journeys().runs(tenant, j.id(), null, null, 10).size() == 2);
    }

    @Test
    void aWithdrawnConsentTakesTheCustomerOut() {
        JourneyStore.View j = publish("unsub " + UUID.randomUUID(), waitThenSend("manual", "P3D", "Never sent"));
        Customer di = customer("di-" + UUID.randomUUID() + "@example.com", null);
        engine.enrol(tenant, j.id(), List.of(di.id()));
        drain();
        kernel.customers().update(tenant, di.id(), CustomerJson.changes(Json.readObject(
                "{\"consents\": [{\"purpose\": \"marketing\", \"channel\": \"email\", \"status\": \"withdrawn\", \"source\": \"test\"}]}"), null,
                kernel.customers().stages(), clock), "tester");
        await().atMost(WAIT).until(() -> "unsubscribed".equals(exitRequest(j, di)));
        drain();
        assertThat(run(j, di).state()).isEqualTo("exited");
        assertThat(run(j, di).exitReason()).isEqualTo("unsubscribed");
        clock.advance(Duration.ofDays(4));
        drain();
        assertThat(sentTo(di)).isEmpty();
    }

    @Test
    void aBirthdayComesRoundAtNineInTheCustomersZone() {
        JourneyStore.View j = publish("birthday " + UUID.randomUUID(), JourneyTemplates.instantiate("birthday", tenant, kernel.segments()));
        OffsetDateTime now = OffsetDateTime.now(clock);
        String tomorrow = now.plusDays(1).toLocalDate().withYear(1990).toString();
        Customer ed = kernel.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"ed-" + UUID.randomUUID()
                + "@example.com\", \"timeZone\": \"Asia/Tokyo\", \"attributes\": {\"birthday\": {\"type\": \"date\", \"value\": \"" + tomorrow + "\"}}, "
                + "\"consents\": [{\"purpose\": \"marketing\", \"channel\": \"email\", \"status\": \"granted\", \"source\": \"test\"}]}"), null,
                kernel.customers().stages(), clock), "tester");
        assertThat(engine.scanDates()).isGreaterThanOrEqualTo(1);
        assertThat(engine.scanDates()).as("each occasion once").isZero();
        JourneyStore.RunView r = run(j, ed);
        // 09:00 in Tokyo tomorrow is 00:00 UTC tomorrow
        assertThat(r.dueAt().toInstant()).isEqualTo(now.plusDays(1).toLocalDate().atStartOfDay().toInstant(ZoneOffset.UTC));
        drain();
        assertThat(sentTo(ed)).isEmpty();
        clock.advance(Duration.between(now.toInstant(), r.dueAt().toInstant()));
        drain();
        assertThat(sentTo(ed)).singleElement().satisfies(m -> assertThat(m.subject()).startsWith("Happy birthday"));
    }

    @Test
    void webhooksAreCalledWithAnIdempotencyKeyAndTasksAreCreated() throws IOException {
        List<String> calls = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            calls.add(ex.getRequestHeaders().getFirst("Idempotency-Key") + " " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(calls.size() == 1 ? 503 : 204, -1);
            ex.close();
        });
        server.start();
        try {
            JsonObject def = Json.readObject("""
                    {"trigger": {"type": "manual"}, "start": "hook", "steps": {
                      "hook": {"type": "webhook", "url": "http://127.0.0.1:%d/hook", "next": "call"},
                      "call": {"type": "task", "title": "Call {{customer.email}}", "assignee": "sam", "next": null}}}"""
                    .formatted(server.getAddress().getPort()));
            JourneyStore.View j = publish("hook " + UUID.randomUUID(), def);
            Customer fi = customer("fi-" + UUID.randomUUID() + "@example.com", null);
            engine.enrol(tenant, j.id(), List.of(fi.id()));
            drain();
            assertThat(calls).hasSize(1);
            assertThat(run(j, fi).state()).as("a failed call is tried again later").isEqualTo("waiting");
            clock.advance(Duration.ofMinutes(2));
            drain();
            assertThat(calls).hasSize(2);
            assertThat(calls.get(0).split(" ")[0]).isEqualTo(calls.get(1).split(" ")[0]).startsWith("journey:");
            assertThat(calls.get(1)).contains(fi.email());
            assertThat(run(j, fi).state()).isEqualTo("completed");
            assertThat(kernel.tasks().list(tenant, Tasks.OPEN, "sam", null, 100)).filteredOn(t -> t.customerId().equals(fi.id()))
                    .singleElement().satisfies(t -> assertThat(t.title()).isEqualTo("Call " + fi.email()));
        } finally {
            server.stop(0);
        }
    }

    // --- bad input -----------------------------------------------------------------------------------------

    @Test
    void aCycleWithoutAWaitAnUnknownStepAndAMissingAttributeAreRefusedAtSave() {
        customer("attr-" + UUID.randomUUID() + "@example.com", null); // the shop has customers, none with "loyalty_tier"
        assertThat(errors("""
                {"trigger": {"type": "manual"}, "start": "a", "steps": {
                  "a": {"type": "tag", "tag": "x", "next": "b"},
                  "b": {"type": "branch", "condition": {"tag": "y"}, "then": "a", "else": null}}}"""))
                .singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("/definition/steps/a");
                    assertThat(e.detail()).contains("cycle without a wait").contains("a → b → a");
                });
        assertThat(errors("""
                {"trigger": {"type": "manual"}, "start": "a", "steps": {"a": {"type": "teleport", "next": null}}}"""))
                .singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("/definition/steps/a/type");
                    assertThat(e.detail()).contains("'teleport' is not a step type").contains("waitForEvent");
                });
        assertThat(errors("""
                {"trigger": {"type": "manual"}, "start": "a", "steps": {
                  "a": {"type": "branch", "condition": {"attribute": "loyalty_tier", "op": "eq", "value": "gold"}, "then": null, "else": null}}}"""))
                .singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("/definition/steps/a/condition");
                    assertThat(e.detail()).contains("'loyalty_tier', which no customer has");
                });
        assertThat(errors("""
                {"trigger": {"type": "event", "event": "Cart"}, "start": "x", "steps": {
                  "a": {"type": "wait", "duration": "soon", "next": "ghost"},
                  "b": {"type": "split", "arms": [{"name": "A", "percent": 30, "next": null}, {"name": "B", "percent": 30, "next": null}]}}}"""))
                .extracting(FieldError::field).containsExactlyInAnyOrder("/definition/trigger/event", "/definition/steps/a/duration",
                        "/definition/steps/b/arms");
        // a cycle through a wait is a loop in time, and allowed
        assertThat(kernel.journeys().validate(tenant, Json.readObject("""
                {"trigger": {"type": "manual"}, "start": "a", "steps": {
                  "a": {"type": "send", "channel": "email", "text": "Hi", "next": "w"},
                  "w": {"type": "wait", "duration": "P7D", "next": "a"}}}"""))).isNotNull();
    }

    // --- dry run -------------------------------------------------------------------------------------------

    @Test
    void aDryRunShowsEachStepWithTimeFastForwardedAndWritesNothing() {
        Journey j = kernel.journeys().validate(tenant, JourneyTemplates.instantiate("abandoned-cart", tenant, kernel.segments()));
        Customer gus = customer("gus-" + UUID.randomUUID() + "@example.com", "Gus");
        Map<String, Object> cart = Map.of("items", List.of(Map.of("name", "Blue hat", "quantity", 2)));

        DryRun.Result none = kernel.dryRun().run(tenant, j, gus.id(), List.of(), cart);
        assertThat(none.steps()).extracting(DryRun.Step::step).containsExactly("waitOrder", "reminder", "waitAgain", "lastCall");
        assertThat(none.steps()).extracting(DryRun.Step::outcome).containsExactly("timeout", "sent", "timeout", "sent");
        assertThat(none.steps().get(1).at()).isEqualTo(none.start().plusHours(1));
        assertThat(none.steps().get(3).at()).isEqualTo(none.start().plusHours(25));
        assertThat((String) none.steps().get(1).detail().get("text")).contains("- Blue hat × 2");
        assertThat(none.end()).isEqualTo("completed");

        DryRun.Result ordered = kernel.dryRun().run(tenant, j, gus.id(), List.of(new DryRun.SimulatedEvent("order.completed", Duration.ofMinutes(30))), cart);
        assertThat(ordered.steps()).extracting(DryRun.Step::outcome).containsExactly("event", "converted");
        assertThat(ordered.steps().get(0).at()).isEqualTo(ordered.start().plusMinutes(30));
        assertThat(ordered.converted()).isTrue();
        assertThat(sentTo(gus)).isEmpty();
    }

    @Test
    void theZTestMatchesAWorkedExample() {
        // 100 of 1000 against 130 of 1000: pooled p = 0.115, SE = sqrt(0.115 * 0.885 * 0.002) = 0.0142672, z = 0.03 / SE
        double[] zp = JourneyAnalytics.zTest(100, 1000, 130, 1000);
        assertThat(zp[0]).isCloseTo(2.10273, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(zp[1]).isCloseTo(0.035489, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(JourneyAnalytics.zTest(0, 0, 1, 10)).isNull();
        assertThat(JourneyAnalytics.erfc(0)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-7));
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private List<FieldError> errors(String definition) {
        try {
            kernel.journeys().validate(tenant, Json.readObject(definition));
        } catch (InvalidInputException e) {
            return e.errors();
        }
        throw new AssertionError("accepted: " + definition);
    }

    private static JsonObject waitThenSend(String trigger, String wait, String text) {
        return Json.readObject("""
                {"trigger": {"type": "%s"}, "start": "w", "steps": {
                  "w": {"type": "wait", "duration": "%s", "next": "m"},
                  "m": {"type": "send", "channel": "email", "text": "%s", "next": null}}}""".formatted(trigger, wait, text));
    }

    private JourneyStore.View publish(String name, JsonObject definition) {
        JourneyStore.View v = kernel.journeys().create(tenant, name, null, definition);
        published.add(v.id());
        return kernel.journeys().publish(tenant, v.id(), "tester");
    }

    /** Each test's journeys stop after it, so that the next test's customers do not enter them. */
    @AfterEach
    void stopJourneys() {
        published.forEach(id -> kernel.journeys().stop(tenant, id));
        published.clear();
        drain();
    }

    /** Moves the clock forward to the next {@code t} (UTC). */
    private void advanceTo(LocalTime t) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        OffsetDateTime next = now.with(t);
        if (!next.isAfter(now)) {
            next = next.plusDays(1);
        }
        clock.advance(Duration.between(now, next));
    }

    private Customer customer(String email, String firstName) {
        return kernel.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"" + email + "\""
                + (firstName == null ? "" : ", \"firstName\": \"" + firstName + "\"")
                + ", \"consents\": [{\"purpose\": \"marketing\", \"channel\": \"email\", \"status\": \"granted\", \"source\": \"test\"}]}"), null,
                kernel.customers().stages(), clock), "tester");
    }

    private void event(Customer c, String type, Map<String, Object> properties) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(type, List.of(Identifier.email(c.email())), false, OffsetDateTime.now(clock),
                properties, Map.of(), null)));
    }

    /** Runs the worker until nothing is due at the clock's time. */
    private void drain() {
        for (int i = 0; i < 100 && engine.runDue() > 0; i++) {
            // each pass takes the runs due now
        }
    }

    private JourneyStore.RunView awaitRun(JourneyStore.View j, Customer c) {
        return await().atMost(WAIT).until(() -> runOrNull(j, c), r -> r != null);
    }

    private JourneyStore.RunView runOrNull(JourneyStore.View j, Customer c) {
        return kernel.journeys().runs(tenant, j.id(), null, null, 1000).stream().filter(r -> r.customerId().equals(c.id())).findFirst().orElse(null);
    }

    private JourneyStore.RunView run(JourneyStore.View j, Customer c) {
        return Optional.ofNullable(runOrNull(j, c)).orElseThrow(() -> new AssertionError("no run of " + c.email()));
    }

    private String exitRequest(JourneyStore.View j, Customer c) {
        return kernel.db().read(conn -> io.rapport.core.db.Db.list(conn, "SELECT exit_request FROM journey_run WHERE journey_id = ? AND customer_id = ?",
                List.of(j.id(), c.id()), rs -> rs.getString(1))).stream().findFirst().orElse(null);
    }

    private List<OutboundMessage> sentTo(Customer c) {
        return email.get().stream().filter(m -> m.customer().id().equals(c.id())).toList();
    }
}
