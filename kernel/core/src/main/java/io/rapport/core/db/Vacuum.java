package io.rapport.core.db;

import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's own upkeep of a PostgreSQL table that it churns: {@code VACUUM (ANALYZE, PARALLEL 0)} once the rows
 * written or deleted since the last one reach a threshold, at most once per interval, or at once when its caller has
 * just written many rows ({@link #runNow}). Autovacuum does it too, but after a fifth of the table has changed and
 * never where it is off; a queue table (the outbox) is then mostly dead rows within seconds, and its statistics still
 * describe it as it was (empty: the planner reads it whole at every poll).
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
    /** The statement of the vacuum under way, for {@link #cancel}. */
    private volatile Statement current;
    private volatile boolean cancelled;

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
        return vacuum(written, false);
    }

    /**
     * Vacuums the table on the calling thread now, however few rows were written since the last time and however
     * recently, without the pauses of the cost delay, unless another thread is vacuuming it: for the caller that has
     * just written many rows at once, when every read of them pays until the vacuum has passed their pages.
     *
     * @param written the rows written and deleted in the table since the server started
     * @return whether it vacuumed
     */
    public boolean runNow(long written) {
        return vacuum(written, true);
    }

    private boolean vacuum(long written, boolean now) {
        if (db.dialect() != Db.Dialect.POSTGRESQL || cancelled || !running.compareAndSet(false, true)) {
            return false;
        }
        try {
            // looked at holding the flag: no other thread can vacuum between the look and the vacuum
            if (!now && !grown(written)) {
                return false;
            }
            vacuumedAtRows = written;
            long start = System.nanoTime();
            vacuumedAtNanos = start;
            int delay = now ? 0 : costDelayMillis;
            String skipped = db.read(c -> {
                c.setAutoCommit(true); // VACUUM cannot run inside a transaction
                try (Statement st = c.createStatement()) {
                    if (delay > 0) {
                        st.execute("SET vacuum_cost_delay = " + delay);
                    }
                    SQLException failed = null;
                    current = st;
                    try {
                        if (cancelled) {
                            throw new SQLException("cancelled before it started"); // cancel() came before current was set
                        }
                        st.execute("VACUUM (ANALYZE, PARALLEL 0" + (truncate ? "" : ", TRUNCATE false") + ") " + table);
                        // a role that does not own the table gets a warning ("skipping ..."), not an error
                        SQLWarning w = st.getWarnings();
                        return w == null ? null : w.getMessage();
                    } catch (SQLException e) {
                        failed = e;
                        throw e;
                    } finally {
                        current = null;
                        if (delay > 0) {
                            reset(st, failed);
                        }
                    }
                }
            });
            if (skipped != null) {
                LOG.warn("Vacuuming {}: {}", table, skipped);
                return false;
            }
            LOG.info("Vacuumed {} after {} rows written{}, in {} ms", table, written, now ? ", at once" : "",
                    (System.nanoTime() - start) / 1_000_000);
            return true;
        } catch (RuntimeException e) {
            if (cancelled) {
                LOG.info("Vacuuming {} stopped: the server is stopping", table);
            } else {
                LOG.warn("Vacuuming {} failed; it is tried again after more rows", table, e);
            }
            return false;
        } finally {
            running.set(false);
        }
    }

    /** The connection goes back to the pool: its cost delay as it was. A failure of the vacuum stays the one reported. */
    private static void reset(Statement st, SQLException failed) throws SQLException {
        try {
            st.execute("RESET vacuum_cost_delay");
        } catch (SQLException e) {
            if (failed == null) {
                throw e;
            }
            failed.addSuppressed(e);
        }
    }

    /**
     * Stops a vacuum under way, and any later one, for a server that is stopping: it would otherwise hold the
     * database up to the end of a large table's vacuum, or fail when its connection closes. Safe from any thread.
     */
    public void cancel() {
        cancelled = true;
        Statement st = current;
        if (st != null) {
            try {
                st.cancel();
            } catch (SQLException e) {
                LOG.debug("Cancelling the vacuum of {}", table, e);
            }
        }
    }
}
