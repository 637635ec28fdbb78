package io.rapport.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Plain JDBC writing what the server writes for each accepted event: one {@code event} row and one {@code outbox}
 * row, with the server's statements, into a database of the same kind with the kernel's schema. It is the floor the
 * server's ingest is compared with: no HTTP, JSON, authentication or validation, and no relay competing for the CPU.
 */
final class Baseline {

    /** The server's statements (EventStore.INSERT_EVENT and INSERT_OUTBOX). */
    static final String INSERT_EVENT = "INSERT INTO event (id, tenant_id, customer_id, type, occurred_at, received_at, source, idempotency_key, identity, properties) VALUES (?,?,?,?,?,?,?,?,?,?)";
    static final String INSERT_OUTBOX = "INSERT INTO outbox (tenant_id, event_id, state, created_at) VALUES (?,?,0,?)";
    /** What the server stores as the source of an event sent with an API key named "bench". */
    static final String SOURCE = "key:bench";

    private final String url;
    private final String user;
    private final String password;
    private final UUID tenantId = UUID.randomUUID();
    private final String database;
    private final List<String> migrations;

    Baseline(String url, String user, String password, Path schemaDir) throws Exception {
        this.url = url;
        this.user = user;
        this.password = password;
        if (url.startsWith("jdbc:postgresql:")) {
            Http.requireLoopback(java.net.URI.create(url.substring("jdbc:".length())));
            Schema.resetPostgres(url, user, password);
        } else if (!url.startsWith("jdbc:h2:file:")) {
            throw new IllegalArgumentException("the baseline runs on an H2 file or a local PostgreSQL: " + url);
        }
        try (Connection c = connect()) {
            DatabaseMetaData md = c.getMetaData();
            database = md.getDatabaseProductName() + " " + md.getDatabaseProductVersion();
            migrations = Schema.migrate(c, schemaDir);
        }
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    String database() {
        return database;
    }

    List<String> migrations() {
        return migrations;
    }

    void dropIfPostgres() {
        if (url.startsWith("jdbc:postgresql:")) {
            try {
                Schema.dropPostgres(url, user, password);
            } catch (SQLException e) {
                System.err.println("could not drop the baseline schema: " + e.getMessage());
            }
        }
    }

    /** One event per transaction (event + outbox row, then commit), as one single-event request does. */
    ClosedLoop.Op single(Events events, long seed) throws SQLException {
        return new Writer(events, seed, 1);
    }

    /** {@code size} events per transaction, written with JDBC batches, as one batch request does. */
    ClosedLoop.Op batch(Events events, long seed, int size) throws SQLException {
        return new Writer(events, seed, size);
    }

    private final class Writer implements ClosedLoop.Op {
        private final Connection c;
        private final PreparedStatement ev;
        private final PreparedStatement ob;
        private final Events events;
        private final SplittableRandom rnd;
        private final int size;

        Writer(Events events, long seed, int size) throws SQLException {
            this.c = connect();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            this.ev = c.prepareStatement(INSERT_EVENT);
            this.ob = c.prepareStatement(INSERT_OUTBOX);
            this.events = events;
            this.rnd = new SplittableRandom(seed);
            this.size = size;
        }

        @Override
        public int run() throws SQLException {
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            try {
                for (int i = 0; i < size; i++) {
                    UUID id = UUID.randomUUID();
                    String email = events.email(events.randomCustomer(rnd));
                    ev.setObject(1, id);
                    ev.setObject(2, tenantId);
                    ev.setObject(3, null);
                    ev.setString(4, Events.TYPE);
                    ev.setObject(5, now);
                    ev.setObject(6, now);
                    ev.setString(7, SOURCE);
                    ev.setString(8, null);
                    ev.setString(9, Events.identity(email));
                    ev.setString(10, Events.properties(rnd.nextInt(1 << 20)));
                    ob.setObject(1, tenantId);
                    ob.setObject(2, id);
                    ob.setObject(3, now);
                    if (size == 1) {
                        ev.executeUpdate();
                        ob.executeUpdate();
                    } else {
                        ev.addBatch();
                        ob.addBatch();
                    }
                }
                if (size > 1) {
                    ev.executeBatch();
                    ob.executeBatch();
                }
                c.commit();
                return size;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                ev.close();
                ob.close();
            } finally {
                c.close();
            }
        }
    }
}
