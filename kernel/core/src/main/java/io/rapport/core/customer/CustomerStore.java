package io.rapport.core.customer;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.CustomerService;
import io.rapport.api.customer.Identifier;
import io.rapport.api.customer.IdentifierType;
import io.rapport.api.event.EventTypes;
import io.rapport.core.db.Cursor;
import io.rapport.core.db.Db;
import io.rapport.core.db.Ids;
import io.rapport.core.event.EventStore;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;

/**
 * Profiles in the database: create, read, change, search, merge, erase, consent. Every method takes the tenant
 * and every statement filters on it. Writes are one transaction each.
 */
public final class CustomerStore implements CustomerService {

    /** The source recorded for changes made through the REST API. */
    public static final String SOURCE_API = "api";
    private static final int IN_CHUNK = 500;
    private static final int MAX_MERGE_CHAIN = 16;

    /** Search criteria; null fields do not filter. */
    public record Query(Identifier identifier, String name, String attributeName, String attributeValue, String tag, String cursor, int limit) {
    }

    /** One page of search results in creation order; {@code next} is the cursor of the following page, or null. */
    public record Page(List<Customer> customers, String next) {
    }

    private final Db db;
    private final Clock clock;
    private final EventStore events;
    private final StageRules stages;
    private volatile java.util.function.BiConsumer<UUID, List<UUID>> changed = (tenant, ids) -> { };

    public CustomerStore(Db db, Clock clock, EventStore events, StageRules stages) {
        this.db = db;
        this.clock = clock;
        this.events = events;
        this.stages = stages;
    }

    public StageRules stages() {
        return stages;
    }

    // --- CustomerService ---------------------------------------------------------------------------------

    @Override
    public Optional<Customer> find(UUID tenantId, UUID customerId) {
        return db.read(c -> {
            UUID live = resolveMerged(c, tenantId, customerId);
            return live == null ? Optional.<Customer>empty() : Optional.of(loadAll(c, tenantId, List.of(live)).get(0));
        });
    }

    /**
     * What lists show for a customer they name (the delivery log, the suppression list): "first last", else the email,
     * else the phone, else the id; one query for the whole page.
     *
     * @return the labels by id; an erased customer is absent
     */
    public Map<UUID, String> labels(UUID tenantId, java.util.Collection<UUID> ids) {
        List<UUID> distinct = List.copyOf(new java.util.LinkedHashSet<>(ids));
        Map<UUID, String> out = new HashMap<>();
        if (distinct.isEmpty()) {
            return out;
        }
        db.read(c -> {
            for (List<UUID> chunk : Db.chunks(distinct, IN_CHUNK)) {
                query(c, "SELECT id, first_name, last_name, email, phone FROM customer WHERE tenant_id = ? AND id IN (" + Db.marks(chunk.size()) + ")",
                        tenantId, chunk, rs -> {
                            String name = java.util.stream.Stream.of(rs.getString(2), rs.getString(3)).filter(x -> x != null && !x.isBlank())
                                    .collect(java.util.stream.Collectors.joining(" "));
                            UUID id = rs.getObject(1, UUID.class);
                            out.put(id, !name.isEmpty() ? name : rs.getString(4) != null ? rs.getString(4) : rs.getString(5) != null ? rs.getString(5)
                                    : id.toString());
                        });
            }
            return null;
        });
        return out;
    }

