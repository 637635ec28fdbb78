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

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    public static void migrate(DataSource dataSource) {
        MigrateResult result = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                .baselineOnMigrate(false)
                .placeholders(Map.of(TEXT_PATTERN_OPS, textPatternOps(dataSource)))
                .load()
                .migrate();
        LOG.info("Kernel schema at version {} ({} migrations applied now)", result.targetSchemaVersion, result.migrationsExecuted);
    }

    private static String textPatternOps(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return "PostgreSQL".equals(c.getMetaData().getDatabaseProductName()) ? "text_pattern_ops" : "";
        } catch (SQLException e) {
            throw new DataAccessException("cannot reach the database to migrate it", e);
        }
    }
}
