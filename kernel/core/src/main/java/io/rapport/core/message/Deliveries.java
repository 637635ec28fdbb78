package io.rapport.core.message;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.rapport.api.event.EventTypes;
import io.rapport.api.message.MessageService.Delivery;
import io.rapport.api.message.MessageService.Reported;
import io.rapport.api.message.MessageService.Update;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.db.DataAccessException;
import io.rapport.core.db.Db;
import io.rapport.core.event.EventStore;

/**
 * What channels learn after a send: each update becomes a {@code <channel>.<verb>} event on the customer's timeline once
 * (an idempotency key per message and update, per link for clicks), moves the message's furthest delivery state, and
 * for a hard bounce or a complaint suppresses the customer on the channel, all in one transaction.
 */
final class Deliveries {

    /** The furthest update a message has had, as stored in {@code message.delivery}; later ones outrank earlier ones. */
    static final List<Delivery> RANK = List.of(Delivery.SOFT_BOUNCED, Delivery.DELIVERED, Delivery.OPENED, Delivery.CLICKED, Delivery.FAILED,
            Delivery.HARD_BOUNCED, Delivery.COMPLAINED);

    private final Db db;
    private final Clock clock;
    private final EventStore events;

    Deliveries(Db db, Clock clock, EventStore events) {
        this.db = db;
        this.clock = clock;
        this.events = events;
    }

    private record Target(UUID id, UUID tenantId, UUID customerId, String channel, String purpose) {
    }

    Optional<Reported> report(UUID messageId, Update u) {
        return record(u, c -> find(c, "SELECT id, tenant_id, customer_id, channel, purpose FROM message WHERE id = ?", messageId));
    }

    /** @param tenantId the tenant whose messages to look among, or null for all */
    Optional<Reported> reportByProvider(UUID tenantId, String channel, String providerId, Update u) {
        // providers reuse their ids (an SMSC's counter restarts): the newest message with the id is the one meant
        if (tenantId == null) {
            return record(u, c -> find(c, "SELECT id, tenant_id, customer_id, channel, purpose FROM message WHERE provider_id = ? AND channel = ? "
                    + "ORDER BY created_at DESC, id DESC LIMIT 1", providerId, channel));
        }
        return record(u, c -> find(c, "SELECT id, tenant_id, customer_id, channel, purpose FROM message WHERE provider_id = ? AND channel = ? "
                + "AND tenant_id = ? ORDER BY created_at DESC, id DESC LIMIT 1", providerId, channel, tenantId));
    }

    private Optional<Reported> record(Update u, Db.Work<Optional<Target>> lookup) {
        Optional<Reported> out = null;
        for (int attempt = 1; out == null; attempt++) {
            try {
                out = db.tx(c -> {
                    Optional<Target> t = lookup.run(c);
                    if (t.isEmpty()) {
                        return Optional.<Reported>empty();
                    }
                    return Optional.of(apply(c, t.get(), u));
                });
            } catch (DataAccessException e) {
                // another update of the same message or customer committed first (its event key, or the suppression):
                // once more, this one sees what that one stored and records only what is still new
                if (attempt >= 2 || !(e.getCause() instanceof SQLException s && Db.isUniqueViolation(s))) {
                    throw e;
                }
            }
        }
        if (out.isPresent() && out.get().recorded()) {
            events.committed();
        }
        return out;
    }

    private Reported apply(Connection c, Target t, Update u) throws SQLException {
        String key = "delivery:" + t.id() + ":" + u.delivery().name().toLowerCase(java.util.Locale.ROOT)
                + (u.delivery() == Delivery.CLICKED && u.url() != null ? ":" + digest(u.url()) : "");
        if (EventStore.idOfKey(c, t.tenantId(), key) != null) {
            return new Reported(t.tenantId(), t.id(), t.customerId(), false);
        }
        UUID live = CustomerStore.resolveMerged(c, t.tenantId(), t.customerId());
        if (live == null) {
            // the customer was erased: nothing about them is recorded any more
            return new Reported(t.tenantId(), t.id(), t.customerId(), false);
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        OffsetDateTime at = u.occurredAt() == null ? now : u.occurredAt();
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(EventTypes.PROPERTY_MESSAGE_ID, t.id().toString());
        props.put(EventTypes.PROPERTY_CHANNEL, t.channel());
        props.put("purpose", t.purpose());
        if (u.delivery() == Delivery.HARD_BOUNCED || u.delivery() == Delivery.SOFT_BOUNCED) {
            props.put(io.rapport.api.message.MessageService.PROPERTY_HARD, u.delivery() == Delivery.HARD_BOUNCED);
        }
        if (u.url() != null) {
            props.put(io.rapport.api.message.MessageService.PROPERTY_URL, u.url());
        }
        if (u.detail() != null) {
            props.put(EventTypes.PROPERTY_REASON, Messages.truncate(u.detail(), 1000));
        }
        boolean customersOwn = u.delivery() == Delivery.OPENED || u.delivery() == Delivery.CLICKED || u.delivery() == Delivery.COMPLAINED;
        events.appendKernelEvent(c, t.tenantId(), live, u.delivery().eventType(t.channel()), customersOwn ? EventStore.SOURCE_ENGAGEMENT
                : EventStore.SOURCE_SENDING, props, key);
        int rank = RANK.indexOf(u.delivery());
        List<Delivery> lower = RANK.subList(0, rank);
        StringBuilder sql = new StringBuilder("UPDATE message SET delivery = ?, delivery_at = ? WHERE id = ? AND (delivery IS NULL");
        if (!lower.isEmpty()) {
            sql.append(" OR delivery IN (").append(Db.marks(lower.size())).append(")");
        }
        sql.append(")");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setString(1, u.delivery().name());
            ps.setObject(2, at);
            ps.setObject(3, t.id());
            for (int i = 0; i < lower.size(); i++) {
                ps.setString(4 + i, lower.get(i).name());
            }
            ps.executeUpdate();
        }
        if (u.delivery() == Delivery.HARD_BOUNCED || u.delivery() == Delivery.COMPLAINED) {
            String why = u.delivery() == Delivery.HARD_BOUNCED ? "hard bounce" : "complaint";
            Messages.insertSuppression(c, t.tenantId(), live, t.channel(), Messages.truncate(why + (u.detail() == null ? "" : ": " + u.detail()), 200), now);
        }
        return new Reported(t.tenantId(), t.id(), live, true);
    }

    private static Optional<Target> find(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Target(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                        rs.getString(4), rs.getString(5))) : Optional.empty();
            }
        }
    }

    private static String digest(String url) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
