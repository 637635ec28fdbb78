package io.rapport.core.event;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Identifier;
import io.rapport.api.customer.IdentifierType;
import io.rapport.api.event.Event;
import io.rapport.api.event.NewEvent;
import io.rapport.core.customer.Attributes;
import io.rapport.core.db.DataAccessException;
import io.rapport.core.db.Cursor;
import io.rapport.core.db.Db;
import io.rapport.core.db.Ids;
import io.rapport.core.json.Json;
import io.rapport.core.validation.InvalidInputException;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

/**
 * Writes events with their outbox rows in one transaction, and reads timelines. Idempotency keys are unique per
 * tenant: a repeated key answers with the id of the event stored first and stores nothing.
 */
public final class EventStore {

    private final MinuteCounts perMinute;

    /** What happened to one event of an append. */
    public record Appended(UUID eventId, boolean duplicate) {
    }

    /** One page of a timeline, newest first; {@code next} is the cursor of the following page, or null. */
    public record Page(List<Event> events, String next) {
    }

    /**
     * The source of the events the kernel records about the messages it sends (sent, rejected, failed, delivered,
     * bounced): they are on the timeline but are not the customer's own activity, so they move neither the profile's
     * last-seen time nor its stage.
     */
    public static final String SOURCE_SENDING = "kernel:messages";
    /** The source of what a customer did with a message (opened, clicked, complained): their own activity. */
    public static final String SOURCE_ENGAGEMENT = "kernel:engagement";

    static final String INSERT_EVENT = "INSERT INTO event (id, tenant_id, customer_id, type, occurred_at, received_at, source, idempotency_key, identity, properties) VALUES (?,?,?,?,?,?,?,?,?,?)";
    static final String INSERT_OUTBOX = "INSERT INTO outbox (tenant_id, event_id, state, created_at) VALUES (?,?,0,?)";
    private static final int IN_CHUNK = 500;
    /**
     * Groups up to this many events look up their customers at ingest (single events: the relay then need not rewrite
     * their rows). Larger groups leave it to the relay: measured on H2, looking up a thousand identifiers per commit
     * cost more acknowledged batch throughput than the relay's rewrites.
     */
    static final int PRE_RESOLVE_MAX = 64;
    /**
     * Only on H2, where the relay's update of an event rewrites the whole row in a copy-on-write page. On PostgreSQL
     * the lookup and the earlier timeline-index insert slowed single events from 1,400/s to 860/s: there the relay's
     * update is cheaper than the ingest path's extra work.
     */
    private final boolean preResolve;
    /** Most events one group commit writes; a single request is never split. */
    static final int MAX_GROUP_EVENTS = 2_000;
    static final int QUEUE_CAPACITY = 10_000;
    static final long WRITER_TIMEOUT_S = 60;
    static final long WRITER_POLL_MS = 200;

    private final Db db;
    private final Clock clock;
    private final Runnable afterCommit;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private volatile boolean running;
    private volatile Thread writer;

    /** @param afterCommit called after each commit that added outbox rows (wakes the relay) */
    public EventStore(Db db, Clock clock, Runnable afterCommit) {
        this.perMinute = new MinuteCounts(clock);
        this.preResolve = db.dialect() == Db.Dialect.H2;
        this.db = db;
        this.clock = clock;
        this.afterCommit = afterCommit;
    }

    /**
     * Stores {@code events} of one tenant atomically; returns one result per event, in order. Once {@link #start()}ed,
     * requests from concurrent callers are grouped into one transaction by a writer thread (group commit): each
     * caller still gets its answer only after the commit, and a request that fails on its own is retried alone so
     * that it cannot fail the others.
     */
    public List<Appended> append(UUID tenantId, String source, List<NewEvent> events) {
        List<Appended> out = store(tenantId, source, events);
        int stored = 0;
        for (Appended a : out) {
            stored += a.duplicate() ? 0 : 1;
        }
        perMinute.add(tenantId, stored);
        return out;
    }

    /** Events accepted per minute on this node. */
    public MinuteCounts perMinute() {
        return perMinute;
    }

