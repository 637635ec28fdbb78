package io.rapport.core.journey;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.rapport.core.customer.CustomerJson;
import io.rapport.core.customer.StageRules;
import io.rapport.core.db.Db;
import io.rapport.core.db.Ids;
import io.rapport.core.json.Json;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import jakarta.json.JsonObject;

/**
 * Journeys as marketers edit them: a draft that is checked on every save, and published versions that never change.
 * Publishing makes the draft the next version and the journey live; customers inside stay on the version they
 * entered.
 */
public final class JourneyStore {

    public static final int MAX_JOURNEYS = 200;

    /** Where a journey stands. */
    public enum Status {
        /** Never published. */
        DRAFT,
        /** Takes customers in. */
        LIVE,
        /** Takes no one in; those inside go on. */
        PAUSED,
        /** Every customer inside left; takes no one in. */
        STOPPED;

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A journey as stored: its draft (the next version) and the version that takes customers in. */
    public record View(UUID id, UUID tenantId, String name, String description, JsonObject draft, Status status, Integer liveVersion,
                       OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    }

    /** A published version. */
    public record Version(int version, JsonObject definition, OffsetDateTime publishedAt, String publishedBy) {
    }

    private final Db db;
    private final Clock clock;
    private final StageRules stages;
    /** Published versions never change: parsed once. */
    private final ConcurrentHashMap<String, Journey> versions = new ConcurrentHashMap<>();
    private volatile Runnable onChange = () -> { };

    public JourneyStore(Db db, Clock clock, StageRules stages) {
        this.db = db;
        this.clock = clock;
        this.stages = stages;
    }

    /** Called after every change of a journey's status or live version (the engine reloads what it listens for). */
    void onChange(Runnable r) {
        this.onChange = r;
    }

