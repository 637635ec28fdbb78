package io.rapport.core.kpi;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores into a temporary table of the transaction with PostgreSQL's {@code COPY … FROM STDIN}, through the driver's
 * own connection. The only class of the kernel that names the driver: the server shares the driver's library with the
 * application (server.xml), and {@link #usable} says no when it does not, so the caller writes another way.
 */
final class ScoreCopy {

    /** The temporary table, dropped at commit (and gone with a rollback). */
    static final String TABLE = "score_in";

    private static final Logger LOG = LoggerFactory.getLogger(ScoreCopy.class);

    private static final int BUFFER = 1 << 16;

    private static final java.util.concurrent.atomic.AtomicBoolean TOLD = new java.util.concurrent.atomic.AtomicBoolean();

    private ScoreCopy() {
    }

    /** @return whether the driver's classes are visible here and {@code c} wraps the driver's connection */
    static boolean usable(Connection c) {
        boolean usable;
        try {
            usable = c.isWrapperFor(PGConnection.class);
        } catch (SQLException | LinkageError e) { // the driver's library not shared with the application
            usable = false;
        }
        if (!TOLD.getAndSet(true)) {
            LOG.info(usable ? "KPI scores are written with COPY" : "KPI scores are written with INSERT … unnest: the application does not see the "
                    + "PostgreSQL driver's connection (server.xml: the web application's classloader shares the driver's library)");
        }
        return usable;
    }

    /**
     * Creates {@value #TABLE} {@code (customer_id, name, score)} and copies every name's scores into it, taken in step
     * (each customer's names together, in the maps' customer order).
     */
    static void copy(Connection c, Map<String, Map<UUID, BigDecimal>> byName) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMPORARY TABLE " + TABLE + " (customer_id UUID NOT NULL, name VARCHAR(63) NOT NULL, score NUMERIC) ON COMMIT DROP");
        }
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + TABLE + " (customer_id, name, score) FROM STDIN");
        try {
            List<String> names = new ArrayList<>(byName.keySet());
            List<Iterator<Map.Entry<UUID, BigDecimal>>> its = new ArrayList<>();
            byName.values().forEach(m -> its.add(m.entrySet().iterator()));
            StringBuilder text = new StringBuilder(BUFFER + 256);
            boolean more = true;
            while (more) {
                more = false;
                for (int n = 0; n < its.size(); n++) {
                    Iterator<Map.Entry<UUID, BigDecimal>> it = its.get(n);
                    if (it.hasNext()) {
                        Map.Entry<UUID, BigDecimal> e = it.next();
                        // names match [a-z][a-z0-9_]*: nothing to escape
                        text.append(e.getKey()).append('\t').append(names.get(n)).append('\t')
                                .append(e.getValue() == null ? "\\N" : e.getValue().toPlainString()).append('\n');
                        more |= it.hasNext();
                    }
                }
                if (text.length() >= BUFFER || !more) {
                    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
                    in.writeToCopy(bytes, 0, bytes.length);
                    text.setLength(0);
                }
            }
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }
}
