package io.rapport.core.kpi;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.rapport.api.event.Event;
import io.rapport.core.db.Db;
import io.rapport.core.json.Json;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.event.EventListener;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KPI executor: the KPI modules plugins offer, their values stored per shop, granularity, period and segment
 * (with the inputs that produced them), computed on first read and kept fresh in the background; goals per KPI. It
 * hears every event: one that occurred on an earlier day (late data, a historical import) marks that day, and the
 * stored values of the periods containing it are recomputed at the next {@link #refresh()}. It keeps the values
 * modules ask it to reuse ({@link io.rapport.spi.kpi.KpiData#reuse}) until it hears an event of their type.
 */
public final class Kpis implements EventListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Kpis.class);
    /** The most periods one series request may compute. */
    public static final int MAX_PERIODS = 400;
    /** How long the value of a period that has not ended stays fresh. */
    static final Duration FRESH = Duration.ofMinutes(5);
    static final UUID WHOLE_SHOP = new UUID(0, 0);
    /** The most months a cohort table may span. */
    public static final int MAX_COHORT_MONTHS = 60;
    /** The most customers a list of top scores holds. */
    public static final int MAX_TOP = 100;
    /** How long a value a module asked to reuse is kept at most: the bound on events another node heard. */
    static final Duration KEEP = Duration.ofHours(1);

    /** A stored value. */
    public record Stored(String kpi, Period.Granularity granularity, LocalDate start, UUID segmentId, BigDecimal value, Map<String, BigDecimal> inputs,
                         OffsetDateTime computedAt) {
    }

    /**
     * A customer with one of their scores, and the other scores they have, with what a list shows for them.
     *
     * @param scores     every score of the customer by name, the listed one included
     * @param externalId the first of their ids in other systems, as {@code system:id}, or null
     */
    public record Scored(UUID customerId, BigDecimal score, Map<String, BigDecimal> scores, String firstName, String lastName, String email,
                         String externalId) {
    }

    /** The first and the last day (in the shop's zone) with an event of a type. */
    public record Dates(LocalDate first, LocalDate last) {
    }

    /**
     * What computing one KPI for one period took.
     *
     * @param millis          in all, the value stored
     * @param purchasesMillis reading every customer's purchases ({@code KpiData.purchases}), the module's summary of each included
     * @param scoresMillis    writing scores ({@code KpiData.writeScores})
     * @param scores          the scores the module wrote, of every name (a customer no longer there gets none stored)
     * @param reused          whether the module reused a kept value ({@code KpiData.reuse}) instead of computing it
     */
    public record Timing(String kpi, Period.Granularity granularity, LocalDate start, long millis, long purchasesMillis, long scoresMillis, long scores,
                         boolean reused) {
    }

    /** A target for a KPI, read at a granularity. */
    public record Goal(String kpi, Period.Granularity granularity, BigDecimal target, String setBy, OffsetDateTime setAt) {
    }

    private final Db db;
    private final Clock clock;
    private final Function<UUID, ZoneId> zones;
    private final Map<String, KpiModule> modules = new ConcurrentHashMap<>();
    /** (tenant, day) pairs with late data, not yet written to kpi_dirty. */
    private final Set<String> late = ConcurrentHashMap.newKeySet();
    private java.util.concurrent.ScheduledExecutorService timer;
    /** Events heard per shop and type ("tenant/type"): a kept value is good while the count has not moved. */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> heard = new ConcurrentHashMap<>();
    /**
     * Values modules asked to reuse ({@link KeptKey}: by module, shop, segment, type and key) and the kernel's own
     * aggregates over the whole shop ({@link AggregateKey}), each with the count of events of its type heard when it
     * was computed.
     */
    private final Map<Object, Kept> kept = new ConcurrentHashMap<>();
    private final Map<Object, Object> computing = new ConcurrentHashMap<>();
    /** The most values kept: past it, everything is forgotten (old periods' windows are not read again). */
    static final int MAX_KEPT = 10_000;
    /** Periods whose stale value is being recomputed in the background ("kpi/granularity/start/segment"). */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();

    private record KeptKey(String kpi, UUID tenantId, UUID segmentId, String type, String key) {
    }

    private record AggregateKey(UUID tenantId, String type, String query) {
    }

    private record Kept(Object value, long heard, long at) {
    }

    private final java.util.function.BiConsumer<UUID, String> scoresWritten;

    /**
     * @param zones         each shop's time zone
     * @param scoresWritten told after a module wrote a shop's scores of a name (the segments that read them are rebuilt)
     */
    public Kpis(Db db, Clock clock, Function<UUID, ZoneId> zones, java.util.function.BiConsumer<UUID, String> scoresWritten) {
        this.db = db;
        this.clock = clock;
        this.zones = zones;
        this.scoresWritten = scoresWritten;
    }

    /** Adds a module (the whiteboard calls this for each KpiModule service). @return what removes it */
    public Runnable register(KpiModule module) {
        String id = module.definition().id();
        KpiModule before = modules.putIfAbsent(id, module);
        if (before != null && before != module) {
            LOG.warn("Two KPI modules are named {}: {} is ignored", id, module.getClass().getName());
            return () -> { };
        }
        return () -> {
            modules.remove(id, module);
            kept.keySet().removeIf(k -> k instanceof KeptKey kk && kk.kpi().equals(id));
        };
    }

    /** The KPIs offered now, by module and id. */
    public List<KpiModule.Definition> definitions() {
        return modules.values().stream().map(KpiModule::definition)
                .sorted(Comparator.comparing((KpiModule.Definition d) -> String.valueOf(d.module())).thenComparing(KpiModule.Definition::id)).toList();
    }

    public KpiModule.Definition definition(String kpi) {
        return module(kpi).definition();
    }

    private KpiModule module(String kpi) {
        KpiModule m = modules.get(kpi);
        if (m == null) {
            throw new NotFoundException("no KPI '" + kpi + "': the plugin that offers it is not active");
        }
        return m;
    }

    /** @return the period of the granularity that contains {@code day}, in the shop's zone */
    public Period period(UUID tenantId, Period.Granularity g, LocalDate day, UUID segmentId) {
        ZoneId zone = zones.apply(tenantId);
        LocalDate start = switch (g) {
            case DAY -> day;
            case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> day.withDayOfMonth(1);
        };
        LocalDate next = switch (g) {
            case DAY -> start.plusDays(1);
            case WEEK -> start.plusWeeks(1);
            case MONTH -> start.plusMonths(1);
        };
        return new Period(tenantId, g, start, start.atStartOfDay(zone).toInstant(), next.atStartOfDay(zone).toInstant(), segmentId);
    }

    /** Computes and stores one period's value now. */
    public Stored compute(String kpi, Period p) {
        return computeTimed(kpi, p).stored();
    }

    private record Computed(Stored stored, Timing timing) {
    }

    private Computed computeTimed(String kpi, Period p) {
        KpiModule m = module(kpi);
        long t0 = System.nanoTime();
        KernelKpiData data = new KernelKpiData(db, p, zones.apply(p.tenantId()), clock, scoresWritten, (key, type, work) -> reuse(kpi, p, key, type, work),
                p.segmentId() == null ? (type, query, work) -> aggregate(p.tenantId(), type, query, work) : KernelKpiData.NOT_SHARED, true);
        KpiModule.Value v = m.compute(p, data);
        if (v == null) {
            throw new IllegalStateException("KPI module " + kpi + " returned no value");
        }
        try {
            data.flushScores();
        } catch (RuntimeException e) {
            // a kept value whose scores were not written would not write them again: forget it
            kept.keySet().removeIf(k -> k instanceof KeptKey kk && kk.kpi().equals(kpi) && kk.tenantId().equals(p.tenantId()));
            throw e;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        UUID seg = p.segmentId() == null ? WHOLE_SHOP : p.segmentId();
        BigDecimal value = v.value() == null ? null : v.value().setScale(8, RoundingMode.HALF_EVEN);
        Map<String, Object> inputs = new LinkedHashMap<>(v.inputs());
        db.tx(c -> {
            Db.update(c, "DELETE FROM kpi_value WHERE tenant_id = ? AND kpi = ? AND granularity = ? AND segment_id = ? AND period_start = ?", p.tenantId(),
                    kpi, p.granularity().name(), seg, p.start());
            Db.update(c, "INSERT INTO kpi_value (tenant_id, kpi, granularity, period_start, segment_id, kpi_value, inputs, computed_at) VALUES (?,?,?,?,?,?,?,?)",
                    p.tenantId(), kpi, p.granularity().name(), p.start(), seg, value, Json.writeMap(inputs), now);
            return null;
        });
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LOG.debug("KPI {} {} {} computed in {} ms", kpi, p.granularity(), p.start(), millis);
        return new Computed(new Stored(kpi, p.granularity(), p.start(), p.segmentId(), v.value(), v.inputs(), now),
                new Timing(kpi, p.granularity(), p.start(), millis, data.purchasesNanos() / 1_000_000, data.scoresNanos() / 1_000_000, data.scoresWritten(),
                        data.reused()));
    }

    /** KpiData.reuse: the kept value while no event of the type was heard for the shop, else computed (once at a time per key) and kept. */
    private KpiModule.Value reuse(String kpi, Period p, String key, String type, java.util.function.Supplier<KpiModule.Value> work) {
        if (p.segmentId() != null) {
            return java.util.Objects.requireNonNull(work.get(), "a KPI module's computation returned null"); // its members change without events
        }
        return (KpiModule.Value) kept(new KeptKey(kpi, p.tenantId(), null, type, key), p.tenantId(), type,
                () -> java.util.Objects.requireNonNull(work.get(), "a KPI module's computation returned null"));
    }

    /** An aggregate of the whole shop's events of a type (a count, a sum), shared by the modules while no event of the type is heard. */
    Object aggregate(UUID tenantId, String type, String query, java.util.function.Supplier<Object> work) {
        return kept(new AggregateKey(tenantId, type, query), tenantId, type, work);
    }

    private Object kept(Object k, UUID tenantId, String type, java.util.function.Supplier<Object> work) {
        synchronized (computing.computeIfAbsent(k, x -> new Object())) {
            // an aggregate over two types ("cart.updated,order.completed") is kept while neither is heard
            long count = 0;
            for (String t : type.split(",")) {
                count += heard(tenantId, t).get();
            }
            Kept old = kept.get(k);
            if (old != null && old.heard() == count && System.nanoTime() - old.at() < KEEP.toNanos()) {
                return old.value();
            }
            kept.remove(k);
            Object v = work.get();
            if (kept.size() >= MAX_KEPT) {
                kept.clear();
                computing.clear(); // at worst two threads compute one value at the same time once
            }
            kept.put(k, new Kept(v, count, System.nanoTime()));
            return v;
        }
    }

    private java.util.concurrent.atomic.AtomicLong heard(UUID tenantId, String type) {
        return heard.computeIfAbsent(tenantId + "/" + type, x -> new java.util.concurrent.atomic.AtomicLong());
    }

    /**
     * Computes and stores the value of every KPI offered now for the shop's current day, week and month (the whole
     * shop), one after the other on the calling thread, whatever is stored: the batch an operator runs, or a
     * scheduler. A module's work that the three periods share ({@code KpiData.reuse}) is done once.
     *
     * @return what each took, by KPI and then day, week and month
     */
    public List<Timing> computeCurrent(UUID tenantId) {
        LocalDate today = OffsetDateTime.now(clock).atZoneSameInstant(zones.apply(tenantId)).toLocalDate();
        List<Timing> out = new ArrayList<>();
        for (KpiModule.Definition d : definitions()) {
            for (Period.Granularity g : Period.Granularity.values()) {
                Timing t = computeTimed(d.id(), period(tenantId, g, today, null)).timing();
                LOG.info("KPI {} {} {} of shop {}: {} ms (purchases {} ms, {} scores in {} ms{})", t.kpi(), t.granularity(), t.start(), tenantId, t.millis(),
                        t.purchasesMillis(), t.scores(), t.scoresMillis(), t.reused() ? ", reused" : "");
                out.add(t);
            }
        }
        return out;
    }

    /**
     * The series of a KPI from the period containing {@code from} to the one containing {@code to}: stored values,
     * and the missing ones computed now. A stored value that is stale (a period not over yet whose value is older than
     * a few minutes, or a period computed before it ended) is served as it is and recomputed in the background, so
     * that a read waits only for the periods never computed. Periods after today are left out.
     */
    public List<Stored> series(UUID tenantId, String kpi, Period.Granularity g, LocalDate from, LocalDate to, UUID segmentId) {
        module(kpi);
        if (to.isBefore(from)) {
            throw new InvalidInputException("to", "is on or after from");
        }
        LocalDate today = OffsetDateTime.now(clock).atZoneSameInstant(zones.apply(tenantId)).toLocalDate();
        LocalDate last = to.isAfter(today) ? today : to;
        List<Period> periods = new ArrayList<>();
        for (Period p = period(tenantId, g, from, segmentId); !p.start().isAfter(last); p = period(tenantId, g, next(p), segmentId)) {
            periods.add(p);
            if (periods.size() > MAX_PERIODS) {
                throw new InvalidInputException("from", "a series has at most " + MAX_PERIODS + " periods: narrow the dates or take a longer granularity");
            }
        }
        Map<LocalDate, Stored> stored = new LinkedHashMap<>();
        UUID seg = segmentId == null ? WHOLE_SHOP : segmentId;
        if (!periods.isEmpty()) {
            db.read(c -> Db.list(c, "SELECT period_start, kpi_value, inputs, computed_at FROM kpi_value WHERE tenant_id = ? AND kpi = ? AND granularity = ? "
                    + "AND segment_id = ? AND period_start >= ? AND period_start <= ?", List.of(tenantId, kpi, g.name(), seg, periods.get(0).start(),
                    periods.get(periods.size() - 1).start()), rs -> stored.put(rs.getObject(1, LocalDate.class), stored(kpi, g, segmentId, rs))));
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<Stored> out = new ArrayList<>(periods.size());
        for (Period p : periods) {
            Stored s = stored.get(p.start());
            boolean open = p.to().isAfter(now.toInstant());
            boolean stale = s != null && open && s.computedAt().isBefore(now.minus(FRESH));
            boolean computedBeforeEnd = s != null && !open && s.computedAt().toInstant().isBefore(p.to());
            if (s == null) {
                out.add(compute(kpi, p));
            } else {
                out.add(s);
                if (stale || computedBeforeEnd) {
                    recomputeLater(kpi, p);
                }
            }
        }
        return out;
    }

    /** Recomputes a stored value in the background (once at a time per period), so that a read never waits for it. */
    private void recomputeLater(String kpi, Period p) {
        String key = kpi + "/" + p.tenantId() + "/" + p.granularity() + "/" + p.start() + "/" + p.segmentId();
        java.util.concurrent.ScheduledExecutorService t = timer;
        if (t == null) {
            compute(kpi, p);
            return;
        }
        if (pending.add(key)) {
            try {
                t.execute(() -> {
                    try {
                        if (modules.containsKey(kpi)) {
                            compute(kpi, p);
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("Recomputing KPI {} {} {} of shop {} failed; tried again at the next read", kpi, p.granularity(), p.start(), p.tenantId(), e);
                    } finally {
                        pending.remove(key);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                pending.remove(key); // closing
            }
        }
    }

    private static LocalDate next(Period p) {
        return switch (p.granularity()) {
            case DAY -> p.start().plusDays(1);
            case WEEK -> p.start().plusWeeks(1);
            case MONTH -> p.start().plusMonths(1);
        };
    }

    private static Stored stored(String kpi, Period.Granularity g, UUID segmentId, ResultSet rs) throws SQLException {
        Map<String, BigDecimal> inputs = new LinkedHashMap<>();
        Json.readMap(rs.getString(3)).forEach((k, v) -> inputs.put(k, KernelKpiData.number(v)));
        return new Stored(kpi, g, rs.getObject(1, LocalDate.class), segmentId, rs.getBigDecimal(2) == null ? null : rs.getBigDecimal(2).stripTrailingZeros(),
                inputs, rs.getObject(4, OffsetDateTime.class));
    }

    // --- cohorts, scores and the data's dates -------------------------------------------------------------------

    /**
     * The cohort retention table of a shop (or a segment's members) from month {@code from} to month {@code to}, both
     * included, in the shop's zone: the customers whose first event of the type fell in each month, and how many of
     * them had one in each month since, up to {@code to} (see {@link KpiData#cohorts}).
     */
    public List<KpiData.Cohort> cohorts(UUID tenantId, String type, YearMonth from, YearMonth to, UUID segmentId) {
        if (to.isBefore(from)) {
            throw new InvalidInputException("to", "is on or after from");
        }
        if (from.until(to, java.time.temporal.ChronoUnit.MONTHS) >= MAX_COHORT_MONTHS) {
            throw new InvalidInputException("from", "a cohort table spans at most " + MAX_COHORT_MONTHS + " months: narrow the dates");
        }
        ZoneId zone = zones.apply(tenantId);
        Period p = period(tenantId, Period.Granularity.MONTH, from.atDay(1), segmentId);
        return new KernelKpiData(db, p, zone, clock, scoresWritten).cohorts(type, p.from(), to.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant());
    }

    /**
     * The customers with the highest scores of a name (as a KPI module wrote them), highest first, with their other
     * scores. Customers merged into another are left out (their scores went with them).
     */
    public List<Scored> top(UUID tenantId, String name, int limit) {
        if (limit < 1 || limit > MAX_TOP) {
            throw new InvalidInputException("limit", "is a whole number from 1 to " + MAX_TOP);
        }
        return db.read(c -> {
            List<Scored> top = Db.list(c, "SELECT s.customer_id, s.score, c.first_name, c.last_name, c.email, (SELECT MIN(CONCAT(i.namespace, ':', i.id_value)) "
                    + "FROM customer_identifier i WHERE i.customer_id = s.customer_id AND i.type = ?) FROM customer_score s JOIN customer c ON c.id = s.customer_id "
                    + "WHERE s.tenant_id = ? AND s.name = ? AND c.merged_into IS NULL ORDER BY s.score DESC, s.customer_id LIMIT ?",
                    List.of(io.rapport.api.customer.IdentifierType.EXTERNAL.key(), tenantId, name, limit),
                    rs -> new Scored(rs.getObject(1, UUID.class), rs.getBigDecimal(2).stripTrailingZeros(), new java.util.TreeMap<>(), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6)));
            Map<UUID, Scored> byId = new LinkedHashMap<>();
            top.forEach(t -> byId.put(t.customerId(), t));
            for (List<UUID> chunk : Db.chunks(List.copyOf(byId.keySet()), 500)) {
                List<Object> args = new ArrayList<>(List.of(tenantId));
                args.addAll(chunk);
                Db.list(c, "SELECT customer_id, name, score FROM customer_score WHERE tenant_id = ? AND customer_id IN (" + Db.marks(chunk.size()) + ")", args,
                        rs -> byId.get(rs.getObject(1, UUID.class)).scores().put(rs.getString(2), rs.getBigDecimal(3).stripTrailingZeros()));
            }
            return top;
        });
    }

    /** @return the first and last day with an event of the type in the shop, or empty without any */
    public Optional<Dates> dates(UUID tenantId, String type) {
        ZoneId zone = zones.apply(tenantId);
        List<Dates> d = db.read(c -> Db.list(c, "SELECT MIN(occurred_at), MAX(occurred_at) FROM event WHERE tenant_id = ? AND type = ?", List.of(tenantId, type),
                rs -> rs.getObject(1) == null ? null : new Dates(rs.getObject(1, OffsetDateTime.class).atZoneSameInstant(zone).toLocalDate(),
                        rs.getObject(2, OffsetDateTime.class).atZoneSameInstant(zone).toLocalDate())));
        return Optional.ofNullable(d.isEmpty() ? null : d.get(0));
    }

    // --- goals ---------------------------------------------------------------------------------------------

    public Goal setGoal(UUID tenantId, String kpi, Period.Granularity g, BigDecimal target, String actor) {
        module(kpi);
        OffsetDateTime now = OffsetDateTime.now(clock);
        db.tx(c -> {
            Db.update(c, "DELETE FROM kpi_goal WHERE tenant_id = ? AND kpi = ?", tenantId, kpi);
            Db.update(c, "INSERT INTO kpi_goal (tenant_id, kpi, granularity, target, set_by, set_at) VALUES (?,?,?,?,?,?)", tenantId, kpi, g.name(), target,
                    actor, now);
            return null;
        });
        return new Goal(kpi, g, target, actor, now);
    }

    public boolean removeGoal(UUID tenantId, String kpi) {
        return db.tx(c -> Db.update(c, "DELETE FROM kpi_goal WHERE tenant_id = ? AND kpi = ?", tenantId, kpi)) > 0;
    }

    public Map<String, Goal> goals(UUID tenantId) {
        Map<String, Goal> out = new LinkedHashMap<>();
        db.read(c -> Db.list(c, "SELECT kpi, granularity, target, set_by, set_at FROM kpi_goal WHERE tenant_id = ? ORDER BY kpi", List.of(tenantId),
                rs -> out.put(rs.getString(1), new Goal(rs.getString(1), Period.Granularity.valueOf(rs.getString(2)), rs.getBigDecimal(3).stripTrailingZeros(),
                        rs.getString(4), rs.getObject(5, OffsetDateTime.class)))));
        return out;
    }

    public Optional<Goal> goal(UUID tenantId, String kpi) {
        return Optional.ofNullable(goals(tenantId).get(kpi));
    }

    /**
     * @return how far a value is towards a goal: value ÷ target when higher is better, target ÷ value when lower
     *         is better (1 = reached); null without a value or for a zero denominator
     */
    public static BigDecimal progress(KpiModule.Direction direction, BigDecimal value, BigDecimal target) {
        if (value == null || target == null) {
            return null;
        }
        BigDecimal num = direction == KpiModule.Direction.HIGHER_IS_BETTER ? value : target;
        BigDecimal den = direction == KpiModule.Direction.HIGHER_IS_BETTER ? target : value;
        return den.signum() == 0 ? null : num.divide(den, 4, RoundingMode.HALF_EVEN);
    }

    // --- late data -----------------------------------------------------------------------------------------

    @Override
    public void onEvent(Event event) {
        java.util.concurrent.atomic.AtomicLong count = heard.get(event.tenantId() + "/" + event.type());
        if (count != null) {
            count.incrementAndGet();
        }
        if (io.rapport.api.event.EventTypes.CUSTOMER_MERGED.equals(event.type())) {
            // a merge moves events to the survivor without an event of their type: forget what was kept for the shop
            kept.keySet().removeIf(k -> k instanceof KeptKey kk ? kk.tenantId().equals(event.tenantId())
                    : ((AggregateKey) k).tenantId().equals(event.tenantId()));
        }
        ZoneId zone = zones.apply(event.tenantId());
        LocalDate day = event.occurredAt().atZoneSameInstant(zone).toLocalDate();
        LocalDate received = (event.receivedAt() == null ? OffsetDateTime.now(clock) : event.receivedAt()).atZoneSameInstant(zone).toLocalDate();
        if (day.isBefore(received)) {
            late.add(event.tenantId() + "/" + day);
        }
    }

    /**
     * Recomputes the stored values of periods that late data changed. @return how many values it recomputed
     */
    public int refresh() {
        List<String> days = new ArrayList<>(late);
        if (!days.isEmpty()) {
            db.tx(c -> {
                for (String d : days) {
                    String[] p = d.split("/");
                    UUID tenant = UUID.fromString(p[0]);
                    LocalDate day = LocalDate.parse(p[1]);
                    if (Db.list(c, "SELECT 1 FROM kpi_dirty WHERE tenant_id = ? AND dirty_day = ?", List.of(tenant, day), rs -> 1).isEmpty()) {
                        Db.update(c, "INSERT INTO kpi_dirty (tenant_id, dirty_day) VALUES (?, ?)", tenant, day);
                    }
                }
                return null;
            });
            late.removeAll(days);
        }
        record Dirty(UUID tenant, LocalDate day) {
        }
        List<Dirty> dirty = db.read(c -> Db.list(c, "SELECT tenant_id, dirty_day FROM kpi_dirty ORDER BY tenant_id, dirty_day", List.of(),
                rs -> new Dirty(rs.getObject(1, UUID.class), rs.getObject(2, LocalDate.class))));
        int n = 0;
        for (Dirty d : dirty) {
            record Key(String kpi, Period.Granularity g, UUID segment, LocalDate start) {
            }
            List<Key> keys = db.read(c -> Db.list(c, "SELECT kpi, granularity, segment_id, period_start FROM kpi_value WHERE tenant_id = ? "
                    + "AND period_start <= ? AND period_start > ?", List.of(d.tenant(), d.day(), d.day().minusMonths(1)),
                    rs -> new Key(rs.getString(1), Period.Granularity.valueOf(rs.getString(2)), rs.getObject(3, UUID.class), rs.getObject(4, LocalDate.class))));
            for (Key k : keys) {
                Period p = period(d.tenant(), k.g(), k.start(), WHOLE_SHOP.equals(k.segment()) ? null : k.segment());
                if (!d.day().isBefore(p.start()) && d.day().isBefore(next(p)) && modules.containsKey(k.kpi())) {
                    compute(k.kpi(), p);
                    n++;
                }
            }
            db.tx(c -> Db.update(c, "DELETE FROM kpi_dirty WHERE tenant_id = ? AND dirty_day = ?", d.tenant(), d.day()));
        }
        return n;
    }

    /** Recomputes what late data changed every {@code every}. */
    public Kpis start(Duration every) {
        timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rapport-kpis");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException e) {
                LOG.warn("Recomputing KPIs after late data failed; tried again in {}", every, e);
            }
        }, every.toMillis(), every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        modules.clear();
        kept.clear();
    }
}
