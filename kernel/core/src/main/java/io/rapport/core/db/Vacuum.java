package io.rapport.core.db;

import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's own upkeep of a PostgreSQL table that it churns: {@code VACUUM (ANALYZE, PARALLEL 0)} once the rows
 * written or deleted since the last one reach a threshold, at most once per interval. Autovacuum does it too, but after
 * a fifth of the table has changed and never where it is off; a queue table (the outbox) is then mostly dead rows
 * within seconds, and its statistics still describe it as it was (empty: the planner reads it whole at every poll).
 * In one process, without parallel workers: they would take the cores of a small machine from the work for the
 * seconds a vacuum lasts. Elsewhere than on PostgreSQL, nothing.
 */
public final class Vacuum {

    private static final Logger LOG = LoggerFactory.getLogger(Vacuum.class);

    private final Db db;
    private final String table;
    private final long afterRows;
    private final long everyNanos;
    private final boolean truncate;
    private final int costDelayMillis;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long vacuumedAtRows;
    private volatile long vacuumedAtNanos;

    /**
     * @param table    a kernel table's name, a constant: it goes into the statement as it is
     * @param truncate whether the vacuum may give the empty pages at the table's end back to the system: it then locks
     *                 the table against writes for a moment, which a queue written at every event (the outbox) should
     *                 not pay every few seconds; its freed pages are reused either way
     * @param costDelayMillis PostgreSQL's {@code vacuum_cost_delay} for this vacuum (0: none, as for any
     *                 {@code VACUUM}): it then pauses that long after every {@code vacuum_cost_limit} of page costs, as
     *                 autovacuum does (2 ms by default). A large table's vacuum, seconds of one core's work on a small
     *                 machine, then takes longer but leaves the other work most of the core.
     */
    public Vacuum(Db db, String table, long afterRows, Duration every, boolean truncate, int costDelayMillis) {
        if (costDelayMillis < 0 || costDelayMillis > 100) {
            throw new IllegalArgumentException("vacuum_cost_delay is 0 to 100 ms: " + costDelayMillis);
        }
        this.db = db;
        this.table = table;
        this.afterRows = afterRows;
        this.everyNanos = every.toNanos();
        this.truncate = truncate;
        this.costDelayMillis = costDelayMillis;
        this.vacuumedAtNanos = System.nanoTime() - everyNanos;
    }

    /** @return whether {@link #run} would vacuum now, after {@code written} rows in all */
    public boolean due(long written) {
        return db.dialect() == Db.Dialect.POSTGRESQL && grown(written) && !running.get();
    }

    private boolean grown(long written) {
        return written - vacuumedAtRows >= afterRows && System.nanoTime() - vacuumedAtNanos >= everyNanos;
    }

    /**
     * Vacuums the table on the calling thread if it is {@link #due}, and if no other thread is vacuuming it.
     *
     * @param written the rows written and deleted in the table since the server started
     * @return whether it vacuumed
     */
    public boolean run(long written) {
        if (db.dialect() != Db.Dialect.POSTGRESQL || !running.compareAndSet(false, true)) {
            return false;
        }
        try {
            // looked at holding the flag: no other thread can vacuum between the look and the vacuum
            if (!grown(written)) {
                return false;
            }
            vacuumedAtRows = written;
            long start = System.nanoTime();
            vacuumedAtNanos = start;
            String skipped = db.read(c -> {
                c.setAutoCommit(true); // VACUUM cannot run inside a transaction
                try (Statement st = c.createStatement()) {
                    if (costDelayMillis > 0) {
                        st.execute("SET vacuum_cost_delay = " + costDelayMillis);
                    }
                    try {
                        st.execute("VACUUM (ANALYZE, PARALLEL 0" + (truncate ? "" : ", TRUNCATE false") + ") " + table);
                        // a role that does not own the table gets a warning ("skipping ..."), not an error
                        SQLWarning w = st.getWarnings();
                        return w == null ? null : w.getMessage();
                    } finally {
                        if (costDelayMillis > 0) {
                            st.execute("RESET vacuum_cost_delay"); // the connection goes back to the pool
                        }
                    }
                }
            });
            if (skipped != null) {
                LOG.warn("Vacuuming {}: {}", table, skipped);
                return false;
            }
            LOG.info("Vacuumed {} after {} rows written, in {} ms", table, written, (System.nanoTime() - start) / 1_000_000);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("Vacuuming {} failed; it is tried again after more rows", table, e);
            return false;
        } finally {
            running.set(false);
        }
    }
}