    /** Saves a new journey as a draft. @throws InvalidInputException naming what is wrong with it */
    public View create(UUID tenantId, String name, String description, JsonObject definition) {
        check(name, description);
        validate(tenantId, definition);
        UUID id = Ids.timeOrdered();
        db.tx(c -> {
            if (Db.list(c, "SELECT COUNT(*) FROM journey WHERE tenant_id = ?", List.of(tenantId), rs -> rs.getLong(1)).get(0) >= MAX_JOURNEYS) {
                throw new ConflictException("/name", "a shop has at most " + MAX_JOURNEYS + " journeys");
            }
            requireFreeName(c, tenantId, name, null);
            OffsetDateTime now = OffsetDateTime.now(clock);
            Db.update(c, "INSERT INTO journey (id, tenant_id, name, description, draft, status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                    id, tenantId, name, description, Json.write(definition), Status.DRAFT.name(), now, now);
            return null;
        });
        return find(tenantId, id).orElseThrow();
    }

    /** Replaces the draft (the next version); customers inside are not affected until it is published. */
    public View update(UUID tenantId, UUID id, String name, String description, JsonObject definition) {
        check(name, description);
        validate(tenantId, definition);
        db.tx(c -> {
            lock(c, tenantId, id);
            requireFreeName(c, tenantId, name, id);
            Db.update(c, "UPDATE journey SET name = ?, description = ?, draft = ?, updated_at = ? WHERE id = ?", name, description,
                    Json.write(definition), OffsetDateTime.now(clock), id);
            return null;
        });
        return find(tenantId, id).orElseThrow();
    }

    /** Makes the draft the next version and the journey live. */
    public View publish(UUID tenantId, UUID id, String actor) {
        View v = find(tenantId, id).orElseThrow(() -> new NotFoundException("no journey " + id));
        validate(tenantId, v.draft());
        db.tx(c -> {
            View locked = lock(c, tenantId, id);
            int next = locked.liveVersion() == null ? 1 : Db.list(c, "SELECT MAX(version) FROM journey_version WHERE journey_id = ?", List.of(id),
                    rs -> rs.getInt(1)).get(0) + 1;
            OffsetDateTime now = OffsetDateTime.now(clock);
            Db.update(c, "INSERT INTO journey_version (journey_id, version, definition, published_at, published_by) VALUES (?,?,?,?,?)", id, next,
                    Json.write(locked.draft()), now, actor);
            Db.update(c, "UPDATE journey SET status = ?, live_version = ?, updated_at = ? WHERE id = ?", Status.LIVE.name(), next, now, id);
            return null;
        });
        onChange.run();
        return find(tenantId, id).orElseThrow();
    }

    /** Pauses (no one enters; those inside go on) or resumes a published journey. */
    public View setPaused(UUID tenantId, UUID id, boolean paused) {
        db.tx(c -> {
            View v = lock(c, tenantId, id);
            if (v.status() == Status.DRAFT || v.status() == Status.STOPPED) {
                throw new ConflictException("/status", "the journey is " + v.status().json() + ": publish it first");
            }
            Db.update(c, "UPDATE journey SET status = ?, updated_at = ? WHERE id = ?", (paused ? Status.PAUSED : Status.LIVE).name(),
                    OffsetDateTime.now(clock), id);
            return null;
        });
        onChange.run();
        return find(tenantId, id).orElseThrow();
    }

    /** Stops a journey: no one enters, and everyone inside leaves now. @return how many left */
    public int stop(UUID tenantId, UUID id) {
        int left = db.tx(c -> {
            lock(c, tenantId, id);
            OffsetDateTime now = OffsetDateTime.now(clock);
            Db.update(c, "UPDATE journey SET status = ?, updated_at = ? WHERE id = ?", Status.STOPPED.name(), now, id);
            return Db.update(c, "UPDATE journey_run SET exit_request = ?, due_at = ?, signal = signal + 1 WHERE journey_id = ? "
                    + "AND state IN ('active', 'waiting')", "journey stopped", now, id);
        });
        onChange.run();
        return left;
    }

    /** Deletes a journey that was never published; one that was keeps its history (stop it instead). */
    public void delete(UUID tenantId, UUID id) {
        db.tx(c -> {
            View v = lock(c, tenantId, id);
            if (v.status() != Status.DRAFT) {
                throw new ConflictException("/status", "the journey was published and keeps its customers' history: stop it instead");
            }
            Db.update(c, "DELETE FROM journey WHERE id = ?", id);
            return null;
        });
    }

    public Optional<View> find(UUID tenantId, UUID id) {
        return db.read(c -> Db.list(c, SELECT + " WHERE tenant_id = ? AND id = ?", List.of(tenantId, id), JourneyStore::view).stream().findFirst());
    }

    public List<View> list(UUID tenantId) {
        return db.read(c -> Db.list(c, SELECT + " WHERE tenant_id = ? ORDER BY name", List.of(tenantId), JourneyStore::view));
    }

    public List<Version> versions(UUID tenantId, UUID id) {
        find(tenantId, id).orElseThrow(() -> new NotFoundException("no journey " + id));
        return db.read(c -> Db.list(c, "SELECT version, definition, published_at, published_by FROM journey_version WHERE journey_id = ? "
                + "ORDER BY version", List.of(id), rs -> new Version(rs.getInt(1), Json.readObject(rs.getString(2)), rs.getObject(3, OffsetDateTime.class),
                rs.getString(4))));
    }

    /** @return a published version, parsed (cached: versions never change) */
    public Journey version(UUID journeyId, int version) {
        String key = journeyId + "/" + version;
        Journey j = versions.get(key);
        if (j != null) {
            return j;
        }
        String text = db.read(c -> Db.list(c, "SELECT definition FROM journey_version WHERE journey_id = ? AND version = ?", List.of(journeyId, version),
                rs -> rs.getString(1))).stream().findFirst().orElseThrow(() -> new NotFoundException("no version " + version + " of journey " + journeyId));
        j = JourneyDefinitions.parse(Json.readObject(text), "");
        versions.put(key, j);
        return j;
    }

    /**
     * Checks a definition: its grammar and graph ({@link JourneyDefinitions}), and what it names in the shop: the
     * trigger's segment, the attributes its conditions read (some profile must have them: a typo would select no
     * one, silently), and the profile patches of update steps.
     *
     * @return the parsed journey
     * @throws InvalidInputException naming every problem, under {@code /definition}
     */
    public Journey validate(UUID tenantId, JsonObject definition) {
        Journey j = JourneyDefinitions.parse(definition, "/definition");
        List<FieldError> errors = new ArrayList<>();
        db.read(c -> {
            if (j.trigger() instanceof Journey.OnSegment s
                    && Db.list(c, "SELECT 1 FROM segment WHERE tenant_id = ? AND id = ?", List.of(tenantId, s.segmentId()), rs -> 1).isEmpty()) {
                errors.add(new FieldError("/definition/trigger/segment", "names no segment of this shop"));
            }
            // a date trigger's attribute may come with a later import: no check, it selects no one until then
            if (j.filter() != null) {
                for (String a : JourneyDefinitions.attributes(j.filter())) {
                    requireAttribute(c, tenantId, a, "/definition/filter", errors);
                }
            }
            for (var e : j.steps().entrySet()) {
                String p = "/definition/steps/" + JourneyDefinitions.pointerToken(e.getKey());
                if (e.getValue() instanceof Journey.Branch b) {
                    for (String a : JourneyDefinitions.attributes(b.condition())) {
                        requireAttribute(c, tenantId, a, p + "/condition", errors);
                    }
                } else if (e.getValue() instanceof Journey.SendSurvey v && Db.list(c, "SELECT 1 FROM survey WHERE tenant_id = ? AND id = ? "
                        + "AND archived_at IS NULL", List.of(tenantId, v.survey()), rs -> 1).isEmpty()) {
                    errors.add(new FieldError(p + "/survey", "names no survey of this shop (or an archived one)"));
                } else if (e.getValue() instanceof Journey.Update u) {
                    try {
                        CustomerJson.changes(u.patch(), null, stages, clock);
                    } catch (InvalidInputException ex) {
                        ex.errors().forEach(f -> errors.add(new FieldError(p + "/profile" + f.field(), f.detail())));
                    }
                }
            }
            return null;
        });
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return j;
    }

    private static void requireAttribute(Connection c, UUID tenantId, String name, String pointer, List<FieldError> errors) throws SQLException {
        if (Db.list(c, "SELECT 1 FROM customer_attribute WHERE tenant_id = ? AND name = ? FETCH FIRST 1 ROWS ONLY", List.of(tenantId, name), rs -> 1)
                .isEmpty()) {
            List<String> known = Db.list(c, "SELECT DISTINCT name FROM customer_attribute WHERE tenant_id = ? ORDER BY name FETCH FIRST 20 ROWS ONLY",
                    List.of(tenantId), rs -> rs.getString(1));
            errors.add(new FieldError(pointer, "reads the attribute '" + name + "', which no customer has"
                    + (known.isEmpty() ? "" : "; attributes in use: " + String.join(", ", known))));
        }
    }

    private static void check(String name, String description) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new InvalidInputException("/name", "a journey's name has 1 to 200 characters");
        }
        if (description != null && description.length() > 2000) {
            throw new InvalidInputException("/description", "has at most 2000 characters");
        }
    }