    private List<Appended> store(UUID tenantId, String source, List<NewEvent> events) {
        Thread w = writer;
        if (w == null || !w.isAlive()) {
            return appendAlone(tenantId, source, events);
        }
        Request r = new Request(tenantId, source, events, new CompletableFuture<>());
        try {
            queue.put(r);
            return r.done().get(WRITER_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataAccessException("interrupted while storing events", e);
        } catch (TimeoutException e) {
            throw new DataAccessException("the database did not store the events within " + WRITER_TIMEOUT_S + " s", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new DataAccessException(e.getCause().getMessage(), e.getCause());
        }
    }

    /** Starts the group-commit writer. */
    public void start() {
        running = true;
        Thread t = new Thread(this::writeLoop, "rapport-ingest-writer");
        t.setDaemon(true);
        writer = t;
        t.start();
    }

    /** Stops the writer after the requests already queued; later appends run in their own transactions. */
    public void close() {
        running = false;
        Thread t = writer;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(WRITER_TIMEOUT_S));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writer = null;
        for (Request r; (r = queue.poll()) != null; ) {
            complete(r);
        }
    }

    private record Request(UUID tenantId, String source, List<NewEvent> events, CompletableFuture<List<Appended>> done) {
    }

    private void writeLoop() {
        List<Request> group = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            Request first;
            try {
                first = queue.poll(WRITER_POLL_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (first == null) {
                continue;
            }
            group.clear();
            group.add(first);
            int size = first.events().size();
            for (Request next; (next = queue.peek()) != null && size + next.events().size() <= MAX_GROUP_EVENTS; ) {
                group.add(queue.poll());
                size += next.events().size();
            }
            if (group.size() == 1) {
                complete(first);
                continue;
            }
            List<List<Appended>> results;
            try {
                results = db.tx(c -> appendIn(c, group));
            } catch (RuntimeException e) {
                group.forEach(this::complete); // one of them failed the group: each alone, so only that one fails
                continue;
            }
            afterCommit.run();
            for (int i = 0; i < group.size(); i++) {
                group.get(i).done().complete(results.get(i));
            }
        }
    }

    private void complete(Request r) {
        try {
            r.done().complete(appendAlone(r.tenantId(), r.source(), r.events()));
        } catch (RuntimeException e) {
            r.done().completeExceptionally(e);
        }
    }

    private List<Appended> appendAlone(UUID tenantId, String source, List<NewEvent> events) {
        for (int attempt = 1; ; attempt++) {
            try {
                List<Appended> result = db.tx(c -> appendIn(c, List.of(new Request(tenantId, source, events, null)))).get(0);
                if (result.stream().anyMatch(a -> !a.duplicate())) {
                    afterCommit.run();
                }
                return result;
            } catch (DataAccessException e) {
                // Two requests raced with the same idempotency key: the loser reads the winner's row on retry.
                if (attempt >= 3 || !(e.getCause() instanceof SQLException s) || !Db.isUniqueViolation(s)) {
                    throw e;
                }
            }
        }
    }

    /** Writes the requests' events with one JDBC batch per table, whatever the number of requests. */
    private List<List<Appended>> appendIn(Connection c, List<Request> requests) throws SQLException {
        Map<UUID, Map<String, UUID>> knownByTenant = new HashMap<>();
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<List<Appended>> out = new ArrayList<>(requests.size());
        boolean any = false;
        int size = requests.stream().mapToInt(r -> r.events().size()).sum();
        Map<OwnerKey, UUID> owners = preResolve && size <= PRE_RESOLVE_MAX ? owners(c, requests) : Map.of();
        try (PreparedStatement ev = c.prepareStatement(INSERT_EVENT);
             PreparedStatement ob = c.prepareStatement(INSERT_OUTBOX)) {
            for (Request r : requests) {
                // keys stored before, and keys of earlier requests of this group (not in the database yet)
                Map<String, UUID> known = knownByTenant.computeIfAbsent(r.tenantId(), t -> new HashMap<>());
                existingKeys(c, r.tenantId(), r.events()).forEach(known::putIfAbsent);
                List<Appended> result = new ArrayList<>(r.events().size());
                for (NewEvent e : r.events()) {
                    String key = e.idempotencyKey();
                    if (key != null && known.containsKey(key)) {
                        result.add(new Appended(known.get(key), true));
                        continue;
                    }
                    UUID id = Ids.timeOrdered();
                    if (key != null) {
                        known.put(key, id);
                    }
                    bindEvent(ev, id, r.tenantId(), soleOwner(owners, r.tenantId(), e), e.type(), e.occurredAt(), now, r.source(), key,
                            encodeIdentity(e.identifiers(), e.verified(), e.traits()), Json.writeMap(e.properties()));
                    ev.addBatch();
                    ob.setObject(1, r.tenantId());
                    ob.setObject(2, id);
                    ob.setObject(3, now);
                    ob.addBatch();
                    result.add(new Appended(id, false));
                    any = true;
                }
                out.add(result);
            }
            if (any) {
                ev.executeBatch();
                ob.executeBatch();
            }
        }
        return out;
    }

    /**
     * Stores an event the kernel emits about a known customer (consent changes, merges) inside the caller's
     * transaction. The caller must run the {@code afterCommit} hook given to this store once it commits.
     */
    public UUID appendKernelEvent(Connection c, UUID tenantId, UUID customerId, String type, String source,
                                  Map<String, ?> properties) throws SQLException {
        return appendKernelEvent(c, tenantId, customerId, type, source, properties, null);
    }

    /**
     * As {@link #appendKernelEvent(Connection, UUID, UUID, String, String, Map)}, with the sender's idempotency key
     * (or null). A key stored before violates the unique constraint; look it up first with {@link #idOfKey}.
     */
    public UUID appendKernelEvent(Connection c, UUID tenantId, UUID customerId, String type, String source,
                                  Map<String, ?> properties, String idempotencyKey) throws SQLException {
        UUID id = Ids.timeOrdered();
        OffsetDateTime now = OffsetDateTime.now(clock);
        try (PreparedStatement ev = c.prepareStatement(INSERT_EVENT);
             PreparedStatement ob = c.prepareStatement(INSERT_OUTBOX)) {
            bindEvent(ev, id, tenantId, customerId, type, now, now, source, idempotencyKey, null, Json.writeMap(properties));
            ev.executeUpdate();
            ob.setObject(1, tenantId);
            ob.setObject(2, id);
            ob.setObject(3, now);
            ob.executeUpdate();
        }
        return id;
    }

    /** An event the kernel emits about a known customer, for {@link #appendKernelEvents}. */
    public record KernelEvent(UUID tenantId, UUID customerId, String type, String source, Map<String, ?> properties) {
    }

    /**
     * Stores many kernel events inside the caller's transaction with one JDBC batch per table (the send path's outcomes).
     * The caller must run the {@code afterCommit} hook once it commits.
     */
    public void appendKernelEvents(Connection c, List<KernelEvent> list) throws SQLException {
        if (list.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        try (PreparedStatement ev = c.prepareStatement(INSERT_EVENT);
             PreparedStatement ob = c.prepareStatement(INSERT_OUTBOX)) {
            for (KernelEvent e : list) {
                UUID id = Ids.timeOrdered();
                bindEvent(ev, id, e.tenantId(), e.customerId(), e.type(), now, now, e.source(), null, null, Json.writeMap(e.properties()));
                ev.addBatch();
                ob.setObject(1, e.tenantId());
                ob.setObject(2, id);
                ob.setObject(3, now);
                ob.addBatch();
            }
            ev.executeBatch();
            ob.executeBatch();
        }
    }

    /**
     * On PostgreSQL, {@link #appendKernelEvents} as one statement, for a caller that sends it with others in one round
     * trip ({@link Db#pipeline}): the events and their outbox rows, the latter in the list's order (the relay's). The caller must
     * run the {@code afterCommit} hook once it commits.
     *
     * @param list at least one event
     */
    public Db.Step kernelEventsStep(Connection c, List<KernelEvent> list) throws SQLException {
        OffsetDateTime now = OffsetDateTime.now(clock);
        int n = list.size();
        UUID[] ids = new UUID[n];
        UUID[] tenants = new UUID[n];
        UUID[] customers = new UUID[n];
        String[] types = new String[n];
        String[] sources = new String[n];
        String[] properties = new String[n];
        for (int i = 0; i < n; i++) {
            KernelEvent e = list.get(i);
            ids[i] = Ids.timeOrdered();
            tenants[i] = e.tenantId();
            customers[i] = e.customerId();
            types[i] = e.type();
            sources[i] = e.source();
            properties[i] = Json.writeMap(e.properties());
        }
        return new Db.Step(INSERT_KERNEL_EVENTS, List.of(c.createArrayOf("uuid", ids), c.createArrayOf("uuid", tenants),
                c.createArrayOf("uuid", customers), c.createArrayOf("text", types), c.createArrayOf("text", sources),
                c.createArrayOf("text", properties), now, now, now), null);
    }

    private static final String INSERT_KERNEL_EVENTS = "WITH x AS (SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], "
            + "?::text[]) WITH ORDINALITY AS x(id, tenant_id, customer_id, type, source, properties, n)), e AS (INSERT INTO event (id, tenant_id, "
            + "customer_id, type, occurred_at, received_at, source, properties) SELECT id, tenant_id, customer_id, type, ?::timestamptz, "
            + "?::timestamptz, source, properties FROM x) "
            + "INSERT INTO outbox (tenant_id, event_id, state, created_at) SELECT tenant_id, id, 0, ?::timestamptz FROM x ORDER BY n";

    private record OwnerKey(UUID tenantId, String type, String namespace, String value) {
    }

    /**
     * Who owns the identifiers of a group's events, in one query per tenant and chunk: so that an event about a
     * customer who is already known is stored with its customer id and the relay need not rewrite its row.
     */
    private static Map<OwnerKey, UUID> owners(Connection c, List<Request> requests) throws SQLException {
        Map<UUID, java.util.Set<String>> values = new HashMap<>();
        for (Request r : requests) {
            for (NewEvent e : r.events()) {
                if (!e.verified()) {
                    e.identifiers().forEach(i -> values.computeIfAbsent(r.tenantId(), t -> new java.util.LinkedHashSet<>()).add(i.value()));
                }
            }
        }
        Map<OwnerKey, UUID> out = new HashMap<>();
        for (Map.Entry<UUID, java.util.Set<String>> e : values.entrySet()) {
            List<String> all = List.copyOf(e.getValue());
            for (List<String> chunk : Db.chunks(all, IN_CHUNK)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT type, namespace, id_value, customer_id FROM customer_identifier "
                        + "WHERE tenant_id = ? AND id_value IN (" + Db.marks(chunk.size()) + ")")) {
                    ps.setObject(1, e.getKey());
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 2, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.put(new OwnerKey(e.getKey(), rs.getString(1), rs.getString(2), rs.getString(3)), rs.getObject(4, UUID.class));
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * @return the customer who owns every identifier of the event, or null when one is unknown, two customers share
     *         them, or the event is verified: then the relay's identity resolution decides (it may link or merge)
     */
    private static UUID soleOwner(Map<OwnerKey, UUID> owners, UUID tenantId, NewEvent e) {
        if (e.verified()) {
            return null;
        }
        UUID owner = null;
        for (io.rapport.api.customer.Identifier i : e.identifiers()) {
            UUID o = owners.get(new OwnerKey(tenantId, i.type().key(), i.namespace(), i.value()));
            if (o == null || (owner != null && !owner.equals(o))) {
                return null;
            }
            owner = o;
        }
        return owner;
    }

    /** @return the id of the tenant's event with this idempotency key, or null */
    public static UUID idOfKey(Connection c, UUID tenantId, String idempotencyKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM event WHERE tenant_id = ? AND idempotency_key = ?")) {
            ps.setObject(1, tenantId);
            ps.setString(2, idempotencyKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, UUID.class) : null;
            }
        }
    }

    public void committed() {
        afterCommit.run();
    }

    private static void bindEvent(PreparedStatement ps, UUID id, UUID tenantId, UUID customerId, String type,
                                  OffsetDateTime occurredAt, OffsetDateTime receivedAt, String source, String key,
                                  String identity, String properties) throws SQLException {
        ps.setObject(1, id);
        ps.setObject(2, tenantId);
        ps.setObject(3, customerId);
        ps.setString(4, type);
        ps.setObject(5, occurredAt);
        ps.setObject(6, receivedAt);
        ps.setString(7, source);
        ps.setString(8, key);
        ps.setString(9, identity);
        ps.setString(10, properties);
    }

    /**
     * Stores events of one tenant inside the caller's transaction, as {@link #append} does (duplicates by idempotency
     * key are answered, not stored again). The caller runs {@link #committed()} once it commits.
     */
    public List<Appended> appendIn(Connection c, UUID tenantId, String source, List<NewEvent> events) throws SQLException {
        List<Appended> out = appendIn(c, List.of(new Request(tenantId, source, events, null))).get(0);
        perMinute.add(tenantId, (int) out.stream().filter(a -> !a.duplicate()).count());
        return out;
    }

    /** @return which of these idempotency keys the tenant's stored events already carry, with their event ids */
    public static Map<String, UUID> existingKeys(Connection c, UUID tenantId, List<NewEvent> events) throws SQLException {
        List<String> keys = events.stream().map(NewEvent::idempotencyKey).filter(java.util.Objects::nonNull).distinct().toList();
        Map<String, UUID> known = new HashMap<>();
        for (List<String> chunk : Db.chunks(keys, IN_CHUNK)) {
            String sql = "SELECT idempotency_key, id FROM event WHERE tenant_id = ? AND idempotency_key IN ("
                    + Db.marks(chunk.size()) + ")";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setObject(1, tenantId);
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 2, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        known.put(rs.getString(1), rs.getObject(2, UUID.class));
                    }
                }
            }
        }
        return known;
    }