    /**
     * Loads many profiles at once (a batch send): by id, with a merged id answering with its surviving profile.
     *
     * @return the profiles found, by the id asked for; ids of no customer are absent
     */
    public Map<UUID, Customer> findAll(UUID tenantId, java.util.Collection<UUID> ids) {
        List<UUID> distinct = List.copyOf(new java.util.LinkedHashSet<>(ids));
        return db.read(c -> {
            // which ids are live profiles, and which were merged into another (their rows stay, as empty shells)
            java.util.Set<UUID> live = new java.util.HashSet<>();
            for (List<UUID> chunk : Db.chunks(distinct, IN_CHUNK)) {
                query(c, "SELECT id FROM customer WHERE tenant_id = ? AND merged_into IS NULL AND id IN (" + Db.marks(chunk.size()) + ")",
                        tenantId, chunk, rs -> live.add(rs.getObject(1, UUID.class)));
            }
            Map<UUID, Customer> out = new HashMap<>();
            for (Customer k : loadAll(c, tenantId, List.copyOf(live))) {
                out.put(k.id(), k);
            }
            for (UUID id : distinct) {
                if (!live.contains(id)) {
                    UUID survivor = resolveMerged(c, tenantId, id);
                    if (survivor != null) {
                        loadAll(c, tenantId, List.of(survivor)).stream().findFirst().ifPresent(k -> out.put(id, k));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public Optional<Customer> findByIdentifier(UUID tenantId, Identifier identifier) {
        return db.read(c -> {
            UUID owner = ownerOf(c, tenantId, identifier);
            return owner == null ? Optional.<Customer>empty() : Optional.of(loadAll(c, tenantId, List.of(owner)).get(0));
        });
    }

    @Override
    public Optional<Consent> consent(UUID tenantId, UUID customerId, String purpose, String channel) {
        return db.read(c -> {
            UUID live = resolveMerged(c, tenantId, customerId);
            if (live == null) {
                return Optional.<Consent>empty();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT purpose, channel, status, source, changed_at FROM consent "
                    + "WHERE tenant_id = ? AND customer_id = ? AND purpose = ? AND channel = ?")) {
                ps.setObject(1, tenantId);
                ps.setObject(2, live);
                ps.setString(3, purpose);
                ps.setString(4, channel);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(consentOf(rs)) : Optional.<Consent>empty();
                }
            }
        });
    }

    /**
     * Tells {@code listener} (the segments' evaluator) which profiles changed without an event of their own (a merge
     * patch through the API, an import's update), once the change has committed.
     */
    public void onChanged(java.util.function.BiConsumer<UUID, List<UUID>> listener) {
        this.changed = listener;
    }

    /** Reports profiles changed in a transaction that has committed; see {@link #onChanged}. */
    public void changed(UUID tenantId, List<UUID> ids) {
        if (!ids.isEmpty()) {
            changed.accept(tenantId, ids);
        }
    }

    // --- writes ------------------------------------------------------------------------------------------

    /** Creates a profile; an identifier that another profile holds is a conflict. */
    public Customer create(UUID tenantId, CustomerChanges changes, String actor) {
        Customer created = db.tx(c -> {
            UUID id = Ids.timeOrdered();
            createIn(c, tenantId, id, changes, actor, Map.of("by", actor), OffsetDateTime.now(clock));
            return loadAll(c, tenantId, List.of(id)).get(0);
        });
        events.committed();
        return created;
    }

    /**
     * For imports: creates a profile with this id inside the caller's transaction, with its {@code customer.created}
     * event. The caller runs {@link EventStore#committed()} once it commits.
     *
     * @throws ConflictException if an identifier of the changes belongs to another profile
     */
    public void createIn(Connection c, UUID tenantId, UUID id, CustomerChanges changes, String actor, Map<String, Object> createdProperties,
                         OffsetDateTime now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customer (id, tenant_id, created_at, updated_at) VALUES (?,?,?,?)")) {
            ps.setObject(1, id);
            ps.setObject(2, tenantId);
            ps.setObject(3, now);
            ps.setObject(4, now);
            ps.executeUpdate();
        }
        apply(c, tenantId, id, changes, now);
        events.appendKernelEvent(c, tenantId, id, EventTypes.CUSTOMER_CREATED, actor, createdProperties);
        recordConsentEvents(c, tenantId, id, changes.consents(), actor);
    }

    /** A profile for {@link #createAllIn}: its id, its changes (no anonymous id, no stage) and the tags to give it. */
    public record NewProfile(UUID id, CustomerChanges changes, Set<String> tags) {
    }

    /**
     * For imports: creates many profiles inside the caller's transaction, as {@link #createIn} (with the tags added) one
     * after the other would, with one JDBC batch per table: the profiles (with their name keys), identifiers,
     * attributes, tags, consents, then their {@code customer.created} and {@code consent.changed} events. The caller
     * must have checked that no other profile holds their identifiers (the identifiers' primary key refuses a
     * duplicate, failing the transaction), and runs {@link EventStore#committed()} once it commits.
     */
    public void createAllIn(Connection c, UUID tenantId, List<NewProfile> profiles, String actor, Map<String, Object> createdProperties,
                            OffsetDateTime now) throws SQLException {
        if (profiles.isEmpty()) {
            return;
        }
        List<EventStore.KernelEvent> created = new ArrayList<>();
        // the name keys as SET_NAME_KEYS computes them, in the database, from the same two values
        try (PreparedStatement customer = c.prepareStatement("INSERT INTO customer (id, tenant_id, email, phone, first_name, last_name, locale, time_zone, "
                + "name_key, surname_key, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,NULLIF(LOWER(TRIM(CONCAT(COALESCE(?, ''), ' ', COALESCE(?, '')))), ''),"
                + "LOWER(?),?,?)");
             PreparedStatement identifier = c.prepareStatement("INSERT INTO customer_identifier (tenant_id, type, namespace, id_value, customer_id, created_at) "
                     + "VALUES (?,?,?,?,?,?)");
             PreparedStatement attribute = c.prepareStatement("INSERT INTO customer_attribute (tenant_id, customer_id, name, type, attr_value) VALUES (?,?,?,?,?)");
             PreparedStatement tag = c.prepareStatement("INSERT INTO customer_tag (tenant_id, customer_id, tag) VALUES (?,?,?)");
             PreparedStatement consent = c.prepareStatement("INSERT INTO consent (tenant_id, customer_id, purpose, channel, status, source, changed_at) "
                     + "VALUES (?,?,?,?,?,?,?)")) {
            int identifiers = 0;
            int attributes = 0;
            int tags = 0;
            int consents = 0;
            for (NewProfile p : profiles) {
                CustomerChanges ch = p.changes();
                if (ch.has(CustomerJson.ANONYMOUS_ID) || ch.has(CustomerJson.STAGE)) {
                    throw new IllegalArgumentException("createAllIn takes no anonymous id and no stage");
                }
                String first = ch.value(CustomerJson.FIRST_NAME);
                String last = ch.value(CustomerJson.LAST_NAME);
                customer.setObject(1, p.id());
                customer.setObject(2, tenantId);
                customer.setString(3, ch.value(CustomerJson.EMAIL));
                customer.setString(4, ch.value(CustomerJson.PHONE));
                customer.setString(5, first);
                customer.setString(6, last);
                customer.setString(7, ch.value(CustomerJson.LOCALE));
                customer.setString(8, ch.value(CustomerJson.TIME_ZONE));
                customer.setString(9, first);
                customer.setString(10, last);
                customer.setString(11, last);
                customer.setObject(12, now);
                customer.setObject(13, now);
                customer.addBatch();
                List<Identifier> ids = new ArrayList<>();
                if (ch.value(CustomerJson.EMAIL) != null) {
                    ids.add(Identifier.email(ch.value(CustomerJson.EMAIL)));
                }
                if (ch.value(CustomerJson.PHONE) != null) {
                    ids.add(Identifier.phone(ch.value(CustomerJson.PHONE)));
                }
                ch.externalIds().forEach((namespace, value) -> value.ifPresent(v -> ids.add(Identifier.external(namespace, v))));
                for (Identifier i : ids) {
                    identifier.setObject(1, tenantId);
                    identifier.setString(2, i.type().key());
                    identifier.setString(3, i.namespace());
                    identifier.setString(4, i.value());
                    identifier.setObject(5, p.id());
                    identifier.setObject(6, now);
                    identifier.addBatch();
                    identifiers++;
                }
                for (Map.Entry<String, Optional<AttributeValue>> e : ch.attributes().entrySet()) {
                    if (e.getValue().isPresent()) {
                        attribute.setObject(1, tenantId);
                        attribute.setObject(2, p.id());
                        attribute.setString(3, e.getKey());
                        attribute.setString(4, e.getValue().get().type().name());
                        attribute.setString(5, Attributes.encode(e.getValue().get()));
                        attribute.addBatch();
                        attributes++;
                    }
                }
                for (String t : p.tags() == null ? Set.<String>of() : p.tags()) {
                    tag.setObject(1, tenantId);
                    tag.setObject(2, p.id());
                    tag.setString(3, t);
                    tag.addBatch();
                    tags++;
                }
                // a later decision on the same purpose and channel replaces an earlier one, as upsertConsent does; each has its event
                Map<String, Consent> decided = new LinkedHashMap<>();
                for (Consent k : ch.consents()) {
                    decided.remove(k.purpose() + "|" + k.channel());
                    decided.put(k.purpose() + "|" + k.channel(), k);
                }
                for (Consent k : decided.values()) {
                    consent.setObject(1, tenantId);
                    consent.setObject(2, p.id());
                    consent.setString(3, k.purpose());
                    consent.setString(4, k.channel());
                    consent.setString(5, k.status().name());
                    consent.setString(6, k.source());
                    consent.setObject(7, k.changedAt());
                    consent.addBatch();
                    consents++;
                }
                created.add(new EventStore.KernelEvent(tenantId, p.id(), EventTypes.CUSTOMER_CREATED, actor, createdProperties));
                for (Consent k : ch.consents()) {
                    created.add(new EventStore.KernelEvent(tenantId, p.id(), EventTypes.CONSENT_CHANGED, actor, consentProperties(k)));
                }
            }
            customer.executeBatch();
            if (identifiers > 0) {
                identifier.executeBatch();
            }
            if (attributes > 0) {
                attribute.executeBatch();
            }
            if (tags > 0) {
                tag.executeBatch();
            }
            if (consents > 0) {
                consent.executeBatch();
            }
        }
        events.appendKernelEvents(c, created);
    }

    /**
     * For imports: applies changes to a live profile inside the caller's transaction; consents are recorded (with
     * their events) only where they differ from the profile's. Tags in {@code addTags} are added, none removed.
     */
    public void updateIn(Connection c, UUID tenantId, UUID id, CustomerChanges changes, Set<String> addTags, String actor, OffsetDateTime now)
            throws SQLException {
        updateAllIn(c, tenantId, List.of(new Change(id, changes, addTags)), actor, now);
    }

    /** Changes to one live profile for {@link #updateAllIn}, with tags to add (none removed). */
    public record Change(UUID id, CustomerChanges changes, Set<String> addTags) {
    }

    /**
     * For imports: applies changes to many live profiles inside the caller's transaction, as {@link #updateIn} one
     * after the other would, with a fixed number of statements whatever their number: the changes of a profile named
     * twice are applied in order, consents are recorded (with their events) only where they differ from the
     * profile's, and the caller runs {@link EventStore#committed()} once it commits.
     *
     * @throws ConflictException if a new identifier belongs to another profile, or two of the profiles are given the same one
     */
    public void updateAllIn(Connection c, UUID tenantId, List<Change> list, String actor, OffsetDateTime now) throws SQLException {
        if (list.isEmpty()) {
            return;
        }
        Map<UUID, Merged> all = new LinkedHashMap<>();
        for (Change ch : list) {
            all.computeIfAbsent(ch.id(), x -> new Merged()).add(ch);
        }
        List<UUID> ids = List.copyOf(all.keySet());
        Map<UUID, String[]> primary = new HashMap<>(); // id -> {email, phone} as stored
        Map<String, String> consentNow = new HashMap<>(); // "id|purpose|channel" -> status
        boolean anyConsent = all.values().stream().anyMatch(m -> !m.consents.isEmpty());
        for (List<UUID> chunk : Db.chunks(ids, IN_CHUNK)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, email, phone FROM customer WHERE tenant_id = ? AND id IN (" + Db.marks(chunk.size()) + ")")) {
                bindIds(ps, tenantId, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        primary.put(rs.getObject(1, UUID.class), new String[] {rs.getString(2), rs.getString(3)});
                    }
                }
            }
            if (anyConsent) {
                try (PreparedStatement ps = c.prepareStatement("SELECT customer_id, purpose, channel, status FROM consent WHERE tenant_id = ? AND customer_id IN ("
                        + Db.marks(chunk.size()) + ")")) {
                    bindIds(ps, tenantId, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            consentNow.put(rs.getObject(1, UUID.class) + "|" + rs.getString(2) + "|" + rs.getString(3), rs.getString(4));
                        }
                    }
                }
            }
        }
        // identifiers: those replaced or removed go first, then the new ones are checked against their holders and added
        List<Object[]> removedPrimary = new ArrayList<>();
        List<Object[]> removedExternal = new ArrayList<>();
        Map<String, Wanted> wanted = new LinkedHashMap<>();
        for (Map.Entry<UUID, Merged> e : all.entrySet()) {
            UUID id = e.getKey();
            CustomerChanges ch = e.getValue().changes();
            String[] stored = primary.get(id);
            if (stored == null) {
                throw new NotFoundException("no customer " + id);
            }
            for (Object[] f : new Object[][] {{CustomerJson.EMAIL, IdentifierType.EMAIL, 0}, {CustomerJson.PHONE, IdentifierType.PHONE, 1}}) {
                String field = (String) f[0];
                if (ch.has(field)) {
                    String old = stored[(Integer) f[2]];
                    String value = ch.value(field);
                    if (old != null && !old.equals(value)) {
                        removedPrimary.add(new Object[] {tenantId, id, ((IdentifierType) f[1]).key(), old});
                    }
                    if (value != null) {
                        want(wanted, new Wanted(id, new Identifier((IdentifierType) f[1], "", value), "/" + field));
                    }
                }
            }
            if (ch.has(CustomerJson.ANONYMOUS_ID) && ch.value(CustomerJson.ANONYMOUS_ID) != null) {
                want(wanted, new Wanted(id, Identifier.anonymous(ch.value(CustomerJson.ANONYMOUS_ID)), "/" + CustomerJson.ANONYMOUS_ID));
            }
            for (Map.Entry<String, Optional<String>> x : ch.externalIds().entrySet()) {
                removedExternal.add(new Object[] {tenantId, id, IdentifierType.EXTERNAL.key(), x.getKey()});
                if (x.getValue().isPresent()) {
                    want(wanted, new Wanted(id, Identifier.external(x.getKey(), x.getValue().get()), "/" + CustomerJson.EXTERNAL_IDS + "/" + x.getKey()));
                }
            }
        }
        Db.batch(c, "DELETE FROM customer_identifier WHERE tenant_id = ? AND customer_id = ? AND type = ? AND namespace = '' AND id_value = ?", removedPrimary);
        Db.batch(c, "DELETE FROM customer_identifier WHERE tenant_id = ? AND customer_id = ? AND type = ? AND namespace = ?", removedExternal);
        Map<String, UUID> holders = holders(c, tenantId, wanted.values().stream().map(Wanted::identifier).toList());
        List<Object[]> added = new ArrayList<>();
        for (Wanted w : wanted.values()) {
            UUID holder = holders.get(identifierKey(w.identifier()));
            if (holder != null && !holder.equals(w.id())) {
                throw new ConflictException(w.field(), "another customer (" + holder + ") already has this " + w.identifier().type().key()
                        + "; merge the two profiles instead");
            }
            if (holder == null) {
                added.add(new Object[] {tenantId, w.identifier().type().key(), w.identifier().namespace(), w.identifier().value(), w.id(), now});
            }
        }
        Db.batch(c, "INSERT INTO customer_identifier (tenant_id, type, namespace, id_value, customer_id, created_at) VALUES (?,?,?,?,?,?)", added);
        // the profile's row: one statement per set of columns changed (an import changes the same ones on every row)
        Map<String, List<Object[]>> rows = new LinkedHashMap<>();
        List<Object[]> attributesRemoved = new ArrayList<>();
        List<Object[]> attributesAdded = new ArrayList<>();
        List<Object[]> tagsCleared = new ArrayList<>();
        List<Object[]> tagsSet = new ArrayList<>();
        List<Object[]> tagsAdded = new ArrayList<>();
        Map<String, Object[]> consentsRemoved = new LinkedHashMap<>(); // by customer, purpose and channel: the last decision stands
        Map<String, Object[]> consentsAdded = new LinkedHashMap<>();
        List<EventStore.KernelEvent> consentEvents = new ArrayList<>();
        for (Map.Entry<UUID, Merged> e : all.entrySet()) {
            UUID id = e.getKey();
            CustomerChanges ch = e.getValue().changes();
            StringBuilder set = new StringBuilder("updated_at = ?");
            List<Object> args = new ArrayList<>();
            args.add(now);
            for (String[] f : COLUMNS) {
                if (ch.has(f[0])) {
                    set.append(", ").append(f[1]).append(" = ?");
                    args.add(ch.value(f[0]));
                }
            }
            if (ch.has(CustomerJson.FIRST_NAME) || ch.has(CustomerJson.LAST_NAME)) {
                // the keys from the new values, as SET_NAME_KEYS computes them from the stored ones (SET sees the old row)
                String first = ch.has(CustomerJson.FIRST_NAME) ? "?" : "first_name";
                String last = ch.has(CustomerJson.LAST_NAME) ? "?" : "last_name";
                set.append(", name_key = NULLIF(LOWER(TRIM(CONCAT(COALESCE(").append(first).append(", ''), ' ', COALESCE(").append(last)
                        .append(", '')))), ''), surname_key = LOWER(").append(last).append(')');
                if (ch.has(CustomerJson.FIRST_NAME)) {
                    args.add(ch.value(CustomerJson.FIRST_NAME));
                }
                if (ch.has(CustomerJson.LAST_NAME)) {
                    args.add(ch.value(CustomerJson.LAST_NAME));
                    args.add(ch.value(CustomerJson.LAST_NAME));
                }
            }
            args.add(tenantId);
            args.add(id);
            rows.computeIfAbsent("UPDATE customer SET " + set + " WHERE tenant_id = ? AND id = ?", x -> new ArrayList<>()).add(args.toArray());
            for (Map.Entry<String, Optional<AttributeValue>> a : ch.attributes().entrySet()) {
                attributesRemoved.add(new Object[] {tenantId, id, a.getKey()});
                a.getValue().ifPresent(v -> attributesAdded.add(new Object[] {tenantId, id, a.getKey(), v.type().name(), Attributes.encode(v)}));
            }
            if (ch.tags() != null) {
                tagsCleared.add(new Object[] {tenantId, id});
                ch.tags().forEach(t -> tagsSet.add(new Object[] {tenantId, id, t}));
            }
            for (String t : e.getValue().addTags) {
                if (ch.tags() == null || !ch.tags().contains(t)) {
                    tagsAdded.add(new Object[] {tenantId, id, t, id, t});
                }
            }
            for (Consent k : e.getValue().consents) {
                String key = id + "|" + k.purpose() + "|" + k.channel();
                if (!k.status().name().equals(consentNow.put(key, k.status().name()))) {
                    consentsRemoved.putIfAbsent(key, new Object[] {tenantId, id, k.purpose(), k.channel()});
                    consentsAdded.put(key, new Object[] {tenantId, id, k.purpose(), k.channel(), k.status().name(), k.source(), k.changedAt()});
                    consentEvents.add(new EventStore.KernelEvent(tenantId, id, EventTypes.CONSENT_CHANGED, actor, consentProperties(k)));
                }
            }
        }
        for (Map.Entry<String, List<Object[]>> r : rows.entrySet()) {
            Db.batch(c, r.getKey(), r.getValue());
        }
        Db.batch(c, "DELETE FROM customer_attribute WHERE tenant_id = ? AND customer_id = ? AND name = ?", attributesRemoved);
        Db.batch(c, "INSERT INTO customer_attribute (tenant_id, customer_id, name, type, attr_value) VALUES (?,?,?,?,?)", attributesAdded);
        Db.batch(c, "DELETE FROM customer_tag WHERE tenant_id = ? AND customer_id = ?", tagsCleared);
        Db.batch(c, "INSERT INTO customer_tag (tenant_id, customer_id, tag) VALUES (?,?,?)", tagsSet);
        Db.batch(c, "INSERT INTO customer_tag (tenant_id, customer_id, tag) SELECT ?, ?, ? WHERE NOT EXISTS "
                + "(SELECT 1 FROM customer_tag WHERE customer_id = ? AND tag = ?)", tagsAdded);
        // a decision replaces the earlier one on the same purpose and channel, as upsertConsent does
        Db.batch(c, "DELETE FROM consent WHERE tenant_id = ? AND customer_id = ? AND purpose = ? AND channel = ?", List.copyOf(consentsRemoved.values()));
        Db.batch(c, "INSERT INTO consent (tenant_id, customer_id, purpose, channel, status, source, changed_at) VALUES (?,?,?,?,?,?,?)", List.copyOf(consentsAdded.values()));
        events.appendKernelEvents(c, consentEvents);
    }

