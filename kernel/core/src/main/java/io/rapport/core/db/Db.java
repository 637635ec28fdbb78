package io.rapport.core.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

/** The kernel's database: a data source, the dialect it speaks, and explicit JDBC transactions. */
public final class Db {

    /** The databases the kernel supports. */
    public enum Dialect {
        /** The embedded default. */
        H2,
        /** Production. */
        POSTGRESQL
    }

    /** Work inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private static final int ATTEMPTS = 3;

    private final DataSource dataSource;
    private final Dialect dialect;

    public Db(DataSource dataSource) {
        this.dataSource = dataSource;
        try (Connection c = dataSource.getConnection()) {
            DatabaseMetaData md = c.getMetaData();
            String product = md.getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
            if (product.contains("postgres")) {
                dialect = Dialect.POSTGRESQL;
            } else if (product.contains("h2")) {
                dialect = Dialect.H2;
            } else {
                throw new IllegalStateException("Rapport runs on H2 or PostgreSQL, not on " + md.getDatabaseProductName());
            }
        } catch (SQLException e) {
            throw new DataAccessException("cannot reach the database", e);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * Runs {@code work} in one transaction: commits if it returns, rolls back if it throws. A serialization
     * failure or deadlock is retried a few times; every other failure is rethrown as {@link DataAccessException}
     * unless {@code work} threw an unchecked exception of its own, which passes through unchanged.
     */
    public <T> T tx(Work<T> work) {
        SQLException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                last = e;
                if (!isTransient(e)) {
                    break;
                }
            }
        }
        throw new DataAccessException(last.getMessage(), last);
    }

    /** Runs {@code work} on an auto-commit connection, for reads. */
    public <T> T read(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new DataAccessException(e.getMessage(), e);
        }
    }

    static boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                // 40001 serialization failure, 40P01 deadlock (PostgreSQL), HYT00 lock timeout (H2)
                if (state.equals("40001") || state.equals("40P01") || state.equals("HYT00")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Reads one row of a result into a value. */
    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Runs one query with {@code args} bound in order; @return every row, mapped, in the order the query gives them. */
    public static <T> List<T> list(Connection c, String sql, List<?> args, Row<T> row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<T> out = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.map(rs));
                }
            }
            return out;
        }
    }

    /** @return {@code values} cut into consecutive lists of at most {@code size}: an {@code IN (...)} list's chunks */
    public static <T> List<List<T>> chunks(List<T> values, int size) {
        List<List<T>> out = new java.util.ArrayList<>((values.size() + size - 1) / size);
        for (int from = 0; from < values.size(); from += size) {
            out.add(values.subList(from, Math.min(values.size(), from + size)));
        }
        return out;
    }

    /**
     * "{@code column} is one of {@code ids}" and its arguments. On PostgreSQL it is {@code column = ANY(?)} with one
     * argument, so that the statement's text does not change with the number of ids: the driver prepares it once per
     * connection and the server plans it once, where an {@code IN} list of another length is a new statement to parse
     * and plan (1 to 7 ms for a segment's conditions). The argument is a {@code UUID[]}, which the driver sends as a
     * {@code uuid[]}: a text cast in the statement ({@code ?::uuid[]}) is a conversion PostgreSQL does not fold into a
     * constant, so that where the condition filters rows instead of leading an index scan, it parsed the whole list
     * again for every row (1 to 5 ms to read 50 segments against 36 ids). On H2, an {@code IN} list.
     *
     * @param ids at least one
     */
    public static OneOf oneOf(Dialect dialect, String column, java.util.Collection<java.util.UUID> ids) {
        if (dialect == Dialect.POSTGRESQL) {
            return new OneOf(column + " = ANY(?)", List.of((Object) ids.toArray(java.util.UUID[]::new)));
        }
        return new OneOf(column + " IN (" + marks(ids.size()) + ")", List.copyOf(ids));
    }

    /** As {@link #oneOf(Dialect, String, java.util.Collection)} in this database's dialect. */
    public OneOf oneOf(String column, java.util.Collection<java.util.UUID> ids) {
        return oneOf(dialect, column, ids);
    }

    /** A condition of {@link #oneOf} and the arguments its marks take, in order. */
    public record OneOf(String sql, List<Object> args) {
    }

    /** @return {@code n} (at least 1) parameter marks for an {@code IN (...)} list: {@code ?,?,?} */
    public static String marks(int n) {
        return "?,".repeat(n - 1) + "?";
    }

    /** Runs one INSERT, UPDATE or DELETE with {@code args} bound in order; @return the rows it changed. */
    public static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** Reads the rows of one statement of a {@link #pipeline}, one call a row. */
    @FunctionalInterface
    public interface Rows {
        void row(ResultSet rs) throws SQLException;
    }

    /** One statement of a {@link #pipeline}: its SQL, its arguments in order, and what reads its rows (null: it returns none). */
    public record Step(String sql, List<?> args, Rows rows) {
    }

    /**
     * The last step of a transaction's last {@link #pipeline}, on PostgreSQL only (refused elsewhere or before another
     * step): it commits in the same round trip as the writes before it, and the driver, which then sees the connection
     * idle, sends nothing at {@link #tx}'s commit. If a step before it fails, the server skips it and the transaction
     * rolls back as usual. Only at the very end of a transaction's work: anything after it would run in a new
     * transaction, which a failure would roll back alone, and which {@link #tx} could retry with the first one done.
     */
    public static final Step COMMIT = new Step("COMMIT", List.of(), null);

    /**
     * Runs statements one after the other in the caller's transaction, as {@code steps} orders them. On PostgreSQL they
     * go as one multi-statement query, which the driver sends in one round trip and whose results it reads in turn:
     * each statement sees what the ones before it did, and one round trip replaces as many as there are statements.
     * Elsewhere, one statement at a time. A failing statement fails the call; the caller's transaction is then lost.
     * (The driver still waits for the results so far before a query whose rows have no fixed size, such as one with a
     * text column, so as not to fill the socket's buffers: such a query starts a round trip of its own.)
     *
     * @param steps none of whose SQL contains a {@code ;}
     */
    public static void pipeline(Connection c, Dialect dialect, List<Step> steps) throws SQLException {
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            if (step.sql().indexOf(';') >= 0) {
                throw new IllegalArgumentException("a step of a pipeline is one statement, without ';': " + step.sql());
            }
            if (step == COMMIT && (dialect != Dialect.POSTGRESQL || i != steps.size() - 1)) {
                throw new IllegalArgumentException("COMMIT is a pipeline's last step, on PostgreSQL");
            }
        }
        if (steps.isEmpty()) {
            return;
        }
        if (dialect != Dialect.POSTGRESQL || steps.size() == 1) {
            for (Step step : steps) {
                run(c, step.sql(), step.args(), step.rows());
            }
            return;
        }
        StringBuilder sql = new StringBuilder();
        for (Step step : steps) {
            sql.append(sql.length() == 0 ? "" : ";\n").append(step.sql());
        }
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int at = 1;
            for (Step step : steps) {
                for (Object arg : step.args()) {
                    ps.setObject(at++, arg);
                }
            }
            boolean rows = ps.execute();
            for (Step step : steps) {
                if (rows) {
                    read(ps.getResultSet(), step.rows());
                } else if (ps.getUpdateCount() < 0) {
                    throw new SQLException("a pipeline of " + steps.size() + " statements gave fewer results");
                } else if (step.rows() != null) {
                    throw new SQLException("a step with a reader returned no rows but a count: " + step.sql());
                }
                rows = ps.getMoreResults();
            }
            if (rows || ps.getUpdateCount() >= 0) {
                throw new SQLException("a pipeline of " + steps.size() + " statements gave more results");
            }
        }
    }

    private static void run(Connection c, String sql, List<?> args, Rows sink) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            if (ps.execute()) {
                read(ps.getResultSet(), sink);
            } else if (sink != null) {
                throw new SQLException("a step with a reader returned no rows but a count: " + sql);
            }
        }
    }

    private static void read(ResultSet rs, Rows sink) throws SQLException {
        try (rs) {
            while (rs.next()) {
                if (sink != null) {
                    sink.row(rs);
                }
            }
        }
    }

    /** Runs {@code sql} once per row of arguments, as one JDBC batch; nothing if there are none. */
    public static void batch(Connection c, String sql, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** @return whether {@code e} reports a violated unique or primary key constraint (SQLState 23505). */
    public static boolean isUniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23505".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