    /**
     * A customer's timeline, newest first.
     *
     * @param types  event types to keep, or empty for all
     * @param cursor from a previous page's {@link Page#next()}, or null for the newest
     */
    public Page timeline(UUID tenantId, UUID customerId, List<String> types, String cursor, int limit) {
        Cursor before = Cursor.decode(cursor);
        StringBuilder sql = new StringBuilder("SELECT id, customer_id, type, occurred_at, received_at, source, properties, idempotency_key "
                + "FROM event WHERE tenant_id = ? AND customer_id = ?");
        if (!types.isEmpty()) {
            sql.append(" AND type IN (").append(Db.marks(types.size())).append(")");
        }
        if (before != null) {
            sql.append(" AND (occurred_at < ? OR (occurred_at = ? AND id < ?))");
        }
        // the whole index (customer_id, occurred_at, id) in the ORDER BY lets H2 read it backwards instead of sorting
        sql.append(" ORDER BY customer_id DESC, occurred_at DESC, id DESC LIMIT ?");
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setObject(i++, tenantId);
                ps.setObject(i++, customerId);
                for (String t : types) {
                    ps.setString(i++, t);
                }
                if (before != null) {
                    ps.setObject(i++, before.at());
                    ps.setObject(i++, before.at());
                    ps.setObject(i++, before.id());
                }
                ps.setInt(i, limit + 1);
                List<Event> events = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new Event(rs.getObject(1, UUID.class), tenantId, rs.getObject(2, UUID.class), rs.getString(3),
                                rs.getObject(4, OffsetDateTime.class), rs.getObject(5, OffsetDateTime.class), rs.getString(6),
                                Json.readMap(rs.getString(7)), rs.getString(8)));
                    }
                }
                String next = null;
                if (events.size() > limit) {
                    events = events.subList(0, limit);
                    Event last = events.get(limit - 1);
                    next = new Cursor(last.occurredAt(), last.id()).encode();
                }
                return new Page(List.copyOf(events), next);
            }
        });
    }

    /** How many events wait in the outbox (for health and metrics). */
    public long outboxDepth() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM outbox");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    // --- identity column: who the sender said the event is about -------------------------------------------

    /** The identity part of a stored event: identifiers, whether they were verified, and traits. */
    record Identity(List<Identifier> identifiers, boolean verified, Map<String, AttributeValue> traits) {
    }

    static String encodeIdentity(List<Identifier> ids, boolean verified, Map<String, AttributeValue> traits) {
        JsonArrayBuilder a = Json.array();
        for (Identifier id : ids) {
            a.add(Json.object().add("t", id.type().key()).add("n", id.namespace()).add("v", id.value()));
        }
        JsonObjectBuilder o = Json.object().add("ids", a).add("verified", verified);
        if (!traits.isEmpty()) {
            JsonObjectBuilder t = Json.object();
            traits.forEach((k, v) -> t.add(k, Json.object().add("type", v.type().name()).add("value", Attributes.encode(v))));
            o.add("traits", t);
        }
        return Json.write(o.build());
    }

    static Identity decodeIdentity(String text) {
        if (text == null) {
            return new Identity(List.of(), false, Map.of());
        }
        JsonObject o = Json.readObject(text);
        List<Identifier> ids = new ArrayList<>();
        for (JsonValue v : o.getJsonArray("ids")) {
            JsonObject i = v.asJsonObject();
            ids.add(new Identifier(IdentifierType.ofKey(i.getString("t")), i.getString("n"), i.getString("v")));
        }
        Map<String, AttributeValue> traits = new java.util.LinkedHashMap<>();
        if (o.containsKey("traits")) {
            o.getJsonObject("traits").forEach((k, v) -> traits.put(k,
                    Attributes.decode(v.asJsonObject().getString("type"), v.asJsonObject().getString("value"))));
        }
        return new Identity(ids, o.getBoolean("verified", false), traits);
    }
}
