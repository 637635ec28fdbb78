package io.rapport.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh, empty database per test: H2 in memory by default, or a new schema in the machine's PostgreSQL when
 * the system property {@code rapport.test.db} is {@code postgresql} (CI runs the suite both ways). PostgreSQL
 * connections are pooled, as Liberty pools the server's: a new connection costs a backend process, several
 * milliseconds, and the kernel takes one for each transaction.
 */
public final class TestDb implements AutoCloseable {

    public static final String PROPERTY = "rapport.test.db";
    static final int POOL_SIZE = 40;
    static final String PG_URL = System.getProperty("rapport.test.pg.url", "jdbc:postgresql://127.0.0.1:5432/test");
    static final String PG_USER = System.getProperty("rapport.test.pg.user", "postgres");

    private final DataSource dataSource;
    private final String schema;
    private final Connection keepAlive;

    private TestDb(DataSource dataSource, String schema, Connection keepAlive) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.keepAlive = keepAlive;
    }

    public static boolean postgres() {
        return "postgresql".equalsIgnoreCase(System.getProperty(PROPERTY, "h2"));
    }

    public static TestDb fresh() {
        try {
            if (postgres()) {
                String schema = "t_" + UUID.randomUUID().toString().replace("-", "");
                PGSimpleDataSource admin = new PGSimpleDataSource();
                admin.setUrl(PG_URL);
                admin.setUser(PG_USER);
                try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA " + schema);
                }
                PGSimpleDataSource ds = new PGSimpleDataSource();
                ds.setUrl(PG_URL);
                ds.setUser(PG_USER);
                ds.setCurrentSchema(schema);
                ds.setReWriteBatchedInserts(true);
                HikariConfig pool = new HikariConfig();
                pool.setDataSource(ds);
                pool.setPoolName(schema);
                // enough for two kernels at once (JourneyNodesTest), each with its lanes, relay, send and journey threads
                pool.setMaximumPoolSize(POOL_SIZE);
                pool.setMinimumIdle(0);
                pool.setIdleTimeout(10_000);
                return new TestDb(new HikariDataSource(pool), schema, null);
            }
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return new TestDb(ds, null, ds.getConnection());
        } catch (SQLException e) {
            throw new IllegalStateException("no test database", e);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() throws SQLException {
        if (schema != null) {
            try (HikariDataSource pool = (HikariDataSource) dataSource; Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        } else {
            try (Statement s = keepAlive.createStatement()) {
                s.execute("SHUTDOWN");
            }
            keepAlive.close();
        }
    }
}
