package io.rapport.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.core.TestDb;
import io.rapport.core.db.Db;
import io.rapport.core.db.Migrations;
import io.rapport.core.json.Json;
import org.junit.jupiter.api.Test;

/** {@link EventStore#kernelEventsStep}: the events and their outbox rows in one statement, as appendKernelEvents writes them. */
class KernelEventsStepTest {

    @Test
    void eventsKeepTheirPropertiesWhateverTheyHoldAndTheOutboxKeepsTheListsOrder() throws Exception {
        assumeTrue(TestDb.postgres(), "a PostgreSQL statement");
        try (TestDb testDb = TestDb.fresh()) {
            Migrations.migrate(testDb.dataSource());
            EventStore events = new EventStore(new Db(testDb.dataSource()), Clock.systemUTC(), () -> { });
            UUID tenant = UUID.randomUUID();
            List<EventStore.KernelEvent> list = new ArrayList<>();
            List<Map<String, Object>> written = new ArrayList<>();
            String[] awkward = {"plain", "quote \" and backslash \\ and comma, {braces}", "NULL", "", "accents é ü 漢字 and emoji 🎉", "tab\tnewline\n"};
            for (int i = 0; i < 12; i++) {
                Map<String, Object> props = new LinkedHashMap<>();
                props.put("n", i);
                props.put("text", awkward[i % awkward.length]);
                written.add(props);
                list.add(new EventStore.KernelEvent(tenant, UUID.randomUUID(), i % 2 == 0 ? "segment.entered" : "segment.exited", "segment", props));
            }

            List<Object[]> read = new ArrayList<>();
            try (Connection c = testDb.dataSource().getConnection()) {
                c.setAutoCommit(false);
                Db.pipeline(c, Db.Dialect.POSTGRESQL, List.of(events.kernelEventsStep(c, list),
                        new Db.Step("SELECT e.tenant_id, e.customer_id, e.type, e.source, e.properties, o.state FROM outbox o JOIN event e ON e.id = o.event_id "
                                + "WHERE o.tenant_id = ? ORDER BY o.id", List.of(tenant),
                                rs -> read.add(new Object[] {rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                                        Json.readMap(rs.getString(5)), rs.getInt(6)}))));
                c.rollback();
            }

            assertThat(read).hasSize(list.size());
            for (int i = 0; i < list.size(); i++) {
                EventStore.KernelEvent e = list.get(i);
                Object[] r = read.get(i);
                assertThat(r[0]).isEqualTo(tenant);
                assertThat(r[1]).as("event %d in the list's order", i).isEqualTo(e.customerId());
                assertThat(r[2]).isEqualTo(e.type());
                assertThat(r[3]).isEqualTo("segment");
                @SuppressWarnings("unchecked")
                Map<String, Object> props = (Map<String, Object>) r[4];
                assertThat(props.get("text")).isEqualTo(written.get(i).get("text"));
                assertThat(String.valueOf(props.get("n"))).isEqualTo(String.valueOf(i));
                assertThat(r[5]).as("to be projected").isEqualTo(0);
            }
        }
    }
}
