package io.rapport.core.journey;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.rapport.core.db.Db;
import io.rapport.core.validation.NotFoundException;

/** Work for people that journeys create ("call this customer"): listed, then marked done. */
public final class Tasks {

    public static final String OPEN = "open";
    public static final String DONE = "done";

    public record Task(UUID id, UUID customerId, UUID journeyId, UUID runId, String title, String assignee, String status, OffsetDateTime createdAt,
                       OffsetDateTime doneAt, String doneBy) {
    }

    private final Db db;
    private final Clock clock;

    public Tasks(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Newest first; {@code status} and {@code assignee} filter when not null; {@code before} pages. */
    public List<Task> list(UUID tenantId, String status, String assignee, OffsetDateTime before, int limit) {
        StringBuilder sql = new StringBuilder(SELECT + " WHERE tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(tenantId));
        if (status != null) {
            sql.append(" AND status = ?");
            args.add(status);
        }
        if (assignee != null) {
            sql.append(" AND assignee = ?");
            args.add(assignee);
        }
        if (before != null) {
            sql.append(" AND created_at < ?");
            args.add(before);
        }
        sql.append(" ORDER BY created_at DESC, id FETCH FIRST ").append(limit).append(" ROWS ONLY");
        return db.read(c -> Db.list(c, sql.toString(), args, Tasks::task));
    }

    public Task done(UUID tenantId, UUID id, String actor) {
        int n = db.tx(c -> Db.update(c, "UPDATE task SET status = ?, done_at = ?, done_by = ? WHERE tenant_id = ? AND id = ? AND status = ?", DONE,
                OffsetDateTime.now(clock), actor, tenantId, id, OPEN));
        Task t = db.read(c -> Db.list(c, SELECT + " WHERE tenant_id = ? AND id = ?", List.of(tenantId, id), Tasks::task)).stream().findFirst()
                .orElseThrow(() -> new NotFoundException("no task " + id));
        if (n == 0 && !DONE.equals(t.status())) {
            throw new NotFoundException("no open task " + id);
        }
        return t;
    }

    private static final String SELECT = "SELECT id, customer_id, journey_id, run_id, title, assignee, status, created_at, done_at, done_by FROM task";

    private static Task task(ResultSet rs) throws SQLException {
        return new Task(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class), rs.getObject(4, UUID.class), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getObject(8, OffsetDateTime.class), rs.getObject(9, OffsetDateTime.class), rs.getString(10));
    }
}
