package io.rapport.core.db;

import javax.sql.DataSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Brings the kernel's schema up to date with Flyway; the kernel keeps its own history table. */
public final class Migrations {

    /**
     * Where the kernel's migrations live on the class path. The folder holds an empty {@code flyway.location} file,
     * without which Flyway cannot list a folder inside a WAR on Liberty (db/callback, which Flyway always scans, has one too).
     */
    public static final String LOCATION = "classpath:db/kernel";
    /** The kernel's Flyway history table; plugins that own tables keep their own. */
    public static final String HISTORY_TABLE = "flyway_kernel_history";

    /**
     * A placeholder in the migrations: PostgreSQL's operator class that lets {@code LIKE 'prefix%'} use a b-tree index
     * under any collation; empty on H2, whose indexes serve prefix LIKE as they are.
     */
    static final String TEXT_PATTERN_OPS = "textPatternOps";
    /** A placeholder in the migrations: the outbox identity's sequence cache (large on H2, 1 on PostgreSQL; see V3). */
    static final String OUTBOX_ID_CACHE = "outboxIdCache";
    /** A placeholder in the migrations: what follows a generated column's expression ({@code STORED} on PostgreSQL, empty on H2). */
    static final String STORED_GENERATED = "storedGenerated";

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    public static void migrate(DataSource dataSource) {
        MigrateResult result = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                .baselineOnMigrate(false)
                .placeholders(placeholders(dataSource))
                .load()
                .migrate();
        LOG.info("Kernel schema at version {} ({} migrations applied now)", result.targetSchemaVersion, result.migrationsExecuted);
    }

    /** The values of the migrations' placeholders for this database. */
    public static Map<String, String> placeholders(boolean postgres) {
        return Map.of(TEXT_PATTERN_OPS, postgres ? "text_pattern_ops" : "", OUTBOX_ID_CACHE, postgres ? "1" : "10000", STORED_GENERATED,
                postgres ? "STORED" : "");
    }

    private static Map<String, String> placeholders(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return placeholders("PostgreSQL".equals(c.getMetaData().getDatabaseProductName()));
        } catch (SQLException e) {
            throw new DataAccessException("cannot reach the database to migrate it", e);
        }
    }
}