    /** The profile columns a change can set, by {@link CustomerJson} name. */
    private static final String[][] COLUMNS = {{CustomerJson.EMAIL, "email"}, {CustomerJson.PHONE, "phone"}, {CustomerJson.FIRST_NAME, "first_name"},
            {CustomerJson.LAST_NAME, "last_name"}, {CustomerJson.LOCALE, "locale"}, {CustomerJson.TIME_ZONE, "time_zone"}, {CustomerJson.STAGE, "stage"}};

    /** The changes given for one profile in {@link #updateAllIn}, merged in order. */
    private static final class Merged {
        final Map<String, Optional<String>> fields = new LinkedHashMap<>();
        final Map<String, Optional<String>> externalIds = new LinkedHashMap<>();
        final Map<String, Optional<AttributeValue>> attributes = new LinkedHashMap<>();
        Set<String> tags;
        final Set<String> addTags = new LinkedHashSet<>();
        final List<Consent> consents = new ArrayList<>();

        void add(Change ch) {
            CustomerChanges c = ch.changes();
            fields.putAll(c.fields());
            externalIds.putAll(c.externalIds());
            attributes.putAll(c.attributes());
            if (c.tags() != null) {
                tags = c.tags();
                addTags.clear(); // tags given later replace those added before
            }
            if (ch.addTags() != null) {
                addTags.addAll(ch.addTags());
            }
            consents.addAll(c.consents());
        }

