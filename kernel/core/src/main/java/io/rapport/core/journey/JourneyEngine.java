package io.rapport.core.journey;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.event.Event;
import io.rapport.api.event.EventTypes;
import io.rapport.core.customer.CustomerChanges;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.db.Db;
import io.rapport.core.db.Ids;
import io.rapport.core.json.Json;
import io.rapport.core.message.Messages;
import io.rapport.core.message.Templates;
import io.rapport.core.segment.Condition;
import io.rapport.core.segment.SegmentSql;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.event.EventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs journeys. It hears every event from the bus and, in the relay's delivery (so an event is handled before its
 * outbox row goes), lets customers in, wakes the runs waiting for that event, records conversions and applies exit
 * rules. A worker claims due runs with {@code FOR UPDATE SKIP LOCKED}, pushing their due time forward by a lease, takes
 * their steps until each waits or ends, and writes the new positions and the steps taken in one transaction per batch.
 * Every effect of a step is keyed by the run and the step's sequence number (a message's idempotency key, a task's
 * source), so a batch taken over after a crash repeats nothing.
 */
public final class JourneyEngine implements EventListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JourneyEngine.class);
    /** Who the kernel names as the author of journeys' messages, profile changes and tasks. */
    public static final String ACTOR = "journey";
    /** The most steps a run takes at once (validation forbids cycles without a wait; this is a second guard). */
    static final int MAX_STEPS_AT_ONCE = 200;
    /** Webhook calls before the step gives up and the run goes on. */
    static final int WEBHOOK_ATTEMPTS = 5;
    static final Duration WEBHOOK_TIMEOUT = Duration.ofSeconds(10);
    /** How often the worker reloads which journeys are live (another node may have published). */
    static final Duration RELOAD = Duration.ofSeconds(10);
    /** How often birthdays and other date triggers are looked for. */
    static final Duration DATE_SCAN = Duration.ofHours(1);

    /** Run states as stored. */
    static final String ACTIVE = "active";
    static final String WAITING = "waiting";
    static final String COMPLETED = "completed";
    static final String EXITED = "exited";

    /** Step outcomes that record leaving a wait, not arriving at a step. */
    static final Set<String> DEPARTURES = Set.of("waited", "event", "timeout", "resumed");

    /**
     * How the engine runs.
     *
     * @param poll    how often an idle worker looks for due runs; null runs no worker (tests call {@link #runDue()})
     * @param batch   runs claimed at once
     * @param lease   how long a claimed run stays with its node before another may take it over
     * @param threads runs processed in parallel within a batch
     */
    public record Settings(Duration poll, int batch, Duration lease, int threads) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(1), 200, Duration.ofMinutes(5), 4);
        }

        /** No worker: the caller moves runs with {@link #runDue()}, on its own clock. */
        public static Settings manual() {
            return new Settings(null, 200, Duration.ofMinutes(5), 2);
        }
    }

    /** A journey that takes customers in or has them inside, with its live version. */
    record Live(UUID id, UUID tenantId, String name, boolean takesNew, int version, Journey journey) {
    }

    /** What the engine listens for, rebuilt when journeys are published, paused or stopped. */
    record Index(Map<UUID, List<Live>> byTenant, Set<String> triggerTypes, Set<String> waitTypes, Set<String> goalTypes) {
        static final Index EMPTY = new Index(Map.of(), Set.of(), Set.of(), Set.of());
    }

    private final Db db;
    private final Clock clock;
    private final JourneyStore store;
    private final CustomerStore customers;
    private final io.rapport.core.survey.Surveys surveys;
    private final Messages messages;
    private final Settings settings;
    private final ExecutorService pool;
    private final HttpClient http;
    private volatile Index index = Index.EMPTY;
    private volatile boolean running;
    private Thread worker;
    private final Object wake = new Object();
    private long lastReload;
    private long lastDateScan;
    private final AtomicLong stepsTaken = new AtomicLong();
    private final AtomicLong entered = new AtomicLong();
    private final AtomicLong eventsSeen = new AtomicLong();

    public JourneyEngine(Db db, Clock clock, JourneyStore store, CustomerStore customers, Messages messages, Settings settings) {
        this(db, clock, store, customers, messages, null, settings);
    }

    /** @param surveys what survey steps send, or null to fail them */
    public JourneyEngine(Db db, Clock clock, JourneyStore store, CustomerStore customers, Messages messages, io.rapport.core.survey.Surveys surveys,
                         Settings settings) {
        this.surveys = surveys;
        this.db = db;
        this.clock = clock;
        this.store = store;
        this.customers = customers;
        this.messages = messages;
        this.settings = settings;
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, settings.threads()), r -> {
            Thread t = new Thread(r, "rapport-journey-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().connectTimeout(WEBHOOK_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
        store.onChange(this::reload);
    }

    public JourneyEngine start() {
        reload();
        running = true;
        if (settings.poll() != null) {
            worker = new Thread(this::work, "rapport-journeys");
            worker.setDaemon(true);
            worker.start();
        }
        return this;
    }

    /** Steps taken and customers let in since start. */
    public long stepsTaken() {
        return stepsTaken.get();
    }

    public long enteredCount() {
        return entered.get();
    }

    /** Events the engine has handled (whether or not any journey cared), for tests and the overview. */
    public long eventsSeen() {
        return eventsSeen.get();
    }

    /** Rebuilds what the engine listens for from the live and paused journeys. */
    public void reload() {
        Map<UUID, List<Live>> byTenant = new HashMap<>();
        Set<String> triggers = new java.util.HashSet<>();
        Set<String> waits = new java.util.HashSet<>();
        Set<String> goals = new java.util.HashSet<>();
        for (JourneyStore.Active a : store.active()) {
            Journey j;
            try {
                j = store.version(a.id(), a.liveVersion());
            } catch (RuntimeException e) {
                LOG.warn("Journey {} version {} cannot be read; it is skipped", a.id(), a.liveVersion(), e);
                continue;
            }
            byTenant.computeIfAbsent(a.tenantId(), k -> new ArrayList<>()).add(new Live(a.id(), a.tenantId(), a.name(),
                    a.status() == JourneyStore.Status.LIVE, a.liveVersion(), j));
            if (j.trigger() instanceof Journey.OnEvent e) {
                triggers.add(e.type());
            }
            if (j.goal() != null) {
                goals.add(j.goal().event());
            }
            // runs on older versions may wait for other events
            for (int v = 1; v <= a.liveVersion(); v++) {
                try {
                    store.version(a.id(), v).steps().values().forEach(s -> {
                        if (s instanceof Journey.WaitForEvent w) {
                            waits.add(w.event());
                        }
                    });
                } catch (NotFoundException e) {
                    // a version number never published
                }
            }
        }
        index = new Index(byTenant, Set.copyOf(triggers), Set.copyOf(waits), Set.copyOf(goals));
        lastReload = System.nanoTime();
    }

    // --- events --------------------------------------------------------------------------------------------

    @Override
    public void onEvent(Event event) {
        try {
            handle(event);
        } finally {
            eventsSeen.incrementAndGet();
        }
    }

    private void handle(Event event) {
        if (event.customerId() == null) {
            return;
        }
        Index ix = index;
        List<Live> journeys = ix.byTenant().get(event.tenantId());
        if (journeys == null) {
            return;
        }
        String type = event.type();
        boolean unsubscribed = EventTypes.CONSENT_CHANGED.equals(type) && Consent.PURPOSE_MARKETING.equals(event.properties().get("purpose"))
                && ConsentStatus.WITHDRAWN.name().equals(event.properties().get("status")) && journeys.stream().anyMatch(l -> l.journey().exits().unsubscribed());
        boolean segment = EventTypes.SEGMENT_ENTERED.equals(type) && journeys.stream().anyMatch(l -> l.journey().trigger() instanceof Journey.OnSegment);
        if (!(ix.triggerTypes().contains(type) || ix.waitTypes().contains(type) || ix.goalTypes().contains(type) || unsubscribed || segment)) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        UUID customer = event.customerId();
        boolean due = db.tx(c -> {
            boolean wakeNow = false;
            if (ix.waitTypes().contains(type)) {
                wakeNow |= Db.update(c, "UPDATE journey_run SET due_at = ?, signal = signal + 1 WHERE customer_id = ? AND tenant_id = ? "
                        + "AND state = 'waiting' AND wait_event = ?", now, customer, event.tenantId(), type) > 0;
            }
            for (Live l : journeys) {
                Journey j = l.journey();
                if (j.goal() != null && j.goal().event().equals(type)) {
                    Db.update(c, "UPDATE journey_run SET converted_at = ? WHERE journey_id = ? AND customer_id = ? AND converted_at IS NULL "
                            + "AND entered_at >= ? AND entered_at <= ?", now, l.id(), customer, now.minusDays(j.goal().withinDays()), now);
                    if (j.goal().exit()) {
                        wakeNow |= requestExit(c, l.id(), customer, "goal reached", now) > 0;
                    }
                }
                if (unsubscribed && j.exits().unsubscribed()) {
                    wakeNow |= requestExit(c, l.id(), customer, "unsubscribed", now) > 0;
                }
            }
            for (Live l : journeys) {
                if (!l.takesNew()) {
                    continue;
                }
                boolean fires = l.journey().trigger() instanceof Journey.OnEvent e && e.type().equals(type)
                        || segment && l.journey().trigger() instanceof Journey.OnSegment s
                        && s.segmentId().toString().equals(String.valueOf(event.properties().get(EventTypes.PROPERTY_SEGMENT_ID)));
                if (fires) {
                    Map<String, Object> context = new LinkedHashMap<>();
                    context.put("event", event.properties());
                    context.put("eventType", type);
                    wakeNow |= enrol(c, l, journeys, customer, "event:" + event.id(), context, now, now);
                    // a run already inside sees the latest trigger's data (the cart as it is now)
                    Db.update(c, "UPDATE journey_run SET context = ? WHERE journey_id = ? AND customer_id = ? AND state IN ('active', 'waiting') "
                            + "AND entry_key <> ?", Json.writeMap(context), l.id(), customer, "event:" + event.id());
                }
            }
            return wakeNow;
        });
        if (due) {
            wakeup();
        }
    }

    private static int requestExit(Connection c, UUID journeyId, UUID customer, String reason, OffsetDateTime now) throws SQLException {
        return Db.update(c, "UPDATE journey_run SET exit_request = ?, due_at = ?, signal = signal + 1 WHERE journey_id = ? AND customer_id = ? "
                + "AND state IN ('active', 'waiting') AND exit_request IS NULL", reason, now, journeyId, customer);
    }

    /**
     * Lets a customer into a journey unless its filter, its re-entry rule or a run already inside says no; applies the
     * other journeys' "entered another journey" exit rule.
     *
     * @return whether the customer entered (their first step is due at {@code dueAt})
     */
    private boolean enrol(Connection c, Live l, List<Live> tenantJourneys, UUID customer, String entryKey, Map<String, Object> context,
                          OffsetDateTime dueAt, OffsetDateTime now) throws SQLException {
        Journey j = l.journey();
        List<Object[]> last = Db.list(c, "SELECT state, entered_at, exit_request FROM journey_run WHERE journey_id = ? AND customer_id = ? "
                + "ORDER BY entered_at DESC FETCH FIRST 1 ROWS ONLY", List.of(l.id(), customer),
                rs -> new Object[] {rs.getString(1), rs.getObject(2, OffsetDateTime.class), rs.getString(3)});
        if (!last.isEmpty()) {
            String state = (String) last.get(0)[0];
            boolean inside = (ACTIVE.equals(state) || WAITING.equals(state)) && last.get(0)[2] == null;
            if (inside || j.reentry().mode() == Journey.ReentryMode.ONCE) {
                return false;
            }
            if (j.reentry().mode() == Journey.ReentryMode.AFTER_DAYS && ((OffsetDateTime) last.get(0)[1]).isAfter(now.minusDays(j.reentry().days()))) {
                return false;
            }
        }
        if (!Db.list(c, "SELECT 1 FROM journey_run WHERE journey_id = ? AND entry_key = ?", List.of(l.id(), entryKey), rs -> 1).isEmpty()) {
            return false; // this event let them in before (the bus delivered it again after a restart)
        }
        if (j.filter() != null && !matches(c, db.dialect(), j.filter(), l.tenantId(), customer, now)) {
            return false;
        }
        Db.update(c, "INSERT INTO journey_run (id, tenant_id, journey_id, version, customer_id, entry_key, state, step, seq, due_at, context, entered_at, "
                + "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", Ids.timeOrdered(), l.tenantId(), l.id(), l.version(), customer, entryKey, ACTIVE,
                j.start(), 0, dueAt, Json.writeMap(context), now, now);
        entered.incrementAndGet();
        for (Live other : tenantJourneys) {
            if (!other.id().equals(l.id()) && other.journey().exits().otherJourney()) {
                requestExit(c, other.id(), customer, "entered journey " + l.name(), now);
            }
        }
        return true;
    }

    static boolean matches(Connection c, Db.Dialect dialect, Condition condition, UUID tenantId, UUID customer, OffsetDateTime now) throws SQLException {
        SegmentSql.Query q = SegmentSql.matches(List.of(condition), dialect, tenantId, now, List.of(customer));
        return Db.list(c, q.sql(), q.args(), rs -> rs.getInt(2) == 1).stream().findFirst().orElse(false);
    }

    /** Outcome of a manual enrolment. */
    public record Enrolment(int entered, int skipped) {
    }

    /** Lets customers into a live journey by hand; re-entry rules and the filter apply. */
    public Enrolment enrol(UUID tenantId, UUID journeyId, List<UUID> customerIds) {
        Live l = index.byTenant().getOrDefault(tenantId, List.of()).stream().filter(x -> x.id().equals(journeyId)).findFirst()
                .orElseThrow(() -> new io.rapport.core.validation.ConflictException("/status", "the journey is not live: publish it first"));
        if (!l.takesNew()) {
            throw new io.rapport.core.validation.ConflictException("/status", "the journey is paused: resume it first");
        }
        Map<UUID, Customer> found = customers.findAll(tenantId, customerIds);
        for (int i = 0; i < customerIds.size(); i++) {
            if (!found.containsKey(customerIds.get(i))) {
                throw new InvalidInputException("/customerIds/" + i, "no customer " + customerIds.get(i) + " in this shop");
            }
        }
        String request = Ids.timeOrdered().toString();
        int[] n = {0};
        db.tx(c -> {
            OffsetDateTime now = OffsetDateTime.now(clock);
            for (UUID id : customerIds) {
                if (enrol(c, l, index.byTenant().get(tenantId), id, "manual:" + request + ":" + id, Map.of("manual", true), now, now)) {
                    n[0]++;
                }
            }
            return null;
        });
        wakeup();
        return new Enrolment(n[0], customerIds.size() - n[0]);
    }

    /**
     * Lets in the customers whose date attribute (a birthday) comes round today or tomorrow in the shop's zone, due at
     * the trigger's time of day in their own zone. Each occasion lets a customer in once.
     *
     * @return how many entered
     */
    public int scanDates() {
        int n = 0;
        OffsetDateTime now = OffsetDateTime.now(clock);
        for (List<Live> journeys : index.byTenant().values()) {
            for (Live l : journeys) {
                if (l.takesNew() && l.journey().trigger() instanceof Journey.OnDate d) {
                    n += scanDate(l, journeys, d, now);
                }
            }
        }
        lastDateScan = System.nanoTime();
        return n;
    }

    private int scanDate(Live l, List<Live> journeys, Journey.OnDate d, OffsetDateTime now) {
        io.rapport.core.message.SendPolicy policy = messages.policy(l.tenantId());
        ZoneId shopZone = policy.defaultZone();
        LocalDate today = now.atZoneSameInstant(shopZone).toLocalDate();
        int n = 0;
        for (LocalDate day : List.of(today, today.plusDays(1))) {
            LocalDate base = day.minusDays(d.offsetDays());
            List<String> monthDays = new ArrayList<>(List.of(String.format("%02d-%02d", base.getMonthValue(), base.getDayOfMonth())));
            if (base.getMonthValue() == 2 && base.getDayOfMonth() == 28 && !base.isLeapYear()) {
                monthDays.add("02-29"); // born on 29 February: celebrated on the 28th in other years
            }
            List<UUID> ids = db.read(c -> Db.list(c, "SELECT a.customer_id FROM customer_attribute a JOIN customer c ON c.id = a.customer_id "
                    + "WHERE a.tenant_id = ? AND a.name = ? AND a.type = 'DATE' AND c.merged_into IS NULL AND SUBSTRING(a.attr_value FROM 6 FOR 5) IN ("
                    + Db.marks(monthDays.size()) + ")", concat(List.of(l.tenantId(), d.attribute()), monthDays), rs -> rs.getObject(1, UUID.class)));
            Map<UUID, Customer> found = customers.findAll(l.tenantId(), ids);
            for (List<UUID> chunk : Db.chunks(ids, 500)) {
                n += db.tx(c -> {
                    int entered = 0;
                    for (UUID id : chunk) {
                        Customer cu = found.get(id);
                        if (cu == null) {
                            continue;
                        }
                        ZoneId zone = policy.zoneOf(cu.timeZone());
                        OffsetDateTime at = ZonedDateTime.of(day, d.time(), zone).toOffsetDateTime();
                        if (day.equals(today) && at.isBefore(now)) {
                            at = now;
                        } else if (!day.equals(today) && at.isBefore(now)) {
                            continue; // already passed in their zone, and today's scan covered it
                        }
                        if (enrol(c, l, journeys, id, "date:" + day, Map.of("date", day.toString()), at, now)) {
                            entered++;
                        }
                    }
                    return entered;
                });
            }
        }
        return n;
    }

    private static List<Object> concat(List<Object> a, List<String> b) {
        List<Object> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    // --- the worker ----------------------------------------------------------------------------------------

    /** Wakes the worker to look for due runs now. */
    public void wakeup() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void work() {
        while (running) {
            try {
                if (System.nanoTime() - lastReload > RELOAD.toNanos()) {
                    reload();
                }
                if (System.nanoTime() - lastDateScan > DATE_SCAN.toNanos()) {
                    scanDates();
                }
                if (runDue() == 0) {
                    synchronized (wake) {
                        wake.wait(settings.poll().toMillis());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("The journey worker failed; it goes on after a pause", e);
                    synchronized (wake) {
                        try {
                            wake.wait(settings.poll().toMillis() * 5);
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
        }
    }

    /** A run as claimed. */
    record Run(UUID id, UUID tenantId, UUID journeyId, int version, UUID customerId, String state, String step, int seq, String waitEvent,
               OffsetDateTime waitingSince, int signal, String exitRequest, String variant, int attempts, Map<String, Object> context,
               OffsetDateTime enteredAt) {
    }

    /** One step taken, for journey_step. */
    record Taken(UUID runId, int seq, UUID journeyId, int version, String step, String outcome, String detail, OffsetDateTime at) {
    }

    /** Where a run stands after its steps. */
    record Position(Run run, String step, int seq, String state, OffsetDateTime dueAt, String waitEvent, OffsetDateTime waitingSince,
                    String variant, int attempts, String exitReason, List<Taken> taken) {
        boolean ended() {
            return COMPLETED.equals(state) || EXITED.equals(state);
        }
    }

    /**
     * Claims a batch of due runs, takes their steps and writes where they stand.
     *
     * @return how many runs it processed (0: nothing was due)
     */
    public int runDue() {
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<Run> runs = claim(now);
        if (runs.isEmpty()) {
            return 0;
        }
        List<Position> done = new ArrayList<>(runs.size());
        Map<UUID, Map<UUID, Customer>> profiles = new HashMap<>();
        Map<UUID, List<UUID>> ids = new HashMap<>();
        runs.forEach(r -> ids.computeIfAbsent(r.tenantId(), k -> new ArrayList<>()).add(r.customerId()));
        ids.forEach((t, list) -> profiles.put(t, customers.findAll(t, list)));
        List<Future<Position>> futures = new ArrayList<>();
        for (Run r : runs) {
            futures.add(pool.submit(() -> advance(r, profiles.get(r.tenantId()).get(r.customerId()), now)));
        }
        for (int i = 0; i < futures.size(); i++) {
            try {
                done.add(futures.get(i).get());
            } catch (java.util.concurrent.ExecutionException e) {
                // the run stays claimed: it is taken again once its lease runs out
                LOG.warn("Journey run {} failed at step {}; it is tried again in {}", runs.get(i).id(), runs.get(i).step(), settings.lease(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        save(done, OffsetDateTime.now(clock));
        return runs.size();
    }

    private List<Run> claim(OffsetDateTime now) {
        String lock = db.dialect() == Db.Dialect.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE";
        return db.tx(c -> {
            List<Run> runs = Db.list(c, "SELECT id, tenant_id, journey_id, version, customer_id, state, step, seq, wait_event, waiting_since, signal, "
                    + "exit_request, variant, attempts, context, entered_at FROM journey_run WHERE due_at <= ? ORDER BY due_at FETCH FIRST "
                    + settings.batch() + " ROWS ONLY" + lock, List.of(now), rs -> new Run(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                    rs.getObject(3, UUID.class), rs.getInt(4), rs.getObject(5, UUID.class), rs.getString(6), rs.getString(7), rs.getInt(8),
                    rs.getString(9), rs.getObject(10, OffsetDateTime.class), rs.getInt(11), rs.getString(12), rs.getString(13), rs.getInt(14),
                    rs.getString(15) == null ? Map.of() : Json.readMap(rs.getString(15)), rs.getObject(16, OffsetDateTime.class)));
            if (!runs.isEmpty()) {
                OffsetDateTime until = now.plus(settings.lease());
                for (List<Run> chunk : Db.chunks(runs, 500)) {
                    List<Object> args = new ArrayList<>();
                    args.add(until);
                    chunk.forEach(r -> args.add(r.id()));
                    Db.update(c, "UPDATE journey_run SET due_at = ? WHERE id IN (" + Db.marks(chunk.size()) + ")", args.toArray());
                }
            }
            return runs;
        });
    }

    /** Writes the positions: each only if no signal arrived meanwhile; one that got a signal is due again at once. */
    private void save(List<Position> positions, OffsetDateTime now) {
        if (positions.isEmpty()) {
            return;
        }
        db.tx(c -> {
            List<Object[]> taken = new ArrayList<>();
            positions.forEach(p -> p.taken().forEach(t -> taken.add(new Object[] {t.runId(), t.seq(), t.journeyId(), t.version(), t.step(), t.outcome(),
                    t.detail(), t.at()})));
            Db.batch(c, "INSERT INTO journey_step (run_id, seq, journey_id, version, step, outcome, detail, at) VALUES (?,?,?,?,?,?,?,?)", taken);
            String set = "UPDATE journey_run SET step = ?, seq = ?, state = ?, due_at = ?, wait_event = ?, waiting_since = ?, variant = ?, attempts = ?, "
                    + "updated_at = ?, ended_at = ?, exit_reason = ? WHERE id = ?";
            List<Position> raced = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(set + " AND signal = ?")) {
                for (Position p : positions) {
                    bind(ps, p, p.dueAt(), now);
                    ps.setInt(13, p.run().signal());
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] == 0) {
                        raced.add(positions.get(i));
                    }
                }
            }
            if (!raced.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(set)) {
                    for (Position p : raced) {
                        bind(ps, p, p.ended() ? null : now, now);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            return null;
        });
        positions.forEach(p -> stepsTaken.addAndGet(p.taken().size()));
    }

    private static void bind(PreparedStatement ps, Position p, OffsetDateTime due, OffsetDateTime now) throws SQLException {
        ps.setString(1, p.step());
        ps.setInt(2, p.seq());
        ps.setString(3, p.state());
        ps.setObject(4, due);
        ps.setString(5, p.waitEvent());
        ps.setObject(6, p.waitingSince());
        ps.setString(7, p.variant());
        ps.setInt(8, p.attempts());
        ps.setObject(9, now);
        ps.setObject(10, p.ended() ? now : null);
        ps.setString(11, p.exitReason());
        ps.setObject(12, p.run().id());
    }

    /** Takes a run's steps from where it stands until it waits or ends. */
    Position advance(Run r, Customer customer, OffsetDateTime now) {
        Journey j = store.version(r.journeyId(), r.version());
        List<Taken> taken = new ArrayList<>();
        int[] seq = {r.seq()};
        java.util.function.BiConsumer<String, String[]> log = (step, od) -> taken.add(new Taken(r.id(), seq[0]++, r.journeyId(), r.version(), step,
                od[0], od.length > 1 ? truncate(od[1]) : null, now));
        if (customer == null) {
            log.accept(r.step() == null ? "-" : r.step(), new String[] {"exited", "the customer was erased or merged away"});
            return new Position(r, r.step(), seq[0], EXITED, null, null, null, r.variant(), 0, "customer gone", taken);
        }
        if (r.exitRequest() != null) {
            log.accept(r.step() == null ? "-" : r.step(), new String[] {"exited", r.exitRequest()});
            return new Position(r, r.step(), seq[0], EXITED, null, null, null, r.variant(), 0, r.exitRequest(), taken);
        }
        String at = r.step();
        String variant = r.variant();
        int attempts = r.attempts();
        ZoneId zone = messages.policy(r.tenantId()).zoneOf(customer.timeZone());
        Map<String, Object> data = data(r, j);
        boolean resuming = WAITING.equals(r.state());
        for (int n = 0; at != null && n < MAX_STEPS_AT_ONCE; n++) {
            Journey.Step step = j.step(at);
            if (step == null) {
                log.accept(at, new String[] {"exited", "the step is not in version " + r.version()});
                return new Position(r, at, seq[0], EXITED, null, null, null, variant, 0, "unknown step", taken);
            }
            if (resuming) {
                resuming = false;
                if (step instanceof Journey.WaitForEvent w) {
                    if (happened(r, w.event(), now)) {
                        log.accept(at, new String[] {"event", w.event()});
                        at = w.next();
                        continue;
                    }
                    OffsetDateTime until = r.waitingSince().plus(w.timeout());
                    if (now.isBefore(until)) {
                        return new Position(r, at, seq[0], WAITING, until, w.event(), r.waitingSince(), variant, attempts, null, taken);
                    }
                    log.accept(at, new String[] {"timeout"});
                    at = w.timeoutNext();
                    continue;
                }
                if (step instanceof Journey.Wait w) {
                    log.accept(at, new String[] {"waited"});
                    at = w.next();
                    continue;
                }
                if (step instanceof Journey.WaitUntil w) {
                    log.accept(at, new String[] {"waited"});
                    at = w.next();
                    continue;
                }
                // a send held for quiet hours, a webhook to try again: the step itself runs now
            }
            if (step instanceof Journey.Wait w) {
                Duration d = w.reorderInterval() ? reorderInterval(db, r.tenantId(), customer.id(), w.duration()) : w.duration();
                log.accept(at, new String[] {"waiting", d.toString()});
                return new Position(r, at, seq[0], WAITING, now.plus(d), null, now, variant, 0, null, taken);
            } else if (step instanceof Journey.WaitForEvent w) {
                log.accept(at, new String[] {"waiting", w.event()});
                return new Position(r, at, seq[0], WAITING, now.plus(w.timeout()), w.event(), now, variant, 0, null, taken);
            } else if (step instanceof Journey.WaitUntil w) {
                OffsetDateTime until = Timing.nextTimeOfDay(now, w.time(), zone);
                log.accept(at, new String[] {"waiting", until.toString()});
                return new Position(r, at, seq[0], WAITING, until, null, now, variant, 0, null, taken);
            } else if (step instanceof Journey.Branch b) {
                boolean yes = db.read(c -> matches(c, db.dialect(), b.condition(), r.tenantId(), customer.id(), now));
                log.accept(at, new String[] {yes ? "then" : "else"});
                at = yes ? b.then() : b.otherwise();
            } else if (step instanceof Journey.Split s) {
                Journey.Arm arm = Timing.arm(s.arms(), r.id(), seq[0]);
                log.accept(at, new String[] {"arm:" + arm.name()});
                variant = variant == null ? arm.name() : variant;
                at = arm.next();
            } else if (step instanceof Journey.Send s) {
                OffsetDateTime allowed = Timing.afterQuiet(now, j.quietHours(), zone);
                if (allowed.isAfter(now)) {
                    log.accept(at, new String[] {"held", "quiet hours until " + allowed});
                    return new Position(r, at, seq[0], WAITING, allowed, null, now, variant, 0, null, taken);
                }
                if (j.frequencyCap() != null && sentWithin(r, j.frequencyCap().days(), now) + sentNow(taken) >= j.frequencyCap().messages()) {
                    log.accept(at, new String[] {"capped", "at most " + j.frequencyCap().messages() + " messages in " + j.frequencyCap().days() + " days"});
                } else {
                    log.accept(at, send(r, s, data, seq[0]));
                }
                at = s.next();
            } else if (step instanceof Journey.SendSurvey v) {
                OffsetDateTime allowed = Timing.afterQuiet(now, j.quietHours(), zone);
                if (allowed.isAfter(now)) {
                    log.accept(at, new String[] {"held", "quiet hours until " + allowed});
                    return new Position(r, at, seq[0], WAITING, allowed, null, now, variant, 0, null, taken);
                }
                log.accept(at, sendSurvey(r, v, seq[0]));
                at = v.next();
            } else if (step instanceof Journey.Update u) {
                CustomerChanges changes = CustomerJson.changes(u.patch(), null, customers.stages(), clock);
                customers.update(r.tenantId(), customer.id(), changes, ACTOR);
                log.accept(at, new String[] {"done"});
                at = u.next();
            } else if (step instanceof Journey.Tag t) {
                if (!customer.tags().contains(t.tag())) {
                    db.tx(c -> {
                        customers.updateIn(c, r.tenantId(), customer.id(), new CustomerChanges(Map.of(), Map.of(), Map.of(), null, List.of()),
                                Set.of(t.tag()), ACTOR, now);
                        return null;
                    });
                    customers.changed(r.tenantId(), List.of(customer.id()));
                }
                log.accept(at, new String[] {"done", t.tag()});
                at = t.next();
            } else if (step instanceof Journey.Webhook w) {
                String failure = call(w, r, at, customer, seq[0]);
                if (failure == null) {
                    log.accept(at, new String[] {"done"});
                } else if (attempts + 1 < WEBHOOK_ATTEMPTS) {
                    OffsetDateTime again = now.plus(Duration.ofMinutes((long) Math.pow(5, attempts)));
                    return new Position(r, at, seq[0], WAITING, again, null, now, variant, attempts + 1, null, taken);
                } else {
                    log.accept(at, new String[] {"failed", failure});
                }
                attempts = 0;
                at = w.next();
            } else if (step instanceof Journey.Task t) {
                createTask(r, t, customer, data, seq[0], now);
                log.accept(at, new String[] {"done"});
                at = t.next();
            } else if (step instanceof Journey.Exit e) {
                log.accept(at, new String[] {"completed"});
                return new Position(r, at, seq[0], COMPLETED, null, null, null, variant, 0, null, taken);
            }
        }
        if (at != null) {
            LOG.warn("Journey run {} took {} steps at once; it goes on in a minute", r.id(), MAX_STEPS_AT_ONCE);
            return new Position(r, at, seq[0], ACTIVE, now.plusMinutes(1), null, null, variant, attempts, null, taken);
        }
        return new Position(r, null, seq[0], COMPLETED, null, null, null, variant, 0, null, taken);
    }

    private static int sentNow(List<Taken> taken) {
        return (int) taken.stream().filter(t -> "sent".equals(t.outcome())).count();
    }

    /** The values a journey's templates read under {@code data}: the trigger's event properties and the journey. */
    static Map<String, Object> data(Run r, Journey j) {
        Map<String, Object> data = new LinkedHashMap<>(r.context());
        data.put("journey", Map.of("id", r.journeyId().toString(), "version", r.version(), "run", r.id().toString()));
        return data;
    }

    private String[] send(Run r, Journey.Send s, Map<String, Object> data, int seq) {
        try {
            Messages.Submitted sub = messages.submit(r.tenantId(), ACTOR, new Messages.SendRequest(r.customerId(), s.channel(), s.purpose(), s.subject(),
                    s.text(), s.html(), data, "journey:" + r.id() + ":" + seq));
            Messages.Message m = sub.message();
            return m.state() == Messages.State.REJECTED ? new String[] {"rejected", m.reason()} : new String[] {"sent", m.id().toString()};
        } catch (InvalidInputException e) {
            return new String[] {"failed", e.getMessage()};
        }
    }

    private String[] sendSurvey(Run r, Journey.SendSurvey v, int seq) {
        if (surveys == null) {
            return new String[] {"failed", "surveys are not available"};
        }
        try {
            io.rapport.core.survey.Surveys.Sent sent = surveys.send(r.tenantId(), v.survey(), r.customerId(), ACTOR, "journey:" + r.id() + ":" + seq);
            Messages.Message m = sent.message();
            return m == null ? new String[] {"failed", "no message"} : m.state() == Messages.State.REJECTED ? new String[] {"rejected", m.reason()}
                    : new String[] {"sent", m.id().toString()};
        } catch (InvalidInputException | io.rapport.core.validation.ConflictException | io.rapport.core.validation.NotFoundException e) {
            return new String[] {"failed", e.getMessage()};
        }
    }

    private boolean happened(Run r, String type, OffsetDateTime now) {
        return !db.read(c -> Db.list(c, "SELECT 1 FROM event WHERE customer_id = ? AND tenant_id = ? AND type = ? AND received_at >= ? AND received_at <= ? "
                + "FETCH FIRST 1 ROWS ONLY", List.of(r.customerId(), r.tenantId(), type, r.waitingSince(), now), rs -> 1)).isEmpty();
    }

    private int sentWithin(Run r, int days, OffsetDateTime now) {
        return db.read(c -> Db.list(c, "SELECT COUNT(*) FROM journey_step s JOIN journey_run r ON r.id = s.run_id WHERE r.journey_id = ? "
                + "AND r.customer_id = ? AND s.outcome = 'sent' AND s.at >= ?", List.of(r.journeyId(), r.customerId(), now.minusDays(days)),
                rs -> rs.getInt(1))).get(0);
    }

    /** @return the customer's mean time between orders (two at least), or {@code fallback} */
    static Duration reorderInterval(Db db, UUID tenantId, UUID customerId, Duration fallback) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), MIN(occurred_at), MAX(occurred_at) FROM event WHERE customer_id = ? "
                    + "AND tenant_id = ? AND type = ?")) {
                ps.setObject(1, customerId);
                ps.setObject(2, tenantId);
                ps.setString(3, EventTypes.ORDER_COMPLETED);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long n = rs.getLong(1);
                    if (n < 2) {
                        return fallback;
                    }
                    Duration span = Duration.between(rs.getObject(2, OffsetDateTime.class), rs.getObject(3, OffsetDateTime.class));
                    Duration mean = span.dividedBy(n - 1);
                    return mean.compareTo(Duration.ofHours(1)) < 0 ? fallback : mean;
                }
            }
        });
    }

    private String call(Journey.Webhook w, Run r, String step, Customer customer, int seq) {
        String body = Json.write(Json.object().add("journeyId", r.journeyId().toString()).add("version", r.version()).add("runId", r.id().toString())
                .add("step", step).add("customer", CustomerJson.toJson(customer)).build());
        HttpRequest req = HttpRequest.newBuilder(w.url()).timeout(WEBHOOK_TIMEOUT).header("Content-Type", "application/json")
                .header("Idempotency-Key", "journey:" + r.id() + ":" + seq).header("User-Agent", "Rapport journeys")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<Void> res = http.send(req, HttpResponse.BodyHandlers.discarding());
            return res.statusCode() / 100 == 2 ? null : "HTTP " + res.statusCode();
        } catch (java.io.IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private void createTask(Run r, Journey.Task t, Customer customer, Map<String, Object> data, int seq, OffsetDateTime now) {
        String title = Templates.render(t.title(), false, Templates.context(customer, r.id(), data), "/title");
        String key = "journey:" + r.id() + ":" + seq;
        db.tx(c -> {
            if (Db.list(c, "SELECT 1 FROM task WHERE tenant_id = ? AND source_key = ?", List.of(r.tenantId(), key), rs -> 1).isEmpty()) {
                Db.update(c, "INSERT INTO task (id, tenant_id, customer_id, journey_id, run_id, title, assignee, status, source_key, created_at) "
                        + "VALUES (?,?,?,?,?,?,?,?,?,?)", Ids.timeOrdered(), r.tenantId(), customer.id(), r.journeyId(), r.id(), truncate(title, 500),
                        t.assignee(), "open", key, now);
            }
            return null;
        });
    }

    private static String truncate(String s) {
        return truncate(s, 1000);
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    /** @return how many runs are due now or overdue, for the operator's overview */
    public long backlog() {
        OffsetDateTime now = OffsetDateTime.now(clock);
        return db.read(c -> Db.list(c, "SELECT COUNT(*) FROM journey_run WHERE due_at <= ?", List.of(now), rs -> rs.getLong(1)).get(0));
    }

    @Override
    public void close() {
        running = false;
        wakeup();
        if (worker != null) {
            try {
                worker.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pool.shutdown();
    }
}
