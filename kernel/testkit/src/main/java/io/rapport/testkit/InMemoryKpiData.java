package io.rapport.testkit;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;

/**
 * {@link KpiData} over a list of events in memory, as its Javadoc defines the aggregates (days are UTC days), for the unit
 * tests of KPI modules: add events, call the module, read the scores it wrote.
 */
public final class InMemoryKpiData implements KpiData {

    public record Event(String type, UUID customer, Instant at, Map<String, Object> properties) {
    }

    public final List<Event> events = new ArrayList<>();
    public final Map<String, Map<UUID, BigDecimal>> scores = new LinkedHashMap<>();
    /**
     * The values {@link #reuse} keeps, by event type and key; adding an event of the type forgets them. One instance
     * stands for one shop and segment: use another for a segment's periods.
     */
    public final Map<String, Map<String, KpiModule.Value>> kept = new HashMap<>();
    /** How many times {@link #reuse} ran its computation. */
    public int computations;

    public InMemoryKpiData add(String type, UUID customer, String at, Object... properties) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (int i = 0; i < properties.length; i += 2) {
            p.put((String) properties[i], properties[i + 1]);
        }
        events.add(new Event(type, customer, Instant.parse(at), p));
        kept.remove(type);
        return this;
    }

    private Stream<Event> of(String type, Instant from, Instant to) {
        return events.stream().filter(e -> e.type().equals(type) && !e.at().isBefore(from) && e.at().isBefore(to));
    }

    @Override
    public long events(String type, Instant from, Instant to) {
        return of(type, from, to).count();
    }

    @Override
    public long customersWith(String type, Instant from, Instant to) {
        return of(type, from, to).map(Event::customer).filter(Objects::nonNull).distinct().count();
    }

    @Override
    public long customersWithBoth(String type, Instant from, Instant to, String otherType, Instant otherFrom, Instant otherTo) {
        Set<UUID> other = new HashSet<>();
        of(otherType, otherFrom, otherTo).map(Event::customer).filter(Objects::nonNull).forEach(other::add);
        return of(type, from, to).map(Event::customer).filter(other::contains).distinct().count();
    }

    @Override
    public long customersWithout(String type, String otherType, Instant from, Instant to) {
        Map<UUID, Instant> last = new HashMap<>();
        of(type, from, to).filter(e -> e.customer() != null).forEach(e -> last.merge(e.customer(), e.at(), (a, b) -> a.isAfter(b) ? a : b));
        return last.entrySet().stream().filter(k -> of(otherType, k.getValue(), to).noneMatch(o -> k.getKey().equals(o.customer()))).count();
    }

    @Override
    public long firstTimeCustomers(String type, Instant from, Instant to) {
        Map<UUID, Instant> first = new HashMap<>();
        events.stream().filter(e -> e.type().equals(type) && e.customer() != null).forEach(e -> first.merge(e.customer(), e.at(),
                (a, b) -> a.isBefore(b) ? a : b));
        return first.values().stream().filter(t -> !t.isBefore(from) && t.isBefore(to)).count();
    }

    @Override
    public long repeatCustomers(String type, Instant from, Instant to, boolean distinctDays) {
        Map<UUID, List<LocalDate>> days = new HashMap<>();
        of(type, from, to).filter(e -> e.customer() != null).forEach(e -> days.computeIfAbsent(e.customer(), c -> new ArrayList<>())
                .add(LocalDate.ofInstant(e.at(), ZoneOffset.UTC)));
        return days.values().stream().filter(d -> (distinctDays ? new HashSet<>(d).size() : d.size()) >= 2).count();
    }

    @Override
    public BigDecimal sum(String type, String property, Instant from, Instant to) {
        return of(type, from, to).map(e -> number(e.properties().get(property))).filter(Objects::nonNull).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    @Override
    public Totals totals(String type, String property, Instant from, Instant to) {
        Map<UUID, LocalDate[]> spans = new HashMap<>();
        of(type, from, to).filter(e -> e.customer() != null).forEach(e -> {
            LocalDate d = LocalDate.ofInstant(e.at(), ZoneOffset.UTC);
            spans.merge(e.customer(), new LocalDate[] {d, d}, (a, b) -> new LocalDate[] {a[0].isBefore(b[0]) ? a[0] : b[0], a[1].isAfter(b[1]) ? a[1] : b[1]});
        });
        long spanDays = spans.values().stream().mapToLong(s -> ChronoUnit.DAYS.between(s[0], s[1])).sum();
        return new Totals(events(type, from, to), spans.size(), sum(type, property, from, to), spanDays);
    }

    @Override
    public Map<String, Long> countBy(String type, String property, Instant from, Instant to) {
        Map<String, Long> out = new TreeMap<>();
        of(type, from, to).map(e -> e.properties().get(property)).filter(Objects::nonNull).forEach(v -> out.merge(String.valueOf(v), 1L, Long::sum));
        return out;
    }

    @Override
    public Map<String, Long> countBy(String type, String property, Map<String, String> where, Instant from, Instant to) {
        Map<String, Long> out = new TreeMap<>();
        of(type, from, to).filter(e -> where.entrySet().stream().allMatch(w -> w.getValue().equals(key(e.properties().get(w.getKey())))))
                .map(e -> key(e.properties().get(property))).filter(Objects::nonNull).forEach(v -> out.merge(v, 1L, Long::sum));
        return out;
    }

    /** A value as the kernel names it: a number without trailing zeros, anything else as text. */
    private static String key(Object v) {
        return v == null ? null : v instanceof BigDecimal b ? b.stripTrailingZeros().toPlainString() : String.valueOf(v);
    }

    @Override
    public long customersAt(Instant at) {
        throw new UnsupportedOperationException("not kept in memory");
    }

    @Override
    public void purchases(String type, String valueProperty, Instant until, Consumer<Purchases> each) {
        Map<UUID, List<Event>> by = new LinkedHashMap<>();
        of(type, Instant.EPOCH, until).filter(e -> e.customer() != null).sorted(java.util.Comparator.comparing(Event::at))
                .forEach(e -> by.computeIfAbsent(e.customer(), c -> new ArrayList<>()).add(e));
        by.forEach((id, list) -> {
            LocalDate firstDay = LocalDate.ofInstant(list.get(0).at(), ZoneOffset.UTC);
            Set<LocalDate> days = new HashSet<>();
            BigDecimal total = BigDecimal.ZERO;
            BigDecimal onFirst = BigDecimal.ZERO;
            for (Event e : list) {
                LocalDate d = LocalDate.ofInstant(e.at(), ZoneOffset.UTC);
                days.add(d);
                BigDecimal v = number(e.properties().get(valueProperty));
                v = v == null ? BigDecimal.ZERO : v;
                total = total.add(v);
                onFirst = d.equals(firstDay) ? onFirst.add(v) : onFirst;
            }
            each.accept(new Purchases(id, list.get(0).at(), list.get(list.size() - 1).at(), days.size(), total, onFirst));
        });
    }

    @Override
    public List<Cohort> cohorts(String type, Instant from, Instant until) {
        if (!from.isBefore(until)) {
            return List.of();
        }
        YearMonth first = YearMonth.from(from.atZone(ZoneOffset.UTC));
        int months = (int) first.until(YearMonth.from(until.minusNanos(1).atZone(ZoneOffset.UTC)), ChronoUnit.MONTHS) + 1;
        Map<UUID, Instant> firstAt = new HashMap<>();
        events.stream().filter(e -> e.type().equals(type) && e.customer() != null).forEach(e -> firstAt.merge(e.customer(), e.at(),
                (a, b) -> a.isBefore(b) ? a : b));
        Map<UUID, Integer> cohortOf = new HashMap<>();
        firstAt.forEach((c, t) -> {
            if (!t.isBefore(from) && t.isBefore(until)) {
                cohortOf.put(c, (int) first.until(YearMonth.from(t.atZone(ZoneOffset.UTC)), ChronoUnit.MONTHS));
            }
        });
        List<Set<UUID>[]> seen = new ArrayList<>();
        List<Cohort> out = new ArrayList<>();
        for (int i = 0; i < months; i++) {
            @SuppressWarnings("unchecked")
            Set<UUID>[] active = new Set[months - i];
            for (int k = 0; k < active.length; k++) {
                active[k] = new HashSet<>();
            }
            seen.add(active);
        }
        of(type, from, until).filter(e -> cohortOf.containsKey(e.customer())).forEach(e -> {
            int cohort = cohortOf.get(e.customer());
            int month = (int) first.until(YearMonth.from(e.at().atZone(ZoneOffset.UTC)), ChronoUnit.MONTHS);
            seen.get(cohort)[month - cohort].add(e.customer());
        });
        for (int i = 0; i < months; i++) {
            List<Long> active = Stream.of(seen.get(i)).map(x -> (long) x.size()).toList();
            out.add(new Cohort(first.plusMonths(i), active.get(0), active));
        }
        return out;
    }

    @Override
    public void writeScores(String name, Map<UUID, BigDecimal> s) {
        scores.put(name, Map.copyOf(s));
    }

    @Override
    public KpiModule.Value reuse(String key, String type, Supplier<KpiModule.Value> compute) {
        Map<String, KpiModule.Value> ofType = kept.computeIfAbsent(type, t -> new HashMap<>());
        KpiModule.Value v = ofType.get(key);
        if (v == null) {
            computations++;
            v = Objects.requireNonNull(compute.get(), "a computation returned null");
            ofType.put(key, v);
        }
        return v;
    }

    private static BigDecimal number(Object v) {
        return v instanceof BigDecimal b ? b : v instanceof Number n ? new BigDecimal(n.toString()) : null;
    }
}
