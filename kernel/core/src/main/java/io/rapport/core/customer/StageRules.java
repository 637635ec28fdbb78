package io.rapport.core.customer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The journey stages a tenant uses, in order, and the rules that move a customer forward through them. Automatic
 * moves only go forward; an admin may set any stage by hand.
 *
 * <p>A rule is {@code event.type=stage} (an event of that type lifts the customer to at least that stage) or
 * {@code orders>=N=stage} (the N-th completed order does).
 */
public final class StageRules {

    /** Awareness to loyalty: the funnel most SMB marketing talks in. */
    public static final String DEFAULT_STAGES_CSV = "awareness,consideration,purchase,retention,loyalty";
    public static final List<String> DEFAULT_STAGES = List.of(DEFAULT_STAGES_CSV.split(","));
    public static final String DEFAULT_RULES = "page.viewed=awareness,product.viewed=consideration,cart.updated=consideration,"
            + "order.completed=purchase,orders>=2=retention,orders>=5=loyalty";
    private static final String ORDERS = "orders>=";

    private final List<String> stages;
    private final Map<String, String> byEventType = new LinkedHashMap<>();
    private final TreeMap<Long, String> byOrders = new TreeMap<>();

    public StageRules(List<String> stages, String rules) {
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("at least one journey stage is needed");
        }
        this.stages = List.copyOf(stages);
        for (String rule : rules.split(",")) {
            String r = rule.trim();
            if (r.isEmpty()) {
                continue;
            }
            int eq = r.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("stage rule '" + r + "' is not 'event.type=stage' or 'orders>=N=stage'");
            }
            String when = r.substring(0, eq).trim();
            String stage = r.substring(eq + 1).trim();
            if (!this.stages.contains(stage)) {
                throw new IllegalArgumentException("stage rule '" + r + "' names stage '" + stage + "', which is not one of " + this.stages);
            }
            if (when.startsWith(ORDERS)) {
                byOrders.put(Long.parseLong(when.substring(ORDERS.length()).trim()), stage);
            } else {
                byEventType.put(when, stage);
            }
        }
    }

    public static StageRules defaults() {
        return new StageRules(DEFAULT_STAGES, DEFAULT_RULES);
    }

    public List<String> stages() {
        return stages;
    }

    public boolean isStage(String s) {
        return stages.contains(s);
    }

    /** @return the stage after an event of {@code type} with {@code orderCount} orders, never behind {@code current} */
    public String advance(String current, String type, long orderCount) {
        String best = current;
        List<String> candidates = new ArrayList<>(2);
        String byType = byEventType.get(type);
        if (byType != null) {
            candidates.add(byType);
        }
        Map.Entry<Long, String> byCount = byOrders.floorEntry(orderCount);
        if (byCount != null) {
            candidates.add(byCount.getValue());
        }
        for (String c : candidates) {
            if (best == null || stages.indexOf(c) > stages.indexOf(best)) {
                best = c;
            }
        }
        return best;
    }
}
