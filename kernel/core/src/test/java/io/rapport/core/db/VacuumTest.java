package io.rapport.core.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import io.rapport.core.TestDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@link Vacuum}: after enough rows, at most once per interval, on PostgreSQL only; the planner then knows the table. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VacuumTest {

    private TestDb testDb;
    private Db db;

    @BeforeAll
    void start() throws SQLException {
        testDb = TestDb.fresh();
        db = new Db(testDb.dataSource());
        db.tx(c -> Db.update(c, "CREATE TABLE vacuum_item (id INT PRIMARY KEY)"));
        String values = java.util.stream.IntStream.rangeClosed(1, 100).mapToObj(i -> "(" + i + ")").collect(java.util.stream.Collectors.joining(","));
        db.tx(c -> Db.update(c, "INSERT INTO vacuum_item (id) VALUES " + values));
        db.tx(c -> Db.update(c, "DELETE FROM vacuum_item"));
    }

    @AfterAll
    void stop() throws SQLException {
        testDb.close();
    }

    @Test
    void aTableIsVacuumedAndAnalyzedOnceEnoughRowsWereWrittenAndNotAgainUntilAsManyMore() {
        Vacuum vacuum = new Vacuum(db, "vacuum_item", 50, Duration.ZERO, true, 0);
        boolean pg = db.dialect() == Db.Dialect.POSTGRESQL;

        assertThat(vacuum.due(49)).isFalse();
        assertThat(vacuum.run(49)).isFalse();
        assertThat(vacuum.run(100)).isEqualTo(pg);
        if (!pg) {
            return; // H2 keeps no dead rows to vacuum
        }
        // never analyzed: -1; analyzed by the vacuum: the 0 rows left
        List<Float> tuples = db.read(c -> Db.list(c, "SELECT reltuples FROM pg_class WHERE oid = 'vacuum_item'::regclass", List.of(), rs -> rs.getFloat(1)));
        assertThat(tuples).containsExactly(0f);
        assertThat(vacuum.due(149)).isFalse();
        assertThat(vacuum.due(150)).isTrue();
    }

    @Test
    void notTwiceWithinTheInterval() {
        Vacuum vacuum = new Vacuum(db, "vacuum_item", 1, Duration.ofHours(1), false, 0);
        boolean pg = db.dialect() == Db.Dialect.POSTGRESQL;

        assertThat(vacuum.run(10)).isEqualTo(pg);
        assertThat(vacuum.due(1_000_000)).isFalse();
    }

    @Test
    void atOnceWhateverWasWrittenAndWhenAndTheNextCountsFromThere() {
        Vacuum vacuum = new Vacuum(db, "vacuum_item", 50, Duration.ofHours(1), false, 2);
        boolean pg = db.dialect() == Db.Dialect.POSTGRESQL;

        assertThat(vacuum.runNow(1)).isEqualTo(pg);
        assertThat(vacuum.runNow(2)).isEqualTo(pg);
        // within the hour, and 50 rows counted from the last vacuum
        assertThat(vacuum.due(100)).isFalse();
        if (pg) {
            List<String> delay = db.read(c -> Db.list(c, "SELECT current_setting('vacuum_cost_delay')", List.of(), rs -> rs.getString(1)));
            assertThat(delay).containsExactly("0");
        }
    }

    @Test
    void noneOnceCancelledForAServerThatStops() {
        Vacuum vacuum = new Vacuum(db, "vacuum_item", 1, Duration.ZERO, false, 2);

        vacuum.cancel();
        assertThat(vacuum.run(10)).isFalse();
        assertThat(vacuum.runNow(20)).isFalse();
    }

    @Test
    void aThrottledVacuumRunsAndLeavesItsConnectionsCostDelayAsItWas() {
        Vacuum vacuum = new Vacuum(db, "vacuum_item", 1, Duration.ZERO, true, 2);
        boolean pg = db.dialect() == Db.Dialect.POSTGRESQL;
        db.tx(c -> Db.update(c, "INSERT INTO vacuum_item (id) VALUES (1000)"));
        db.tx(c -> Db.update(c, "DELETE FROM vacuum_item WHERE id = 1000"));

        assertThat(vacuum.run(1)).isEqualTo(pg);
        if (!pg) {
            return;
        }
        // every connection of the pool: none kept the vacuum's setting
        List<java.sql.Connection> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                java.sql.Connection c = testDb.dataSource().getConnection();
                held.add(c);
                assertThat(Db.list(c, "SELECT current_setting('vacuum_cost_delay')", List.of(), rs -> rs.getString(1))).containsExactly("0");
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        } finally {
            for (java.sql.Connection c : held) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the pool's
                }
            }
        }
        assertThatThrownBy(() -> new Vacuum(db, "vacuum_item", 1, Duration.ZERO, true, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
