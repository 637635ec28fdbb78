package io.rapport.core.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import io.rapport.core.TestDb;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    @Test
    void theOutboxIdentityCachesManyValuesOnH2AndOneOnPostgres() throws Exception {
        try (TestDb db = TestDb.fresh()) {
            Migrations.migrate(db.dataSource());
            String sql = TestDb.postgres()
                    ? "SELECT s.seqcache FROM pg_class c JOIN pg_depend d ON d.refobjid = c.oid JOIN pg_sequence s ON s.seqrelid = d.objid "
                            + "WHERE c.relname = 'outbox' AND c.relnamespace = current_schema()::regnamespace AND d.deptype = 'i'"
                    : "SELECT IDENTITY_CACHE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'OUTBOX' AND COLUMN_NAME = 'ID'";
            try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(TestDb.postgres() ? 1 : 10_000);
            }
        }
    }
}
