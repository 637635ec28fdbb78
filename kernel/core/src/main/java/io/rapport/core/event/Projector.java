package io.rapport.core.event;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Identifier;
import io.rapport.api.customer.IdentifierType;
import io.rapport.api.event.Event;
import io.rapport.api.event.EventTypes;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.customer.StageRules;
import io.rapport.core.db.Db;
import io.rapport.core.db.Ids;
import io.rapport.core.json.Json;

/**
 * Projects a batch of stored events onto profiles inside one transaction: resolves who each event is about
 * (creating, linking or merging profiles), updates counters, last seen, stage and traits, and attaches the event to
 * the timeline. Reads are done in bulk and writes in JDBC batches, so a batch costs a handful of round trips.
 *
 * <p>Identity rules: identifiers rank external id, email, phone, anonymous id; the event goes to the owner of its
 * highest-ranked identifier. Another profile that the event also points at is merged into that one when it holds
 * no known identifier (an anonymous visitor who just logged in), or when the sender marked the identifiers as
 * verified. Otherwise the profiles stay apart and the conflicting identifier is not moved.
 */
final class Projector {

    /** An outbox row with its event, as the relay reads it. */
    record Pending(long outboxId, UUID eventId, UUID tenantId, UUID customerId, String type, OffsetDateTime occurredAt,
                   OffsetDateTime receivedAt, String source, String idempotencyKey, String identity, String properties) {
    }

    static final String REASON_ANONYMOUS = "anonymous id linked to a known customer";
    static final String REASON_VERIFIED = "verified identifiers of one person";
    static final String ACTOR = "kernel";
    static final Set<String> KERNEL_TYPES = Set.of(EventTypes.CUSTOMER_CREATED, EventTypes.CUSTOMER_MERGED, EventTypes.CONSENT_CHANGED,
            EventTypes.SEGMENT_ENTERED, EventTypes.SEGMENT_EXITED);
    private static final int IN_CHUNK = 500;

    private final Clock clock;
    private final StageRules stages;
    private final CustomerStore customers;

    /** Profiles whose fields or attributes the traits of events changed, by tenant, until the batch commits. */
    private final Map<UUID, Set<UUID>> traitChanges = new HashMap<>();

    Projector(Clock clock, StageRules stages, CustomerStore customers) {
        this.clock = clock;
        this.stages = stages;
        this.customers = customers;
    }

    /** The batch committed: the profiles its traits changed are reported (segments re-evaluate them). */
    void committed() {
        traitChanges.forEach((tenant, ids) -> customers.changed(tenant, List.copyOf(ids)));
        traitChanges.clear();
    }

    /** The batch rolled back: nothing it changed stands. */
    void discarded() {
        traitChanges.clear();
    }

    /** The writes one batch makes to one profile. */
    private static final class Delta {
        final UUID tenantId;
        boolean created;
        String email;
        String phone;
        long orders;
        BigDecimal revenue = BigDecimal.ZERO;
        OffsetDateTime lastSeen;
        String stage;
        long orderCount;
        String stageBefore;
        final Map<String, String> fields = new LinkedHashMap<>();
        final Map<String, Optional<AttributeValue>> attributes = new LinkedHashMap<>();

        Delta(UUID tenantId) {
            this.tenantId = tenantId;
        }
    }

    private record Key(UUID tenantId, IdentifierType type, String namespace, String value) {
        static Key of(UUID tenantId, Identifier id) {
            return new Key(tenantId, id.type(), id.namespace(), id.value());
        }
    }

    /** Batch state: what the database said plus what this batch has decided and not yet written. */
    private final class Batch {
        final Connection c;
        final OffsetDateTime now = OffsetDateTime.now(clock);
        final Map<Key, UUID> owners = new HashMap<>();
        final Set<UUID> knownProfiles = new HashSet<>();
        final Map<UUID, Delta> deltas = new LinkedHashMap<>();
        final List<Object[]> newIdentifiers = new ArrayList<>();
        final List<Object[]> eventCustomers = new ArrayList<>();
        /** The live profile of each customer id events were stored with (null: erased), kept up to date by merges. */
        final Map<UUID, UUID> live = new HashMap<>();

        Batch(Connection c) {
            this.c = c;
        }

