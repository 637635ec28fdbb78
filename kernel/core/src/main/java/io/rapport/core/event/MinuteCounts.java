package io.rapport.core.event;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Events accepted per tenant in each of the last {@link #MINUTES} minutes, on this node, for the console's overview.
 * Kept in memory (a ring of per-minute counts) because counting the event table by time would need an index that
 * every insert pays for; a node that restarts starts from zero.
 */
public final class MinuteCounts {

    public static final int MINUTES = 60;

    private static final class Ring {
        final long[] minute = new long[MINUTES];
        final long[] count = new long[MINUTES];
    }

    private final Clock clock;
    private final ConcurrentHashMap<UUID, Ring> rings = new ConcurrentHashMap<>();

    public MinuteCounts(Clock clock) {
        this.clock = clock;
    }

    public void add(UUID tenantId, int n) {
        if (n <= 0) {
            return;
        }
        long m = clock.millis() / 60_000;
        Ring r = rings.computeIfAbsent(tenantId, k -> new Ring());
        synchronized (r) {
            int i = (int) (m % MINUTES);
            if (r.minute[i] != m) {
                r.minute[i] = m;
                r.count[i] = 0;
            }
            r.count[i] += n;
        }
    }

    /** @return the counts of the last {@link #MINUTES} minutes, oldest first; the last is the current, partial minute */
    public long[] last(UUID tenantId) {
        long now = clock.millis() / 60_000;
        long[] out = new long[MINUTES];
        Ring r = rings.get(tenantId);
        if (r == null) {
            return out;
        }
        synchronized (r) {
            for (int k = 0; k < MINUTES; k++) {
                long m = now - (MINUTES - 1) + k;
                int i = (int) (m % MINUTES);
                out[k] = r.minute[i] == m ? r.count[i] : 0;
            }
        }
        return out;
    }
}