    private static void requireFreeName(Connection c, UUID tenantId, String name, UUID except) throws SQLException {
        List<UUID> same = Db.list(c, "SELECT id FROM journey WHERE tenant_id = ? AND name = ?", List.of(tenantId, name), rs -> rs.getObject(1, UUID.class));
        if (!same.isEmpty() && !same.get(0).equals(except)) {
            throw new ConflictException("/name", "the shop has a journey named '" + name + "' already");
        }
    }

    private static View lock(Connection c, UUID tenantId, UUID id) throws SQLException {
        List<View> v = Db.list(c, SELECT + " WHERE tenant_id = ? AND id = ? FOR UPDATE", List.of(tenantId, id), JourneyStore::view);
        if (v.isEmpty()) {
            throw new NotFoundException("no journey " + id);
        }
        return v.get(0);
    }

    static final String SELECT = "SELECT id, tenant_id, name, description, draft, status, live_version, created_at, updated_at FROM journey";

    private static View view(ResultSet rs) throws SQLException {
        return new View(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4), Json.readObject(rs.getString(5)),
                Status.valueOf(rs.getString(6)), (Integer) rs.getObject(7), rs.getObject(8, OffsetDateTime.class), rs.getObject(9, OffsetDateTime.class));
    }

    /** Journeys that take customers in or have customers inside: every tenant's, with their published versions' ids. */
    record Active(UUID id, UUID tenantId, String name, Status status, int liveVersion) {
    }

    List<Active> active() {
        return db.read(c -> Db.list(c, "SELECT id, tenant_id, name, status, live_version FROM journey WHERE status IN ('LIVE', 'PAUSED')", List.of(),
                rs -> new Active(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), Status.valueOf(rs.getString(4)),
                        rs.getInt(5))));
    }

    /** A customer's run through a journey, as the API shows it. */
    public record RunView(UUID id, UUID customerId, int version, String state, String step, OffsetDateTime dueAt, String waitEvent, String variant,
                          OffsetDateTime enteredAt, OffsetDateTime endedAt, String exitReason, OffsetDateTime convertedAt) {
    }

    /** A page of a journey's runs, newest first ({@code before}: the last page's oldest entry); {@code state} filters. */
    public List<RunView> runs(UUID tenantId, UUID journeyId, String state, OffsetDateTime before, int limit) {
        find(tenantId, journeyId).orElseThrow(() -> new NotFoundException("no journey " + journeyId));
        StringBuilder sql = new StringBuilder(RUN_SELECT + " WHERE tenant_id = ? AND journey_id = ?");
        List<Object> args = new ArrayList<>(List.of(tenantId, journeyId));
        if (state != null) {
            sql.append(" AND state = ?");
            args.add(state);
        }
        if (before != null) {
            sql.append(" AND entered_at < ?");
            args.add(before);
        }
        sql.append(" ORDER BY entered_at DESC, id FETCH FIRST ").append(limit).append(" ROWS ONLY");
        return db.read(c -> Db.list(c, sql.toString(), args, JourneyStore::run));
    }

    /** A customer's runs through every journey, newest first. */
    public List<RunView> runsOf(UUID tenantId, UUID customerId, int limit) {
        return db.read(c -> Db.list(c, RUN_SELECT + " WHERE tenant_id = ? AND customer_id = ? ORDER BY entered_at DESC FETCH FIRST " + limit
                + " ROWS ONLY", List.of(tenantId, customerId), JourneyStore::run));
    }

    /** One step a run took. */
    public record TakenView(int seq, int version, String step, String outcome, String detail, OffsetDateTime at) {
    }

    /** The steps a run took, in order. */
    public List<TakenView> steps(UUID tenantId, UUID runId) {
        return db.read(c -> Db.list(c, "SELECT s.seq, s.version, s.step, s.outcome, s.detail, s.at FROM journey_step s JOIN journey_run r ON r.id = s.run_id "
                + "WHERE r.tenant_id = ? AND s.run_id = ? ORDER BY s.seq", List.of(tenantId, runId), rs -> new TakenView(rs.getInt(1), rs.getInt(2),
                rs.getString(3), rs.getString(4), rs.getString(5), rs.getObject(6, OffsetDateTime.class))));
    }

    static final String RUN_SELECT = "SELECT id, customer_id, version, state, step, due_at, wait_event, variant, entered_at, ended_at, exit_reason, "
            + "converted_at FROM journey_run";

    private static RunView run(ResultSet rs) throws SQLException {
        return new RunView(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getInt(3), rs.getString(4), rs.getString(5),
                rs.getObject(6, OffsetDateTime.class), rs.getString(7), rs.getString(8), rs.getObject(9, OffsetDateTime.class),
                rs.getObject(10, OffsetDateTime.class), rs.getString(11), rs.getObject(12, OffsetDateTime.class));
    }
}