        CustomerChanges changes() {
            return new CustomerChanges(fields, externalIds, attributes, tags, List.of());
        }
    }

    /** An identifier {@link #updateAllIn} is to give a profile, with the field that asked for it. */
    private record Wanted(UUID id, Identifier identifier, String field) {
    }

    /** Adds {@code w} to the identifiers wanted, refusing one that two profiles want. */
    private static void want(Map<String, Wanted> wanted, Wanted w) {
        Wanted before = wanted.putIfAbsent(identifierKey(w.identifier()), w);
        if (before != null && !before.id().equals(w.id())) {
            throw new ConflictException(null, "two customers (" + before.id() + ", " + w.id() + ") would have the same "
                    + w.identifier().type().key() + "; merge them first");
        }
    }

    /** An identifier as the key of {@link #holders}: type, namespace and value. */
    public static String identifierKey(Identifier i) {
        return i.type().key() + "|" + i.namespace() + "|" + i.value();
    }

    /** Who holds each of these identifiers now (not following merges), by {@link #identifierKey}. */
    public static Map<String, UUID> holders(Connection c, UUID tenantId, List<Identifier> identifiers) throws SQLException {
        Map<String, UUID> out = new HashMap<>();
        List<String> values = identifiers.stream().map(Identifier::value).distinct().toList();
        for (List<String> chunk : Db.chunks(values, IN_CHUNK)) {
            try (PreparedStatement ps = c.prepareStatement("SELECT type, namespace, id_value, customer_id FROM customer_identifier WHERE tenant_id = ? AND id_value IN ("
                    + Db.marks(chunk.size()) + ")")) {
                ps.setObject(1, tenantId);
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 2, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3), rs.getObject(4, UUID.class));
                    }
                }
            }
        }
        return out;
    }

    private static void bindIds(PreparedStatement ps, UUID tenantId, List<UUID> ids) throws SQLException {
        ps.setObject(1, tenantId);
        for (int i = 0; i < ids.size(); i++) {
            ps.setObject(i + 2, ids.get(i));
        }
    }


    /** Applies a merge patch to a profile. */
    public Customer update(UUID tenantId, UUID customerId, CustomerChanges changes, String actor) {
        Customer updated = db.tx(c -> {
            UUID live = requireLive(c, tenantId, customerId);
            lockRow(c, tenantId, live);
            apply(c, tenantId, live, changes, OffsetDateTime.now(clock));
            recordConsentEvents(c, tenantId, live, changes.consents(), actor);
            return loadAll(c, tenantId, List.of(live)).get(0);
        });
        if (!changes.consents().isEmpty()) {
            events.committed();
        }
        changed(tenantId, List.of(updated.id()));
        return updated;
    }

    /** Records one consent decision and puts a {@code consent.changed} event on the timeline. */
    @Override
    public Consent setConsent(UUID tenantId, UUID customerId, Consent consent, String actor) {
        Consent stored = db.tx(c -> {
            UUID live = requireLive(c, tenantId, customerId);
            upsertConsent(c, tenantId, live, consent);
            recordConsentEvents(c, tenantId, live, List.of(consent), actor);
            return consent;
        });
        events.committed();
        return stored;
    }

    /**
     * Erases a profile and everything about it (GDPR art. 17): its events, identifiers, attributes, tags, consents
     * and the profiles merged into it. What is kept is a merge record's ids and the audit entry, neither of which
     * holds personal data.
     */
    public void erase(UUID tenantId, UUID customerId) {
        db.tx(c -> {
            UUID live = requireLive(c, tenantId, customerId);
            List<UUID> ids = new ArrayList<>();
            ids.add(live);
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM customer WHERE tenant_id = ? AND merged_into = ?")) {
                ps.setObject(1, tenantId);
                ps.setObject(2, live);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            for (UUID id : ids) {
                update(c, "DELETE FROM outbox WHERE event_id IN (SELECT id FROM event WHERE tenant_id = ? AND customer_id = ?)", tenantId, id);
                update(c, "DELETE FROM event WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM customer_identifier WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM customer_attribute WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM customer_tag WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM consent WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM segment_member WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM journey_step WHERE run_id IN (SELECT id FROM journey_run WHERE tenant_id = ? AND customer_id = ?)", tenantId, id);
                update(c, "DELETE FROM journey_run WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM task WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM customer_score WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM survey_response WHERE send_id IN (SELECT id FROM survey_send WHERE tenant_id = ? AND customer_id = ?)", tenantId, id);
                update(c, "DELETE FROM survey_send WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                // rendered messages hold personal data; a suppression of an erased person has no one left to protect
                update(c, "DELETE FROM message WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
                update(c, "DELETE FROM suppression WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
            }
            for (UUID id : ids.subList(1, ids.size())) {
                update(c, "DELETE FROM customer WHERE tenant_id = ? AND id = ?", tenantId, id);
            }
            update(c, "DELETE FROM customer WHERE tenant_id = ? AND id = ?", tenantId, live);
            return null;
        });
    }

    /** Merges {@code mergedId} into {@code survivorId}; both timelines stay, on the survivor. */
    public Customer merge(UUID tenantId, UUID survivorId, UUID mergedId, String reason, String actor) {
        Customer survivor = db.tx(c -> {
            UUID s = requireLive(c, tenantId, survivorId);
            UUID m = resolveMerged(c, tenantId, mergedId);
            if (m == null) {
                throw new NotFoundException("no customer " + mergedId);
            }
            if (s.equals(m)) {
                throw new InvalidInputException("/customerId", "names the same customer; there is nothing to merge");
            }
            mergeIn(c, tenantId, s, m, reason, actor);
            return loadAll(c, tenantId, List.of(s)).get(0);
        });
        events.committed();
        return survivor;
    }

    /**
     * Merges inside the caller's transaction: identifiers, attributes the survivor lacks, tags, newer consents,
     * counters and events move to the survivor; the merged row stays as a pointer ({@code merged_into}).
     */
    public void mergeIn(Connection c, UUID tenantId, UUID survivor, UUID merged, String reason, String actor) throws SQLException {
        lockRow(c, tenantId, survivor);
        lockRow(c, tenantId, merged);
        update(c, "UPDATE customer_identifier SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        update(c, "DELETE FROM customer_attribute WHERE tenant_id = ? AND customer_id = ? AND name IN "
                + "(SELECT name FROM customer_attribute WHERE tenant_id = ? AND customer_id = ?)", tenantId, merged, tenantId, survivor);
        update(c, "UPDATE customer_attribute SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        update(c, "DELETE FROM customer_tag WHERE tenant_id = ? AND customer_id = ? AND tag IN "
                + "(SELECT tag FROM customer_tag WHERE tenant_id = ? AND customer_id = ?)", tenantId, merged, tenantId, survivor);
        update(c, "UPDATE customer_tag SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        // the newer decision wins per purpose and channel
        update(c, "DELETE FROM consent WHERE tenant_id = ? AND customer_id = ? AND EXISTS (SELECT 1 FROM consent s WHERE s.tenant_id = ? "
                + "AND s.customer_id = ? AND s.purpose = consent.purpose AND s.channel = consent.channel AND s.changed_at >= consent.changed_at)",
                tenantId, merged, tenantId, survivor);
        update(c, "DELETE FROM consent WHERE tenant_id = ? AND customer_id = ? AND EXISTS (SELECT 1 FROM consent m WHERE m.tenant_id = ? "
                + "AND m.customer_id = ? AND m.purpose = consent.purpose AND m.channel = consent.channel)",
                tenantId, survivor, tenantId, merged);
        update(c, "UPDATE consent SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        update(c, "UPDATE event SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        // messages follow the person; a suppression of either profile holds for the merged one
        update(c, "UPDATE message SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        update(c, "DELETE FROM suppression WHERE tenant_id = ? AND customer_id = ? AND channel IN "
                + "(SELECT channel FROM suppression WHERE tenant_id = ? AND customer_id = ?)", tenantId, merged, tenantId, survivor);
        update(c, "UPDATE suppression SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        // the person stays in the segments either profile was in, until the next evaluation says otherwise
        update(c, "DELETE FROM segment_member WHERE tenant_id = ? AND customer_id = ? AND segment_id IN "
                + "(SELECT segment_id FROM segment_member WHERE tenant_id = ? AND customer_id = ?)", tenantId, merged, tenantId, survivor);
        update(c, "UPDATE segment_member SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        // the merged profile's journeys go on for the survivor; its runs keep their place
        update(c, "UPDATE journey_run SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        update(c, "UPDATE task SET customer_id = ? WHERE tenant_id = ? AND customer_id = ?", survivor, tenantId, merged);
        // scores are recomputed for the survivor from the merged purchases
        update(c, "DELETE FROM customer_score WHERE tenant_id = ? AND customer_id = ?", tenantId, merged);
        try (PreparedStatement ps = c.prepareStatement("UPDATE customer SET "
                + "order_count = order_count + (SELECT order_count FROM customer WHERE id = ?), "
                + "revenue = revenue + (SELECT revenue FROM customer WHERE id = ?), "
                + "email = COALESCE(email, (SELECT email FROM customer WHERE id = ?)), "
                + "phone = COALESCE(phone, (SELECT phone FROM customer WHERE id = ?)), "
                + "first_name = COALESCE(first_name, (SELECT first_name FROM customer WHERE id = ?)), "
                + "last_name = COALESCE(last_name, (SELECT last_name FROM customer WHERE id = ?)), "
                + "locale = COALESCE(locale, (SELECT locale FROM customer WHERE id = ?)), "
                + "time_zone = COALESCE(time_zone, (SELECT time_zone FROM customer WHERE id = ?)), "
                + "created_at = LEAST(created_at, (SELECT created_at FROM customer WHERE id = ?)), "
                + "updated_at = ? WHERE tenant_id = ? AND id = ?")) {
            for (int i = 1; i <= 9; i++) {
                ps.setObject(i, merged);
            }
            ps.setObject(10, OffsetDateTime.now(clock));
            ps.setObject(11, tenantId);
            ps.setObject(12, survivor);
            ps.executeUpdate();
        }
        update(c, "UPDATE customer SET " + SET_NAME_KEYS + " WHERE tenant_id = ? AND id = ?", tenantId, survivor);
        try (PreparedStatement ps = c.prepareStatement("UPDATE customer SET last_seen_at = (SELECT last_seen_at FROM customer WHERE id = ?) "
                + "WHERE tenant_id = ? AND id = ? AND (SELECT last_seen_at FROM customer WHERE id = ?) IS NOT NULL "
                + "AND (last_seen_at IS NULL OR last_seen_at < (SELECT last_seen_at FROM customer WHERE id = ?))")) {
            ps.setObject(1, merged);
            ps.setObject(2, tenantId);
            ps.setObject(3, survivor);
            ps.setObject(4, merged);
            ps.setObject(5, merged);
            ps.executeUpdate();
        }
        String mergedStage = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT stage FROM customer WHERE id = ?")) {
            ps.setObject(1, merged);
            try (ResultSet rs = ps.executeQuery()) {
                mergedStage = rs.next() ? rs.getString(1) : null;
            }
        }
        String survivorStage = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT stage FROM customer WHERE id = ?")) {
            ps.setObject(1, survivor);
            try (ResultSet rs = ps.executeQuery()) {
                survivorStage = rs.next() ? rs.getString(1) : null;
            }
        }
        if (mergedStage != null && (survivorStage == null || stages.stages().indexOf(mergedStage) > stages.stages().indexOf(survivorStage))) {
            update(c, "UPDATE customer SET stage = ? WHERE tenant_id = ? AND id = ?", mergedStage, tenantId, survivor);
        }
        update(c, "UPDATE customer SET merged_into = ?, email = NULL, phone = NULL, order_count = 0, revenue = 0 WHERE tenant_id = ? AND (id = ? OR merged_into = ?)",
                survivor, tenantId, merged, merged);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customer_merge (id, tenant_id, survivor_id, merged_id, reason, actor, merged_at) VALUES (?,?,?,?,?,?,?)")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, tenantId);
            ps.setObject(3, survivor);
            ps.setObject(4, merged);
            ps.setString(5, reason);
            ps.setString(6, actor);
            ps.setObject(7, OffsetDateTime.now(clock));
            ps.executeUpdate();
        }
        events.appendKernelEvent(c, tenantId, survivor, EventTypes.CUSTOMER_MERGED, actor,
                Map.of("mergedCustomerId", merged.toString(), "reason", reason));
    }

    // --- reads -------------------------------------------------------------------------------------------

    /**
     * @return how many live (not merged away) profiles the tenant has. A count is reused for {@link #COUNT_REUSE} times
     *         as long as its query took (not the wait for a connection), within {@link #COUNT_REUSE_MIN_NANOS} and
     *         {@link #COUNT_REUSE_MAX_NANOS}: counting a million rows takes a quarter of a second on PostgreSQL, a few
     *         thousand a millisecond, so a small shop sees its new profiles within a second and a large one polled
     *         without pause spends about 1 % of a core counting
     */
    public long count(UUID tenantId) {
        long now = System.nanoTime();
        Count hit = counts.get(tenantId);
        if (hit != null && now - hit.at() < hit.reuseNanos()) {
            return hit.n();
        }
        Count fresh = countNow(tenantId);
        counts.put(tenantId, fresh);
        return fresh.n();
    }

    static final int COUNT_REUSE = 100;
    static final long COUNT_REUSE_MIN_NANOS = 1_000_000_000L;
    static final long COUNT_REUSE_MAX_NANOS = 30_000_000_000L;

    private record Count(long n, long at, long reuseNanos) {
    }

    private final java.util.concurrent.ConcurrentHashMap<UUID, Count> counts = new java.util.concurrent.ConcurrentHashMap<>();

    /** The count, reused as long as its query alone took (without the wait for a connection) allows. */
    private Count countNow(UUID tenantId) {
        return db.read(c -> {
            long start = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM customer WHERE tenant_id = ? AND merged_into IS NULL")) {
                ps.setObject(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long took = System.nanoTime() - start;
                    return new Count(rs.getLong(1), start, Math.min(COUNT_REUSE_MAX_NANOS, Math.max(COUNT_REUSE_MIN_NANOS, took * COUNT_REUSE)));
                }
            }
        });
    }

    public Page search(UUID tenantId, Query q) {
        Cursor after = Cursor.decode(q.cursor());
        StringBuilder sql = new StringBuilder("SELECT c.id, c.created_at FROM customer c WHERE c.tenant_id = ? AND c.merged_into IS NULL");
        List<Object> args = new ArrayList<>();
        args.add(tenantId);
        if (q.identifier() != null) {
            sql.append(" AND c.id IN (SELECT i.customer_id FROM customer_identifier i WHERE i.tenant_id = ? AND i.id_value = ? AND i.type = ? AND i.namespace = ?)");
            args.add(tenantId);
            args.add(q.identifier().value());
            args.add(q.identifier().type().key());
            args.add(q.identifier().namespace());
        }
        if (q.name() != null && !q.name().isBlank()) {
            String prefix = likePrefix(nameKey(q.name()));
            // LOWER on both sides: the stored keys were lower-cased by the database too
            sql.append(" AND (c.name_key LIKE LOWER(?) ESCAPE '!' OR c.surname_key LIKE LOWER(?) ESCAPE '!')");
            args.add(prefix);
            args.add(prefix);
        }
        if (q.attributeName() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM customer_attribute a WHERE a.tenant_id = ? AND a.customer_id = c.id AND a.name = ? AND a.attr_value = ?)");
            args.add(tenantId);
            args.add(q.attributeName());
            args.add(q.attributeValue());
        }
        if (q.tag() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM customer_tag t WHERE t.tenant_id = ? AND t.customer_id = c.id AND t.tag = ?)");
            args.add(tenantId);
            args.add(q.tag());
        }
        if (after != null) {
            sql.append(" AND (c.created_at > ? OR (c.created_at = ? AND c.id > ?))");
            args.add(after.at());
            args.add(after.at());
            args.add(after.id());
        }
        sql.append(" ORDER BY c.tenant_id, c.created_at, c.id LIMIT ?"); // the index's columns: read in order, not sorted
        args.add(q.limit() + 1);
        return db.read(c -> {
            List<UUID> ids = new ArrayList<>();
            List<OffsetDateTime> created = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    ps.setObject(i + 1, args.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                        created.add(rs.getObject(2, OffsetDateTime.class));
                    }
                }
            }
            String next = null;
            if (ids.size() > q.limit()) {
                ids = ids.subList(0, q.limit());
                next = new Cursor(created.get(q.limit() - 1), ids.get(q.limit() - 1)).encode();
            }
            return new Page(loadAll(c, tenantId, ids), next);
        });
    }

    /** @return the customer holding {@code id}, or null */
    public static UUID ownerOf(Connection c, UUID tenantId, Identifier id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id FROM customer_identifier WHERE tenant_id = ? AND id_value = ? AND type = ? AND namespace = ?")) {
            ps.setObject(1, tenantId);
            ps.setString(2, id.value());
            ps.setString(3, id.type().key());
            ps.setString(4, id.namespace());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, UUID.class) : null;
            }
        }
    }

    /** @return the live profile id for {@code id} (following merges), or null if the tenant has none */
    public static UUID resolveMerged(Connection c, UUID tenantId, UUID id) throws SQLException {
        UUID current = id;
        for (int i = 0; i < MAX_MERGE_CHAIN; i++) {
            try (PreparedStatement ps = c.prepareStatement("SELECT merged_into FROM customer WHERE tenant_id = ? AND id = ?")) {
                ps.setObject(1, tenantId);
                ps.setObject(2, current);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    UUID next = rs.getObject(1, UUID.class);
                    if (next == null) {
                        return current;
                    }
                    current = next;
                }
            }
        }
        throw new IllegalStateException("merge chain longer than " + MAX_MERGE_CHAIN + " from customer " + id);
    }

    /**
     * The live profile for each of {@code ids} (following merges), with one query per chunk and merge level; an id the
     * tenant does not have maps to null.
     */
    public static Map<UUID, UUID> resolveAllMerged(Connection c, UUID tenantId, Set<UUID> ids) throws SQLException {
        Map<UUID, UUID> out = new HashMap<>();
        Map<UUID, UUID> current = new HashMap<>(); // the id asked for -> the profile reached so far
        ids.forEach(id -> current.put(id, id));
        for (int level = 0; !current.isEmpty(); level++) {
            if (level == MAX_MERGE_CHAIN) {
                throw new IllegalStateException("merge chain longer than " + MAX_MERGE_CHAIN + " from customer " + current.keySet().iterator().next());
            }
            Map<UUID, UUID> next = new HashMap<>(); // reached -> merged_into (absent: not the tenant's)
            Set<UUID> live = new HashSet<>();
            for (List<UUID> chunk : Db.chunks(List.copyOf(new HashSet<>(current.values())), IN_CHUNK)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT id, merged_into FROM customer WHERE tenant_id = ? AND id IN (" + Db.marks(chunk.size()) + ")")) {
                    bindIds(ps, tenantId, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            UUID into = rs.getObject(2, UUID.class);
                            if (into == null) {
                                live.add(rs.getObject(1, UUID.class));
                            } else {
                                next.put(rs.getObject(1, UUID.class), into);
                            }
                        }
                    }
                }
            }
            Map<UUID, UUID> still = new HashMap<>();
            current.forEach((asked, reached) -> {
                if (live.contains(reached)) {
                    out.put(asked, reached);
                } else if (next.containsKey(reached)) {
                    still.put(asked, next.get(reached));
                } else {
                    out.put(asked, null);
                }
            });
            current.clear();
            current.putAll(still);
        }
        return out;
    }

    private static UUID requireLive(Connection c, UUID tenantId, UUID id) throws SQLException {
        UUID live = resolveMerged(c, tenantId, id);
        if (live == null) {
            throw new NotFoundException("no customer " + id);
        }
        return live;
    }

    /** Serialises writers of one profile (the relay and the REST API). */
    private void lockRow(Connection c, UUID tenantId, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM customer WHERE tenant_id = ? AND id = ? FOR UPDATE")) {
            ps.setObject(1, tenantId);
            ps.setObject(2, id);
            ps.executeQuery().close();
        }
    }

    /** Loads full profiles in five queries, in the order of {@code ids}. */
    public static List<Customer> loadAll(Connection c, UUID tenantId, List<UUID> ids) throws SQLException {
        Map<UUID, Object[]> rows = new HashMap<>();
        Map<UUID, List<Identifier>> identifiers = new HashMap<>();
        Map<UUID, Map<String, AttributeValue>> attributes = new HashMap<>();
        Map<UUID, Set<String>> tags = new HashMap<>();
        Map<UUID, List<Consent>> consents = new HashMap<>();
        for (List<UUID> chunk : Db.chunks(ids, IN_CHUNK)) {
            String in = Db.marks(chunk.size());
            query(c, "SELECT id, email, phone, first_name, last_name, locale, time_zone, stage, order_count, revenue, created_at, updated_at, last_seen_at "
                    + "FROM customer WHERE tenant_id = ? AND id IN (" + in + ")", tenantId, chunk, rs -> rows.put(rs.getObject(1, UUID.class), new Object[] {
                            rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            rs.getLong(9), rs.getBigDecimal(10), rs.getObject(11, OffsetDateTime.class), rs.getObject(12, OffsetDateTime.class),
                            rs.getObject(13, OffsetDateTime.class)}));
            query(c, "SELECT customer_id, type, namespace, id_value FROM customer_identifier WHERE tenant_id = ? AND customer_id IN (" + in + ") ORDER BY created_at, type, namespace, id_value",
                    tenantId, chunk, rs -> identifiers.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>())
                            .add(new Identifier(IdentifierType.ofKey(rs.getString(2)), rs.getString(3), rs.getString(4))));
            query(c, "SELECT customer_id, name, type, attr_value FROM customer_attribute WHERE tenant_id = ? AND customer_id IN (" + in + ") ORDER BY name",
                    tenantId, chunk, rs -> attributes.computeIfAbsent(rs.getObject(1, UUID.class), k -> new LinkedHashMap<>())
                            .put(rs.getString(2), Attributes.decode(rs.getString(3), rs.getString(4))));
            query(c, "SELECT customer_id, tag FROM customer_tag WHERE tenant_id = ? AND customer_id IN (" + in + ") ORDER BY tag",
                    tenantId, chunk, rs -> tags.computeIfAbsent(rs.getObject(1, UUID.class), k -> new LinkedHashSet<>()).add(rs.getString(2)));
            query(c, "SELECT customer_id, purpose, channel, status, source, changed_at FROM consent WHERE tenant_id = ? AND customer_id IN (" + in + ") ORDER BY purpose, channel",
                    tenantId, chunk, rs -> consents.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>()).add(new Consent(rs.getString(2),
                            rs.getString(3), ConsentStatus.valueOf(rs.getString(4)), rs.getString(5), rs.getObject(6, OffsetDateTime.class))));
        }
        List<Customer> out = new ArrayList<>(ids.size());
        for (UUID id : ids) {
            Object[] r = rows.get(id);
            if (r == null) {
                continue;
            }
            out.add(new Customer(id, tenantId, (String) r[0], (String) r[1], (String) r[2], (String) r[3], (String) r[4], (String) r[5], (String) r[6],
                    identifiers.getOrDefault(id, List.of()), attributes.getOrDefault(id, Map.of()), tags.getOrDefault(id, Set.of()),
                    consents.getOrDefault(id, List.of()), (Long) r[7], ((BigDecimal) r[8]).stripTrailingZeros(),
                    (OffsetDateTime) r[9], (OffsetDateTime) r[10], (OffsetDateTime) r[11]));
        }
        return out;
    }

    // --- helpers -----------------------------------------------------------------------------------------

    /** Sets name_key and surname_key from the row's names; run after first_name or last_name changed. */
    static final String SET_NAME_KEYS = "name_key = NULLIF(LOWER(TRIM(CONCAT(COALESCE(first_name, ''), ' ', COALESCE(last_name, '')))), ''), "
            + "surname_key = LOWER(last_name)";

    /** What a name search compares with name_key and surname_key (which the database lower-cases): single spaces. */
    static String nameKey(String name) {
        return name.strip().replaceAll("\\s+", " ");
    }

    /** {@code text%} with LIKE's wildcards in {@code text} escaped by {@code !} (a backslash depends on PostgreSQL's settings). */
    static String likePrefix(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
    }

    private interface RowHandler {
        void row(ResultSet rs) throws SQLException;
    }

    private static void query(Connection c, String sql, UUID tenantId, List<UUID> ids, RowHandler h) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, tenantId);
            for (int i = 0; i < ids.size(); i++) {
                ps.setObject(i + 2, ids.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    h.row(rs);
                }
            }
        }
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        return Db.update(c, sql, args);
    }

    private static Consent consentOf(ResultSet rs) throws SQLException {
        return new Consent(rs.getString(1), rs.getString(2), ConsentStatus.valueOf(rs.getString(3)), rs.getString(4), rs.getObject(5, OffsetDateTime.class));
    }

    private void apply(Connection c, UUID tenantId, UUID id, CustomerChanges ch, OffsetDateTime now) throws SQLException {
        // identifiers first: a conflict must abort before anything else is written
        if (ch.has(CustomerJson.EMAIL)) {
            replacePrimary(c, tenantId, id, IdentifierType.EMAIL, "email", ch.value(CustomerJson.EMAIL), "/" + CustomerJson.EMAIL, now);
        }
        if (ch.has(CustomerJson.PHONE)) {
            replacePrimary(c, tenantId, id, IdentifierType.PHONE, "phone", ch.value(CustomerJson.PHONE), "/" + CustomerJson.PHONE, now);
        }
        if (ch.has(CustomerJson.ANONYMOUS_ID) && ch.value(CustomerJson.ANONYMOUS_ID) != null) {
            attach(c, tenantId, id, Identifier.anonymous(ch.value(CustomerJson.ANONYMOUS_ID)), "/" + CustomerJson.ANONYMOUS_ID, now);
        }
        for (Map.Entry<String, Optional<String>> e : ch.externalIds().entrySet()) {
            update(c, "DELETE FROM customer_identifier WHERE tenant_id = ? AND customer_id = ? AND type = ? AND namespace = ?",
                    tenantId, id, IdentifierType.EXTERNAL.key(), e.getKey());
            if (e.getValue().isPresent()) {
                attach(c, tenantId, id, Identifier.external(e.getKey(), e.getValue().get()), "/" + CustomerJson.EXTERNAL_IDS + "/" + e.getKey(), now);
            }
        }
        StringBuilder set = new StringBuilder("updated_at = ?");
        List<Object> args = new ArrayList<>();
        args.add(now);
        for (String[] f : new String[][] {{CustomerJson.FIRST_NAME, "first_name"}, {CustomerJson.LAST_NAME, "last_name"},
                {CustomerJson.LOCALE, "locale"}, {CustomerJson.TIME_ZONE, "time_zone"}, {CustomerJson.STAGE, "stage"}}) {
            if (ch.has(f[0])) {
                set.append(", ").append(f[1]).append(" = ?");
                args.add(ch.value(f[0]));
            }
        }
        args.add(tenantId);
        args.add(id);
        update(c, "UPDATE customer SET " + set + " WHERE tenant_id = ? AND id = ?", args.toArray());
        if (ch.has(CustomerJson.FIRST_NAME) || ch.has(CustomerJson.LAST_NAME)) {
            update(c, "UPDATE customer SET " + SET_NAME_KEYS + " WHERE tenant_id = ? AND id = ?", tenantId, id);
        }
        writeAttributes(c, tenantId, id, ch.attributes());
        if (ch.tags() != null) {
            update(c, "DELETE FROM customer_tag WHERE tenant_id = ? AND customer_id = ?", tenantId, id);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO customer_tag (tenant_id, customer_id, tag) VALUES (?,?,?)")) {
                for (String tag : ch.tags()) {
                    ps.setObject(1, tenantId);
                    ps.setObject(2, id);
                    ps.setString(3, tag);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        for (Consent consent : ch.consents()) {
            upsertConsent(c, tenantId, id, consent);
        }
    }

    /** Sets or removes attributes of one profile (batch statements). */
    public static void writeAttributes(Connection c, UUID tenantId, UUID id, Map<String, Optional<AttributeValue>> attributes) throws SQLException {
        if (attributes.isEmpty()) {
            return;
        }
        try (PreparedStatement del = c.prepareStatement("DELETE FROM customer_attribute WHERE tenant_id = ? AND customer_id = ? AND name = ?");
             PreparedStatement ins = c.prepareStatement("INSERT INTO customer_attribute (tenant_id, customer_id, name, type, attr_value) VALUES (?,?,?,?,?)")) {
            boolean inserts = false;
            for (Map.Entry<String, Optional<AttributeValue>> e : attributes.entrySet()) {
                del.setObject(1, tenantId);
                del.setObject(2, id);
                del.setString(3, e.getKey());
                del.addBatch();
                if (e.getValue().isPresent()) {
                    ins.setObject(1, tenantId);
                    ins.setObject(2, id);
                    ins.setString(3, e.getKey());
                    ins.setString(4, e.getValue().get().type().name());
                    ins.setString(5, Attributes.encode(e.getValue().get()));
                    ins.addBatch();
                    inserts = true;
                }
            }
            del.executeBatch();
            if (inserts) {
                ins.executeBatch();
            }
        }
    }

    private void replacePrimary(Connection c, UUID tenantId, UUID id, IdentifierType type, String column, String value, String field,
                                OffsetDateTime now) throws SQLException {
        String old = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM customer WHERE tenant_id = ? AND id = ?")) {
            ps.setObject(1, tenantId);
            ps.setObject(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    old = rs.getString(1);
                }
            }
        }
        if (old != null && !old.equals(value)) {
            update(c, "DELETE FROM customer_identifier WHERE tenant_id = ? AND customer_id = ? AND type = ? AND namespace = '' AND id_value = ?",
                    tenantId, id, type.key(), old);
        }
        if (value != null) {
            attach(c, tenantId, id, new Identifier(type, "", value), field, now);
        }
        update(c, "UPDATE customer SET " + column + " = ? WHERE tenant_id = ? AND id = ?", value, tenantId, id);
    }

    private void attach(Connection c, UUID tenantId, UUID id, Identifier identifier, String field, OffsetDateTime now) throws SQLException {
        UUID owner = ownerOf(c, tenantId, identifier);
        if (owner != null && !owner.equals(id)) {
            throw new ConflictException(field, "another customer (" + owner + ") already has this " + identifier.type().key()
                    + "; merge the two profiles instead");
        }
        if (owner == null) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO customer_identifier (tenant_id, type, namespace, id_value, customer_id, created_at) VALUES (?,?,?,?,?,?)")) {
                ps.setObject(1, tenantId);
                ps.setString(2, identifier.type().key());
                ps.setString(3, identifier.namespace());
                ps.setString(4, identifier.value());
                ps.setObject(5, id);
                ps.setObject(6, now);
                ps.executeUpdate();
            }
        }
    }

    private static void upsertConsent(Connection c, UUID tenantId, UUID id, Consent consent) throws SQLException {
        update(c, "DELETE FROM consent WHERE tenant_id = ? AND customer_id = ? AND purpose = ? AND channel = ?",
                tenantId, id, consent.purpose(), consent.channel());
        update(c, "INSERT INTO consent (tenant_id, customer_id, purpose, channel, status, source, changed_at) VALUES (?,?,?,?,?,?,?)",
                tenantId, id, consent.purpose(), consent.channel(), consent.status().name(), consent.source(), consent.changedAt());
    }

    private void recordConsentEvents(Connection c, UUID tenantId, UUID id, List<Consent> consents, String actor) throws SQLException {
        for (Consent consent : consents) {
            events.appendKernelEvent(c, tenantId, id, EventTypes.CONSENT_CHANGED, actor, consentProperties(consent));
        }
    }

    private static Map<String, Object> consentProperties(Consent consent) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("purpose", consent.purpose());
        props.put("channel", consent.channel());
        props.put("status", consent.status().name());
        props.put("source", consent.source());
        return props;
    }
}