        Delta delta(UUID tenantId, UUID customerId) throws SQLException {
            Delta d = deltas.get(customerId);
            if (d == null) {
                d = new Delta(tenantId);
                try (PreparedStatement ps = c.prepareStatement("SELECT stage, order_count FROM customer WHERE id = ?")) {
                    ps.setObject(1, customerId);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            d.stage = rs.getString(1);
                            d.stageBefore = d.stage;
                            d.orderCount = rs.getLong(2);
                        }
                    }
                }
                deltas.put(customerId, d);
            }
            return d;
        }
    }

    /** @return the projected events, in batch order, each with its customer */
    List<Event> project(Connection c, List<Pending> pending) throws SQLException {
        Batch b = new Batch(c);
        Map<UUID, EventStore.Identity> identities = new HashMap<>();
        List<Key> keys = new ArrayList<>();
        for (Pending p : pending) {
            // an event with identifiers is resolved by them, even when ingest already found its customer:
            // the relay is the authority (a merge or an erasure may have happened since)
            if (p.customerId() == null || p.identity() != null) {
                EventStore.Identity id = EventStore.decodeIdentity(p.identity());
                identities.put(p.eventId(), id);
                id.identifiers().forEach(i -> keys.add(Key.of(p.tenantId(), i)));
            }
        }
        preload(b, keys);
        // events stored with their customer (the kernel's own, an import's orders): who that is now, in one query per chunk
        Map<UUID, Set<UUID>> known = new HashMap<>();
        for (Pending p : pending) {
            if (!identities.containsKey(p.eventId())) {
                known.computeIfAbsent(p.tenantId(), t -> new HashSet<>()).add(p.customerId());
            }
        }
        for (Map.Entry<UUID, Set<UUID>> e : known.entrySet()) {
            b.live.putAll(CustomerStore.resolveAllMerged(c, e.getKey(), e.getValue()));
        }

        List<Event> out = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            UUID customerId = identities.containsKey(p.eventId()) ? resolve(b, p, identities.get(p.eventId())) : b.live.get(p.customerId());
            if (customerId == null) {
                continue; // the profile was erased after the event was stored
            }
            Map<String, Object> properties = Json.readMap(p.properties());
            apply(b, p, customerId, properties, identities.get(p.eventId()));
            if (!customerId.equals(p.customerId())) {
                // on H2 this rewrites the whole row: skipped when ingest already attached the event to this customer
                b.eventCustomers.add(new Object[] {customerId, p.eventId()});
            }
            out.add(new Event(p.eventId(), p.tenantId(), customerId, p.type(), p.occurredAt(), p.receivedAt(), p.source(), properties, p.idempotencyKey()));
        }
        flush(b);
        return out;
    }

    /** Loads, in one query per chunk, who owns the batch's identifiers and those owners' stage and order count. */
    private void preload(Batch b, List<Key> keys) throws SQLException {
        Map<UUID, List<Key>> byTenant = new HashMap<>();
        keys.stream().distinct().forEach(k -> byTenant.computeIfAbsent(k.tenantId(), t -> new ArrayList<>()).add(k));
        for (Map.Entry<UUID, List<Key>> e : byTenant.entrySet()) {
            List<String> values = e.getValue().stream().map(Key::value).distinct().toList();
            for (List<String> chunk : Db.chunks(values, IN_CHUNK)) {
                try (PreparedStatement ps = b.c.prepareStatement("SELECT i.type, i.namespace, i.id_value, i.customer_id, c.stage, c.order_count "
                        + "FROM customer_identifier i JOIN customer c ON c.id = i.customer_id "
                        + "WHERE i.tenant_id = ? AND i.id_value IN (" + Db.marks(chunk.size()) + ")")) {
                    ps.setObject(1, e.getKey());
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 2, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            UUID owner = rs.getObject(4, UUID.class);
                            b.owners.put(new Key(e.getKey(), IdentifierType.ofKey(rs.getString(1)), rs.getString(2), rs.getString(3)), owner);
                            if (!b.deltas.containsKey(owner)) {
                                Delta d = new Delta(e.getKey());
                                d.stage = rs.getString(5);
                                d.stageBefore = d.stage;
                                d.orderCount = rs.getLong(6);
                                b.deltas.put(owner, d);
                            }
                        }
                    }
                }
            }
        }
    }

    private UUID resolve(Batch b, Pending p, EventStore.Identity identity) throws SQLException {
        List<Identifier> ids = new ArrayList<>(identity.identifiers());
        ids.sort(Comparator.comparingInt(i -> i.type().ordinal() == IdentifierType.EXTERNAL.ordinal() ? -1 : i.type().ordinal()));
        UUID primary = null;
        boolean hasKnown = false;
        for (Identifier id : ids) {
            if (id.isKnown()) {
                hasKnown = true;
                primary = b.owners.get(Key.of(p.tenantId(), id));
                if (primary != null) {
                    break;
                }
            }
        }
        if (primary == null) {
            // no known identifier is owned yet: an anonymous profile is this person's only if it knows nobody else
            for (Identifier id : ids) {
                UUID owner = id.isKnown() ? null : b.owners.get(Key.of(p.tenantId(), id));
                if (owner != null && (!hasKnown || !hasKnownIdentifier(b, p.tenantId(), owner))) {
                    primary = owner;
                    break;
                }
            }
        }
        if (primary == null) {
            primary = Ids.timeOrdered();
            Delta d = new Delta(p.tenantId());
            d.created = true;
            b.deltas.put(primary, d);
        }
        for (Identifier id : ids) {
            Key key = Key.of(p.tenantId(), id);
            UUID owner = b.owners.get(key);
            if (owner == null) {
                b.owners.put(key, primary);
                b.newIdentifiers.add(new Object[] {p.tenantId(), id, primary});
                Delta d = b.delta(p.tenantId(), primary);
                if (id.type() == IdentifierType.EMAIL && d.email == null) {
                    d.email = id.value();
                } else if (id.type() == IdentifierType.PHONE && d.phone == null) {
                    d.phone = id.value();
                }
            } else if (!owner.equals(primary)) {
                String reason = null;
                if (identity.verified() && id.isKnown()) {
                    reason = REASON_VERIFIED;
                } else if (!hasKnownIdentifier(b, p.tenantId(), owner)) {
                    reason = REASON_ANONYMOUS;
                }
                if (reason != null) {
                    merge(b, p.tenantId(), primary, owner, reason);
                }
            }
        }
        return primary;
    }

    private boolean hasKnownIdentifier(Batch b, UUID tenantId, UUID customerId) {
        for (Map.Entry<Key, UUID> e : b.owners.entrySet()) {
            if (e.getValue().equals(customerId) && e.getKey().type() != IdentifierType.ANONYMOUS) {
                return true;
            }
        }
        try (PreparedStatement ps = b.c.prepareStatement("SELECT 1 FROM customer_identifier WHERE tenant_id = ? AND customer_id = ? AND type <> ?")) {
            ps.setObject(1, tenantId);
            ps.setObject(2, customerId);
            ps.setString(3, IdentifierType.ANONYMOUS.key());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new io.rapport.core.db.DataAccessException(e.getMessage(), e);
        }
    }

    private void merge(Batch b, UUID tenantId, UUID survivor, UUID merged, String reason) throws SQLException {
        flush(b);
        customers.mergeIn(b.c, tenantId, survivor, merged, reason, ACTOR);
        b.owners.replaceAll((k, v) -> v.equals(merged) ? survivor : v);
        b.live.replaceAll((k, v) -> merged.equals(v) ? survivor : v);
        b.deltas.clear();
    }

    private void apply(Batch b, Pending p, UUID customerId, Map<String, Object> properties, EventStore.Identity identity) throws SQLException {
        if (EventStore.SOURCE_SENDING.equals(p.source())) {
            return; // what the kernel did with a message (sent, rejected, delivered) is not the customer's activity
        }
        if (KERNEL_TYPES.contains(p.type())) {
            return; // the kernel's record of what it did: nothing on the profile changes
        }
        Delta d = b.delta(p.tenantId(), customerId);
        if (d.lastSeen == null || p.occurredAt().isAfter(d.lastSeen)) {
            d.lastSeen = p.occurredAt();
        }
        if (EventTypes.ORDER_COMPLETED.equals(p.type())) {
            d.orders++;
            d.orderCount++;
            if (properties.get(EventTypes.PROPERTY_TOTAL) instanceof BigDecimal total) {
                d.revenue = d.revenue.add(total);
            }
        }
        d.stage = stages.advance(d.stage, p.type(), d.orderCount);
        if (identity != null) {
            for (Map.Entry<String, AttributeValue> t : identity.traits().entrySet()) {
                switch (t.getKey()) {
                    case EventParser.TRAIT_FIRST_NAME -> d.fields.put("first_name", (String) t.getValue().value());
                    case EventParser.TRAIT_LAST_NAME -> d.fields.put("last_name", (String) t.getValue().value());
                    case EventParser.TRAIT_LOCALE -> d.fields.put("locale", (String) t.getValue().value());
                    case EventParser.TRAIT_TIME_ZONE -> d.fields.put("time_zone", (String) t.getValue().value());
                    default -> d.attributes.put(t.getKey(), Optional.of(t.getValue()));
                }
            }
        }
    }

    private void flush(Batch b) throws SQLException {
        Connection c = b.c;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customer (id, tenant_id, email, phone, created_at, updated_at) VALUES (?,?,?,?,?,?)")) {
            boolean any = false;
            for (Map.Entry<UUID, Delta> e : b.deltas.entrySet()) {
                Delta d = e.getValue();
                if (d.created) {
                    ps.setObject(1, e.getKey());
                    ps.setObject(2, d.tenantId);
                    ps.setString(3, d.email);
                    ps.setString(4, d.phone);
                    ps.setObject(5, b.now);
                    ps.setObject(6, b.now);
                    ps.addBatch();
                    d.created = false;
                    d.email = null;
                    d.phone = null;
                    any = true;
                }
            }
            if (any) {
                ps.executeBatch();
            }
        }
        if (!b.newIdentifiers.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO customer_identifier (tenant_id, type, namespace, id_value, customer_id, created_at) VALUES (?,?,?,?,?,?)")) {
                for (Object[] row : b.newIdentifiers) {
                    Identifier id = (Identifier) row[1];
                    ps.setObject(1, row[0]);
                    ps.setString(2, id.type().key());
                    ps.setString(3, id.namespace());
                    ps.setString(4, id.value());
                    ps.setObject(5, row[2]);
                    ps.setObject(6, b.now);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            b.newIdentifiers.clear();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE customer SET order_count = order_count + ?, revenue = revenue + ?, "
                + "last_seen_at = CASE WHEN ? IS NOT NULL AND (last_seen_at IS NULL OR last_seen_at < ?) THEN ? ELSE last_seen_at END, "
                + "stage = COALESCE(?, stage), email = COALESCE(email, ?), phone = COALESCE(phone, ?), "
                + "first_name = COALESCE(?, first_name), last_name = COALESCE(?, last_name), locale = COALESCE(?, locale), time_zone = COALESCE(?, time_zone), "
                // the name keys from the new names (an UPDATE's expressions see the row as it was)
                + "name_key = NULLIF(LOWER(TRIM(CONCAT(COALESCE(?, first_name, ''), ' ', COALESCE(?, last_name, '')))), ''), surname_key = LOWER(COALESCE(?, last_name)), "
                + "updated_at = ? WHERE id = ?")) {
            boolean any = false;
            for (Map.Entry<UUID, Delta> e : b.deltas.entrySet()) {
                Delta d = e.getValue();
                boolean stageChanged = d.stage != null && !d.stage.equals(d.stageBefore);
                if (d.orders == 0 && d.lastSeen == null && !stageChanged && d.email == null && d.phone == null && d.fields.isEmpty()) {
                    continue;
                }
                ps.setLong(1, d.orders);
                ps.setBigDecimal(2, d.revenue);
                ps.setObject(3, d.lastSeen);
                ps.setObject(4, d.lastSeen);
                ps.setObject(5, d.lastSeen);
                ps.setString(6, stageChanged ? d.stage : null);
                ps.setString(7, d.email);
                ps.setString(8, d.phone);
                ps.setString(9, d.fields.get("first_name"));
                ps.setString(10, d.fields.get("last_name"));
                ps.setString(11, d.fields.get("locale"));
                ps.setString(12, d.fields.get("time_zone"));
                ps.setString(13, d.fields.get("first_name"));
                ps.setString(14, d.fields.get("last_name"));
                ps.setString(15, d.fields.get("last_name"));
                ps.setObject(16, b.now);
                ps.setObject(17, e.getKey());
                ps.addBatch();
                any = true;
            }
            if (any) {
                ps.executeBatch();
            }
        }
        for (Map.Entry<UUID, Delta> e : b.deltas.entrySet()) {
            CustomerStore.writeAttributes(c, e.getValue().tenantId, e.getKey(), e.getValue().attributes);
            if (!e.getValue().fields.isEmpty() || !e.getValue().attributes.isEmpty()) {
                traitChanges.computeIfAbsent(e.getValue().tenantId, t -> new HashSet<>()).add(e.getKey());
            }
        }
        // what is written is now the database's state; keep stage and count for later events of the batch
        for (Delta d : b.deltas.values()) {
            d.orders = 0;
            d.revenue = BigDecimal.ZERO;
            d.lastSeen = null;
            d.stageBefore = d.stage;
            d.email = null;
            d.phone = null;
            d.fields.clear();
            d.attributes.clear();
        }
        if (!b.eventCustomers.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE event SET customer_id = ? WHERE id = ?")) {
                for (Object[] row : b.eventCustomers) {
                    ps.setObject(1, row[0]);
                    ps.setObject(2, row[1]);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            b.eventCustomers.clear();
        }
    }
}
