package io.rapport.core.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import io.rapport.core.TestDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@link Db#pipeline}: on PostgreSQL one round trip, on H2 one statement at a time; the same results either way. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DbPipelineTest {

    private TestDb testDb;
    private Db db;

    @BeforeAll
    void start() throws SQLException {
        testDb = TestDb.fresh();
        db = new Db(testDb.dataSource());
        db.tx(c -> Db.update(c, "CREATE TABLE pipeline_item (id INT PRIMARY KEY, name VARCHAR(20), n INT)"));
    }

    @AfterAll
    void stop() throws SQLException {
        testDb.close();
    }

    @Test
    void statementsRunInOrderEachSeeingTheOnesBeforeAndEachQueryReadsItsOwnRows() {
        List<String> first = new ArrayList<>();
        List<String> none = new ArrayList<>();
        List<Integer> last = new ArrayList<>();
        db.tx(c -> {
            Db.update(c, "DELETE FROM pipeline_item");
            Db.pipeline(c, db.dialect(), List.of(
                    new Db.Step("INSERT INTO pipeline_item (id, name, n) VALUES (?, ?, ?), (?, ?, ?)", List.of(1, "one", 10, 2, "two", 20), null),
                    new Db.Step("SELECT name FROM pipeline_item WHERE n >= ? ORDER BY id", List.of(10), rs -> first.add(rs.getString(1))),
                    new Db.Step("UPDATE pipeline_item SET n = n + ? WHERE id = ?", List.of(5, 2), null),
                    new Db.Step("SELECT name FROM pipeline_item WHERE n > ?", List.of(1000), rs -> none.add(rs.getString(1))),
                    new Db.Step("DELETE FROM pipeline_item WHERE id = ?", List.of(1), null),
                    new Db.Step("SELECT n FROM pipeline_item", List.of(), rs -> last.add(rs.getInt(1)))));
            return null;
        });

        assertThat(first).containsExactly("one", "two");
        assertThat(none).isEmpty();
        assertThat(last).containsExactly(25);
    }

    @Test
    void aFailingStatementFailsThePipelineAndItsTransactionWritesNothing() {
        db.tx(c -> Db.update(c, "DELETE FROM pipeline_item"));

        assertThatThrownBy(() -> db.tx(c -> {
            Db.pipeline(c, db.dialect(), List.of(
                    new Db.Step("INSERT INTO pipeline_item (id, name, n) VALUES (?, ?, ?)", List.of(7, "seven", 7), null),
                    new Db.Step("INSERT INTO pipeline_item (id, name, n) VALUES (?, ?, ?)", List.of(7, "again", 7), null),
                    new Db.Step("UPDATE pipeline_item SET n = 0", List.of(), null)));
            return null;
        })).isInstanceOf(RuntimeException.class);

        List<Integer> left = db.read(c -> Db.list(c, "SELECT COUNT(*) FROM pipeline_item", List.of(), rs -> rs.getInt(1)));
        assertThat(left).containsExactly(0);
    }

    @Test
    void onPostgresqlADataModifyingCteCountsAsOneStatement() {
        if (db.dialect() != Db.Dialect.POSTGRESQL) {
            return; // H2 has no data-modifying CTE
        }
        List<Integer> after = new ArrayList<>();
        db.tx(c -> {
            Db.update(c, "DELETE FROM pipeline_item");
            Db.pipeline(c, db.dialect(), List.of(
                    new Db.Step("WITH x AS (INSERT INTO pipeline_item (id, name, n) SELECT u, 'u', u FROM unnest(?::int[]) AS u RETURNING id) "
                            + "UPDATE pipeline_item SET n = n * 2 WHERE id IN (SELECT id FROM x WHERE id < 0)", List.of(c.createArrayOf("int4",
                            new Integer[] {3, 4})), null),
                    new Db.Step("SELECT SUM(n) FROM pipeline_item", List.of(), rs -> after.add(rs.getInt(1)))));
            return null;
        });

        assertThat(after).containsExactly(7);
    }

    @Test
    void argumentsBindInOrderAcrossStepsWithAndWithoutThemAndAStepOfOneStatementRunsAlone() {
        List<String> names = new ArrayList<>();
        db.tx(c -> {
            Db.update(c, "DELETE FROM pipeline_item");
            Db.pipeline(c, db.dialect(), List.of(new Db.Step("INSERT INTO pipeline_item (id, name, n) VALUES (?, ?, ?)", List.of(1, "a", 1), null)));
            Db.pipeline(c, db.dialect(), List.of(
                    new Db.Step("UPDATE pipeline_item SET n = n + 1", List.of(), null),
                    new Db.Step("INSERT INTO pipeline_item (id, name, n) VALUES (?, ?, ?)", List.of(2, "b", 2), null),
                    new Db.Step("SELECT name FROM pipeline_item ORDER BY id", List.of(), rs -> names.add(rs.getString(1))),
                    new Db.Step("SELECT name FROM pipeline_item WHERE n = ? AND id = ?", List.of(2, 2), rs -> names.add(rs.getString(1)))));
            return null;
        });

        assertThat(names).containsExactly("a", "b", "b");
    }

    @Test
    void oneOfSelectsItsIdsAndOnPostgresqlTheirListIsAConstantNotAConversionPerRow() {
        db.tx(c -> Db.update(c, "CREATE TABLE IF NOT EXISTS pipeline_uuid (id UUID, n INT)"));
        java.util.List<java.util.UUID> ids = new ArrayList<>();
        db.tx(c -> {
            Db.update(c, "DELETE FROM pipeline_uuid");
            for (int i = 0; i < 20; i++) {
                java.util.UUID id = java.util.UUID.randomUUID();
                ids.add(id);
                Db.update(c, "INSERT INTO pipeline_uuid (id, n) VALUES (?, ?)", id, i);
            }
            return null;
        });
        Db.OneOf some = db.oneOf("id", ids.subList(5, 12));
        List<Object> args = new ArrayList<>(some.args());
        args.add(-1);
        List<Integer> found = db.read(c -> Db.list(c, "SELECT n FROM pipeline_uuid WHERE " + some.sql() + " AND n > ? ORDER BY n", args, rs -> rs.getInt(1)));
        assertThat(found).containsExactly(5, 6, 7, 8, 9, 10, 11);
        if (db.dialect() == Db.Dialect.POSTGRESQL) {
            // as a filter (the table has no index), the list must be a uuid[] constant: a text argument cast in the statement is not folded
            List<String> plan = db.read(c -> Db.list(c, "EXPLAIN (VERBOSE) SELECT n FROM pipeline_uuid WHERE " + some.sql(), some.args(), rs -> rs.getString(1)));
            assertThat(String.join("\n", plan)).contains("Filter:").containsPattern("ANY \\('\\{[^']*\\}'::uuid\\[\\]\\)")
                    .doesNotContain("cstring").doesNotContain("character varying");
        }
    }

    @Test
    void onPostgresqlACommitStepCommitsWithTheWritesAndTheTransactionsOwnCommitThenSendsNothing() {
        if (db.dialect() != Db.Dialect.POSTGRESQL) {
            return; // H2 runs statements one at a time: no round trip to save
        }
        db.tx(c -> Db.update(c, "DELETE FROM pipeline_item"));
        List<Integer> seenOutside = new ArrayList<>();
        db.tx(c -> {
            Db.pipeline(c, db.dialect(), List.of(new Db.Step("INSERT INTO pipeline_item (id, name, n) VALUES (?, ?, ?)", List.of(9, "nine", 9), null),
                    Db.COMMIT));
            // committed already: the driver sees no transaction, and another connection sees the row before the work returns
            assertThat(c.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState()).isEqualTo(org.postgresql.core.TransactionState.IDLE);
            seenOutside.addAll(db.read(o -> Db.list(o, "SELECT n FROM pipeline_item WHERE id = ?", List.of(9), rs -> rs.getInt(1))));
            return null;
        });

        assertThat(seenOutside).containsExactly(9);
        List<Integer> after = db.read(c -> Db.list(c, "SELECT n FROM pipeline_item", List.of(), rs -> rs.getInt(1)));
        assertThat(after).containsExactly(9);

        // a step that fails before it: the COMMIT is skipped and nothing of the transaction is kept
        assertThatThrownBy(() -> db.tx(c -> {
            Db.pipeline(c, db.dialect(), List.of(new Db.Step("INSERT INTO pipeline_item (id, name, n) VALUES (?, ?, ?)", List.of(10, "ten", 10), null),
                    new Db.Step("INSERT INTO pipeline_item (id, name, n) VALUES (?, ?, ?)", List.of(9, "again", 9), null), Db.COMMIT));
            return null;
        })).isInstanceOf(RuntimeException.class);
        List<Integer> kept = db.read(c -> Db.list(c, "SELECT n FROM pipeline_item ORDER BY id", List.of(), rs -> rs.getInt(1)));
        assertThat(kept).containsExactly(9);
        // anywhere but last, it is refused
        assertThatThrownBy(() -> db.tx(c -> {
            Db.pipeline(c, db.dialect(), List.of(Db.COMMIT, new Db.Step("DELETE FROM pipeline_item", List.of(), null)));
            return null;
        })).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReaderOnAStatementWithoutRowsOrAStepOfTwoStatementsIsAMistakeReported() {
        assertThatThrownBy(() -> db.tx(c -> {
            Db.pipeline(c, db.dialect(), List.of(
                    new Db.Step("UPDATE pipeline_item SET n = 0 WHERE id = ?", List.of(-1), rs -> { }),
                    new Db.Step("SELECT 1 FROM pipeline_item", List.of(), rs -> { })));
            return null;
        })).hasStackTraceContaining("no rows but a count");
        assertThatThrownBy(() -> db.tx(c -> {
            Db.pipeline(c, db.dialect(), List.of(
                    new Db.Step("SELECT 1 FROM pipeline_item; DELETE FROM pipeline_item", List.of(), rs -> { }),
                    new Db.Step("SELECT 1 FROM pipeline_item", List.of(), rs -> { })));
            return null;
        })).hasStackTraceContaining("without ';'");
    }
}
