package io.rapport.core.journey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import io.rapport.api.customer.Customer;
import io.rapport.core.Kernel;
import io.rapport.core.TestClock;
import io.rapport.core.TestDb;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.db.Db;
import io.rapport.core.json.Json;
import io.rapport.core.plugin.PluginHost;
import io.rapport.core.plugin.TestBundles;
import io.rapport.spi.channel.OutboundMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two kernels (two server nodes) on one PostgreSQL database claim the same due steps at the same moment: every step
 * is taken once, every message sent once. H2 is embedded and single-node, so this runs on PostgreSQL only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIfSystemProperty(named = TestDb.PROPERTY, matches = "postgresql")
class JourneyNodesTest {

    static final int CUSTOMERS = 200;

    @TempDir
    static Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestDb db;
    private Kernel one;
    private Kernel two;
    private UUID tenant;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        JourneyEngine.Settings small = new JourneyEngine.Settings(null, 25, Duration.ofMinutes(5), 2);
        one = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("one")).withPlugins(new PluginHost.Settings(dir.resolve("felix-one"), null))
                .withJourneys(small), clock);
        tenant = one.defaultTenant().id();
        one.plugins().install(TestBundles.recordingChannel("fixture.email", "email"), true, tenant, "tester");
        await().atMost(Duration.ofSeconds(10)).until(() -> one.whiteboard().channel("email"), Optional::isPresent);
        // the second node installs the stored plugin at start, as a second server would
        two = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("two")).withPlugins(new PluginHost.Settings(dir.resolve("felix-two"), null))
                .withJourneys(small), clock);
        await().atMost(Duration.ofSeconds(10)).until(() -> two.whiteboard().channel("email"), Optional::isPresent);
    }

    @AfterAll
    void stop() throws SQLException {
        if (two != null) {
            two.close();
        }
        if (one != null) {
            one.close();
        }
        db.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void twoNodesClaimingTheSameDueStepsSendEachMessageOnce() throws Exception {
        JourneyStore.View j = one.journeys().create(tenant, "nodes", null, Json.readObject("""
                {"trigger": {"type": "manual"}, "start": "w", "steps": {
                  "w": {"type": "wait", "duration": "PT1H", "next": "m"},
                  "m": {"type": "send", "channel": "email", "text": "Once", "next": "t"},
                  "t": {"type": "tag", "tag": "reached", "next": null}}}"""));
        one.journeys().publish(tenant, j.id(), "tester");
        two.journeyEngine().reload();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            Customer c = one.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"n" + i + "@example.com\", \"consents\": "
                    + "[{\"purpose\": \"marketing\", \"channel\": \"email\", \"status\": \"granted\", \"source\": \"test\"}]}"), null,
                    one.customers().stages(), clock), "tester");
            ids.add(c.id());
        }
        for (int from = 0; from < CUSTOMERS; from += 1000) {
            one.journeyEngine().enrol(tenant, j.id(), ids.subList(from, Math.min(CUSTOMERS, from + 1000)));
        }
        // both nodes take the entries, then all wake at the same instant
        int[] counts = race();
        assertThat(counts[0] + counts[1]).isEqualTo(CUSTOMERS);
        clock.advance(Duration.ofHours(1));
        counts = race();
        assertThat(counts[0] + counts[1]).isEqualTo(CUSTOMERS);
        assertThat(counts[0]).as("node one took a share").isPositive();
        assertThat(counts[1]).as("node two took a share").isPositive();

        List<OutboundMessage> sent = new ArrayList<>(((Supplier<List<OutboundMessage>>) one.whiteboard().channel("email").orElseThrow()).get());
        sent.addAll(((Supplier<List<OutboundMessage>>) two.whiteboard().channel("email").orElseThrow()).get());
        Set<UUID> to = new HashSet<>();
        sent.forEach(m -> to.add(m.customer().id()));
        assertThat(sent).hasSize(CUSTOMERS);
        assertThat(to).containsExactlyInAnyOrderElementsOf(ids);
        long steps = one.db().read(c -> Db.list(c, "SELECT COUNT(*) FROM journey_step WHERE journey_id = ?", List.of(j.id()), rs -> rs.getLong(1)).get(0));
        assertThat(steps).as("waiting, waited, sent, done: four steps each").isEqualTo(4L * CUSTOMERS);
        assertThat(one.journeyAnalytics().report(tenant, j.id()).completed()).isEqualTo(CUSTOMERS);
        System.out.printf("JourneyNodesTest: node one processed %d runs, node two %d%n", counts[0], counts[1]);
    }

    /** Both nodes run their workers at once until nothing is due; @return the runs each processed */
    private int[] race() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // both start together: on a slow machine one node could otherwise drain everything before the other began
            java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(2);
            List<Callable<Integer>> workers = List.of(() -> drain(one, ready), () -> drain(two, ready));
            List<Future<Integer>> done = pool.invokeAll(workers);
            return new int[] {done.get(0).get(), done.get(1).get()};
        } finally {
            pool.shutdown();
        }
    }

    private static int drain(Kernel k, java.util.concurrent.CountDownLatch ready) throws InterruptedException {
        ready.countDown();
        ready.await();
        int total = 0;
        for (int n = k.journeyEngine().runDue(); n > 0; n = k.journeyEngine().runDue()) {
            total += n;
        }
        return total;
    }
}
