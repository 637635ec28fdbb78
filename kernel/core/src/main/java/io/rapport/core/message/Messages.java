package io.rapport.core.message;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.event.EventTypes;
import io.rapport.api.message.MessageService;
import io.rapport.api.message.MessageService.Delivery;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.db.Db;
import io.rapport.core.db.Ids;
import io.rapport.core.event.EventStore;
import io.rapport.core.json.Json;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's send path: a message is checked (consent, suppression), rendered once, stored, and handed to the
 * active channel of its type on a bounded pool with a timeout. A temporary failure is retried with exponential
 * backoff by a worker that claims due messages row by row, so that a restart or a second node neither loses nor
 * repeats an attempt it finished; after the last attempt the message is a dead letter. Each outcome lands on the
 * customer's timeline as a {@code message.*} event.
 */
public final class Messages implements AutoCloseable, MessageService {

    /** Message states as stored. */
    public enum State {
        /** An attempt is running (or its node died; the lease in {@code due_at} then expires and it is retried). */
        SENDING,
        /** Waiting for its next attempt at {@code due_at}. */
        RETRY,
        /** The channel accepted it. */
        SENT,
        /** Not sent, for good: no consent, suppressed, no channel, or the channel refused it. */
        REJECTED,
        /** Every attempt failed: a dead letter, which an admin may send again. */
        DEAD
    }

    /**
     * How messages are sent.
     *
     * @param timeout     how long one attempt may take before it is cut off
     * @param threads     attempts running at once
     * @param maxAttempts attempts before a message becomes a dead letter
     * @param backoff     wait after the first failed attempt; doubled after each further one, capped at one hour
     */
    public record Settings(Duration timeout, int threads, int maxAttempts, Duration backoff) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), 8, 6, Duration.ofSeconds(30));
        }
    }

    /** What a caller asks to send. Templates are Mustache; {@code text} is required. */
    public record SendRequest(UUID customerId, String channel, String purpose, String subject, String text, String html,
                              Map<String, Object> data, String idempotencyKey) {
    }

    /** A message as stored. */
    public record Message(UUID id, UUID customerId, String channel, String purpose, String idempotencyKey, String subject, String text,
                          String html, Map<String, Object> data, State state, int attempts, OffsetDateTime dueAt, String reason,
                          String providerId, String createdBy, OffsetDateTime createdAt, OffsetDateTime updatedAt,
                          Delivery delivery, OffsetDateTime deliveryAt) {
    }

    /** The answer to a submit: the message, and whether this call created it (false for a repeated idempotency key). */
    public record Submitted(Message message, boolean created) {
    }

    /** Who the kernel names as the source of message events. */
    public static final String SOURCE = EventStore.SOURCE_SENDING;
    static final Duration MAX_BACKOFF = Duration.ofHours(1);
    static final Duration LEASE_MARGIN = Duration.ofSeconds(30);
    static final int CLAIM_BATCH = 50;
    static final long IDLE_POLL_MS = 1000;
    /** Ids per {@code IN (...)} list. */
    static final int IN_CHUNK = 500;
    /** When a message whose attempt was never made is due again. */
    static final Duration NOT_MADE_AGAIN = Duration.ofSeconds(1);
    /** How often this node renews the leases of the messages it holds (well within {@link #LEASE_MARGIN}). */
    static final Duration LEASE_RENEWAL = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(Messages.class);
    private static final String COLUMNS = "id, customer_id, channel, purpose, idempotency_key, subject, body_text, body_html, data, state, attempts, "
            + "due_at, reason, provider_id, created_by, created_at, updated_at, delivery, delivery_at";

    private final Db db;
    private final Clock clock;
    private final CustomerStore customers;
    private final EventStore events;
    /** The channel that sends a tenant's messages of a type: the tenant's own, or the server-wide one. */
    private final java.util.function.BiFunction<UUID, String, Optional<Channel>> channels;
    private final Settings settings;
    private final Links links;
    private final Deliveries deliveries;
    private final Tracking tracking;
    private final ThreadPoolExecutor pool;
    /** One per send thread: a call is handed to the pool only when a thread is free for it. */
    private final java.util.concurrent.Semaphore slots;
    private final java.util.concurrent.ScheduledThreadPoolExecutor watchdog;
    /**
     * The messages this node has stored or claimed as SENDING and not finished: their leases are renewed every
     * {@link #LEASE_RENEWAL}, so that a long batch's last messages, still waiting for a send thread, are not taken for
     * a dead node's and sent again by a retry worker.
     */
    private final java.util.Set<UUID> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Outcomes outcomes;
    private final Thread worker;
    private final Object wake = new Object();
    private volatile boolean running = true;

    public Messages(Db db, Clock clock, CustomerStore customers, EventStore events, java.util.function.BiFunction<UUID, String, Optional<Channel>> channels,
                    Settings settings, Links links) {
        this.links = links;
        this.deliveries = new Deliveries(db, clock, events);
        this.tracking = links == null ? null : new Tracking(links);
        this.db = db;
        this.clock = clock;
        this.customers = customers;
        this.events = events;
        this.channels = channels;
        this.settings = settings;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(settings.threads(), settings.threads(), 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(settings.threads() * 4),
                r -> {
                    Thread t = new Thread(r, "rapport-send-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.slots = new java.util.concurrent.Semaphore(settings.threads());
        this.watchdog = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "rapport-send-timeouts");
            t.setDaemon(true);
            return t;
        });
        this.watchdog.setRemoveOnCancelPolicy(true); // a finished send's timer goes at once, not after the timeout
        if (db != null) {
            watchdog.scheduleWithFixedDelay(this::renewLeases, LEASE_RENEWAL.toMillis(), LEASE_RENEWAL.toMillis(), TimeUnit.MILLISECONDS);
        }
        this.outcomes = db == null ? null : new Outcomes(db, events, this::get);
        this.worker = new Thread(this::work, "rapport-send-retries");
        this.worker.setDaemon(true);
    }

    public Messages start() {
        worker.start();
        return this;
    }

    // --- submit ------------------------------------------------------------------------------------------

    /**
     * Checks, renders, stores and sends a message; the first attempt runs before this returns.
     *
     * @throws InvalidInputException if the customer does not exist or a template is broken
     */
    public Submitted submit(UUID tenantId, String actor, SendRequest req) {
        if (req.idempotencyKey() != null) {
            Optional<Message> known = byKey(tenantId, req.idempotencyKey());
            if (known.isPresent()) {
                return new Submitted(known.get(), false);
            }
        }
        Customer customer = customers.find(tenantId, req.customerId())
                .orElseThrow(() -> new InvalidInputException("/customerId", "no customer " + req.customerId() + " in this tenant"));
        Compiled t = new Compiled(req.subject(), req.text(), req.html());
        Message m = plan(tenantId, actor, customer, req.channel(), req.purpose(), t, req.data(), req.idempotencyKey(),
                !suppressed(tenantId, req.channel(), List.of(customer.id())).isEmpty(), OffsetDateTime.now(clock));
        Message stored = storeAll(tenantId, List.of(m)).get(0);
        if (stored != m) {
            return new Submitted(stored, false); // a concurrent request with the same key stored it first
        }
        return new Submitted(afterInsert(tenantId, m, customer), true);
    }

    /** A request's templates, compiled and checked once for all its recipients. */
    private record Compiled(com.samskivert.mustache.Template subject, com.samskivert.mustache.Template text, com.samskivert.mustache.Template html) {
        Compiled(String subject, String text, String html) {
            this(Templates.compile(subject, false, "/subject"), Templates.compile(text, false, "/text"), Templates.compile(html, true, "/html"));
        }
    }

    /**
     * Renders a message for one customer and decides its first state: REJECTED (no consent, suppressed, no channel,
     * over the frequency cap), RETRY (held for quiet hours) or SENDING (to be attempted now).
     */
    private Message plan(UUID tenantId, String actor, Customer customer, String channel, String purpose, Compiled t, Map<String, Object> data,
                         String key, boolean suppressed, OffsetDateTime now) {
        UUID id = Ids.timeOrdered();
        Map<String, Object> ctx = Templates.context(customer, id, data);
        String subject = Templates.execute(t.subject(), ctx, "/subject");
        String text = Templates.execute(t.text(), ctx, "/text");
        String html = Templates.execute(t.html(), ctx, "/html");
        if (html != null && tracking != null && !Consent.PURPOSE_TRANSACTIONAL.equals(purpose)) {
            html = tracking.apply(html, id);
        }
        String refusal = refusal(customer, channel, purpose, suppressed);
        if (refusal == null && channels.apply(tenantId, channel).isEmpty()) {
            refusal = "no active channel of type '" + channel + "': install, configure and start a plugin that provides it";
        }
        OffsetDateTime held = null;
        if (refusal == null && !Consent.PURPOSE_TRANSACTIONAL.equals(purpose)) {
            SendPolicy policy = policy(tenantId);
            refusal = capRefusal(tenantId, customer.id(), policy, now);
            OffsetDateTime allowed = policy.allowedAt(now, customer.timeZone());
            if (refusal == null && allowed.isAfter(now)) {
                held = allowed;
            }
        }
        State state = refusal != null ? State.REJECTED : held != null ? State.RETRY : State.SENDING;
        OffsetDateTime due = refusal != null ? null : held != null ? held : now.plus(lease());
        String reason = refusal != null ? refusal : held != null ? quietReason(tenantId, customer, held) : null;
        return new Message(id, customer.id(), channel, purpose, key, subject, text, html, data == null ? Map.of() : data, state,
                state == State.SENDING ? 1 : 0, due, reason, null, actor, now, now, null, null);
    }

    /** After a message is stored: its first attempt if it is SENDING (waiting for the outcome); the message otherwise. */
    private Message afterInsert(UUID tenantId, Message m, Customer customer) {
        return await(afterInsertAsync(tenantId, m, customer), m);
    }

    private CompletableFuture<Message> afterInsertAsync(UUID tenantId, Message m, Customer customer) {
        if (m.state() == State.SENDING) {
            return attemptAsync(tenantId, m, customer, true);
        }
        if (m.state() == State.RETRY) {
            LOG.info("Message {} on {} is held for quiet hours until {}", m.id(), m.channel(), m.dueAt());
        }
        return CompletableFuture.completedFuture(m);
    }

    /** One recipient of a batch: the customer, their own template values, and an idempotency key (or null). */
    public record Recipient(UUID customerId, Map<String, Object> data, String idempotencyKey) {
    }

    /** One message (subject, text, HTML templates) for many recipients: a campaign's send. */
    public record BatchRequest(String channel, String purpose, String subject, String text, String html, List<Recipient> recipients) {
    }

    /**
     * What became of one recipient of a batch: the message (created, or the earlier one of a repeated idempotency key),
     * or why the recipient was not taken.
     */
    public record BatchItem(int index, Message message, boolean created, FieldError error) {
    }

    /**
     * Checks, renders, stores and sends one message to many customers: the messages are stored in one transaction, then
     * attempted in parallel on the send pool, their outcomes recorded in group commits; returns once every first
     * attempt has an outcome. A recipient that is not a customer is reported at its index and skipped; the others go.
     *
     * @throws InvalidInputException if a template is broken (nothing is stored)
     */
    public List<BatchItem> submitAll(UUID tenantId, String actor, BatchRequest req) {
        Compiled t = new Compiled(req.subject(), req.text(), req.html());
        List<Recipient> rs = req.recipients();
        BatchItem[] items = new BatchItem[rs.size()];
        Map<String, Message> known = byKeys(tenantId, rs.stream().map(Recipient::idempotencyKey).filter(java.util.Objects::nonNull).toList());
        Map<UUID, Customer> found = customers.findAll(tenantId, rs.stream().map(Recipient::customerId).toList());
        java.util.Set<UUID> suppressed = suppressed(tenantId, req.channel(), found.values().stream().map(Customer::id).distinct().toList());
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<Message> planned = new ArrayList<>();
        Map<String, Integer> keyAt = new java.util.HashMap<>();
        List<Integer> plannedAt = new ArrayList<>();
        List<Integer> repeats = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            Recipient r = rs.get(i);
            if (r.idempotencyKey() != null && known.containsKey(r.idempotencyKey())) {
                items[i] = new BatchItem(i, known.get(r.idempotencyKey()), false, null);
                continue;
            }
            if (r.idempotencyKey() != null && keyAt.containsKey(r.idempotencyKey())) {
                repeats.add(i); // the same key twice in one batch: one message, answered for both
                continue;
            }
            Customer customer = found.get(r.customerId());
            if (customer == null) {
                items[i] = new BatchItem(i, null, false, new FieldError("/recipients/" + i + "/customerId", "no customer " + r.customerId()
                        + " in this tenant"));
                continue;
            }
            try {
                Message m = plan(tenantId, actor, customer, req.channel(), req.purpose(), t, r.data(), r.idempotencyKey(),
                        suppressed.contains(customer.id()), now);
                if (r.idempotencyKey() != null) {
                    keyAt.put(r.idempotencyKey(), i);
                }
                planned.add(m);
                plannedAt.add(i);
            } catch (InvalidInputException e) {
                FieldError first = e.errors().get(0);
                items[i] = new BatchItem(i, null, false, new FieldError("/recipients/" + i + first.field(), first.detail()));
            }
        }
        List<Message> stored = storeAll(tenantId, planned);
        List<CompletableFuture<Message>> attempts = new ArrayList<>(planned.size());
        for (int k = 0; k < planned.size(); k++) {
            Message m = stored.get(k);
            boolean created = m == planned.get(k);
            attempts.add(created ? afterInsertAsync(tenantId, m, found.get(rs.get(plannedAt.get(k)).customerId()))
                    : CompletableFuture.completedFuture(m));
        }
        long deadline = System.nanoTime() + awaitLimit(planned.size()).toNanos();
        for (int k = 0; k < planned.size(); k++) {
            Message m = stored.get(k);
            int at = plannedAt.get(k);
            try {
                items[at] = new BatchItem(at, await(attempts.get(k), m, deadline), m == planned.get(k), null);
            } catch (RuntimeException e) {
                // stored and perhaps sent, but its outcome is not: its lease runs out and it is tried again under its own id
                LOG.error("The outcome of message {} could not be stored", m.id(), e);
                items[at] = new BatchItem(at, m, m == planned.get(k), new FieldError("/recipients/" + at, "the message " + m.id()
                        + " is stored but its outcome could not be recorded (" + e.getMessage() + "); the kernel tries it again"));
            }
        }
        for (int i : repeats) {
            BatchItem first = items[keyAt.get(rs.get(i).idempotencyKey())];
            items[i] = new BatchItem(i, first.message(), false, first.error());
        }
        return List.of(items);
    }

    /**
     * Stores planned messages in one transaction (one message: its own). If another request stored one of their
     * idempotency keys meanwhile, stores them one by one instead, answering the earlier message for that key.
     *
     * @return per planned message, itself if stored now, or the earlier message with its key
     */
    private List<Message> storeAll(UUID tenantId, List<Message> planned) {
        if (planned.size() > 1) {
            try {
                db.tx(c -> {
                    insert(c, tenantId, planned);
                    return null;
                });
                afterStore(planned);
                planned.forEach(this::keep);
                return planned;
            } catch (RuntimeException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
            }
        }
        List<Message> out = new ArrayList<>(planned.size());
        for (Message m : planned) {
            try {
                db.tx(c -> {
                    insert(c, tenantId, List.of(m));
                    return null;
                });
                afterStore(List.of(m));
                keep(m);
                out.add(m);
            } catch (RuntimeException e) {
                if (m.idempotencyKey() == null || !isUniqueViolation(e)) {
                    throw e;
                }
                out.add(byKey(tenantId, m.idempotencyKey()).orElseThrow(() -> e));
            }
        }
        return out;
    }

    /** A message rendered for one customer, without being stored or sent. */
    public record Preview(String subject, String text, String html) {
    }

    /**
     * Renders a message for a customer as it would be sent, without storing or sending it: the template editor's preview.
     *
     * @throws InvalidInputException if the customer does not exist or a template is broken or reads an unknown value
     */
    public Preview preview(UUID tenantId, SendRequest req) {
        Customer customer = customers.find(tenantId, req.customerId())
                .orElseThrow(() -> new InvalidInputException("/customerId", "no customer " + req.customerId() + " in this tenant"));
        Map<String, Object> ctx = Templates.context(customer, Ids.timeOrdered(), req.data());
        return new Preview(Templates.render(req.subject(), false, ctx, "/subject"), Templates.render(req.text(), false, ctx, "/text"),
                Templates.render(req.html(), true, ctx, "/html"));
    }

    @Override
    public Receipt send(UUID tenantId, String source, Request r) {
        Submitted s;
        try {
            s = submit(tenantId, source, new SendRequest(r.customerId(), r.channel(), r.purpose(), r.subject(), r.text(), r.html(), r.data(),
                    r.idempotencyKey()));
        } catch (InvalidInputException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new Receipt(s.message().id(), Status.valueOf(s.message().state().name()), s.message().reason(), s.created());
    }

    @Override
    public Optional<Reported> report(UUID messageId, Update update) {
        return deliveries.report(messageId, update);
    }

    @Override
    public Optional<Reported> reportByProvider(String channel, String providerMessageId, Update update) {
        return reportByProvider(null, channel, providerMessageId, update);
    }

    @Override
    public Optional<Reported> reportByProvider(UUID tenantId, String channel, String providerMessageId, Update update) {
        Optional<Reported> r = deliveries.reportByProvider(tenantId, channel, providerMessageId, update);
        // a fast provider's receipt can come before the outcome that stores its id: while outcomes are on their way to
        // the database, look again a few times (a receipt that matches no message at all only waits while sends run)
        for (int i = 0; r.isEmpty() && i < PROVIDER_ID_RETRIES && outcomes != null && outcomes.busy(); i++) {
            java.util.concurrent.locks.LockSupport.parkNanos(PROVIDER_ID_PAUSE.toNanos());
            r = deliveries.reportByProvider(tenantId, channel, providerMessageId, update);
        }
        return r;
    }

    /** Up to half a second (only while outcomes are being stored): a loaded database can take that long to store one. */
    static final int PROVIDER_ID_RETRIES = 50;
    static final Duration PROVIDER_ID_PAUSE = Duration.ofMillis(10);

    /** @return why the kernel will not send, or null if it may: consent and suppression */
    /** @return why a message to the customer on the channel for the purpose would be rejected now (consent, suppression), or null */
    public String refusal(UUID tenantId, Customer customer, String channel, String purpose) {
        return refusal(customer, channel, purpose, !suppressed(tenantId, channel, List.of(customer.id())).isEmpty());
    }

    private static String refusal(Customer customer, String channel, String purpose, boolean suppressed) {
        if (suppressed) {
            return "the customer is suppressed on " + channel;
        }
        if (Consent.PURPOSE_TRANSACTIONAL.equals(purpose)) {
            return null;
        }
        Optional<Consent> consent = customer.consents().stream().filter(k -> k.purpose().equals(purpose) && k.channel().equals(channel)).findFirst();
        if (consent.isEmpty()) {
            return "the customer has not consented to " + purpose + " messages on " + channel;
        }
        if (consent.get().status() != ConsentStatus.GRANTED) {
            return "the customer withdrew consent to " + purpose + " messages on " + channel + " (" + consent.get().changedAt() + ")";
        }
        return null;
    }

    /** @return which of the customers are suppressed on the channel (or on every channel) */
    private java.util.Set<UUID> suppressed(UUID tenantId, String channel, List<UUID> customerIds) {
        java.util.Set<UUID> out = new java.util.HashSet<>();
        if (customerIds.isEmpty() || db == null) {
            return out;
        }
        db.read(c -> {
            for (List<UUID> chunk : Db.chunks(customerIds, IN_CHUNK)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT customer_id FROM suppression WHERE tenant_id = ? AND channel IN (?, ?) "
                        + "AND customer_id IN (" + Db.marks(chunk.size()) + ")")) {
                    ps.setObject(1, tenantId);
                    ps.setString(2, channel);
                    ps.setString(3, ALL_CHANNELS);
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setObject(4 + i, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(rs.getObject(1, UUID.class));
                        }
                    }
                }
            }
            return null;
        });
        return out;
    }

    /** @return the tenant's messages with these idempotency keys, by key */
    private Map<String, Message> byKeys(UUID tenantId, List<String> keys) {
        Map<String, Message> out = new java.util.HashMap<>();
        if (keys.isEmpty()) {
            return out;
        }
        List<String> distinct = List.copyOf(new java.util.LinkedHashSet<>(keys));
        db.read(c -> {
            for (List<String> chunk : Db.chunks(distinct, IN_CHUNK)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM message WHERE tenant_id = ? AND idempotency_key IN ("
                        + Db.marks(chunk.size()) + ")")) {
                    ps.setObject(1, tenantId);
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(2 + i, chunk.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Message m = of(rs);
                            out.put(m.idempotencyKey(), m);
                        }
                    }
                }
            }
            return null;
        });
        return out;
    }

    // --- attempts ----------------------------------------------------------------------------------------

    private Duration lease() {
        return settings.timeout().plus(LEASE_MARGIN);
    }

    /** Runs one attempt of a message in state SENDING and waits until its outcome is recorded. */
    private Message attempt(UUID tenantId, Message m, Customer customer, boolean checked) {
        return await(attemptAsync(tenantId, m, customer, checked), m);
    }

    private Message await(CompletableFuture<Message> f, Message m) {
        return await(f, m, System.nanoTime() + awaitLimit(1).toNanos());
    }

    /**
     * Waits for an outcome until the deadline; then (the attempt hangs, or the kernel stopped under it) answers the
     * message as it stands, still SENDING: its lease runs out and it is tried again.
     */
    private Message await(CompletableFuture<Message> f, Message m, long deadlineNanos) {
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // the attempt goes on and records its outcome; the caller sees the message as it stands
            return m;
        } catch (TimeoutException e) {
            LOG.warn("No outcome for message {} in time; it stays SENDING and its lease decides", m.id());
            return m;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** How long waiting for {@code n} attempts may take at most: their turns on the send threads, each cut off at the timeout. */
    private Duration awaitLimit(int n) {
        return settings.timeout().multipliedBy(2L + (n + settings.threads() - 1) / settings.threads()).plus(LEASE_MARGIN);
    }

    /**
     * Runs one attempt of a message in state SENDING on the send pool and records its outcome with the others waiting.
     *
     * @param checked whether consent and suppression were checked just now (by submit); every later attempt checks again
     * @return the message as stored once its outcome is durable
     */
    private CompletableFuture<Message> attemptAsync(UUID tenantId, Message m, Customer customer, boolean checked) {
        CompletableFuture<Message> f;
        try {
            f = attemptOnce(tenantId, m, customer, checked);
        } catch (RuntimeException e) {
            held.remove(m.id());
            throw e;
        }
        return f.whenComplete((done, e) -> held.remove(m.id()));
    }

    private CompletableFuture<Message> attemptOnce(UUID tenantId, Message m, Customer customer, boolean checked) {
        if (!checked && !Consent.PURPOSE_TRANSACTIONAL.equals(m.purpose())) {
            // a retry that falls into quiet hours waits for their end, without spending an attempt
            OffsetDateTime now = OffsetDateTime.now(clock);
            OffsetDateTime allowed = policy(tenantId).allowedAt(now, customer.timeZone());
            if (allowed.isAfter(now)) {
                return CompletableFuture.completedFuture(hold(tenantId, m, allowed, quietReason(tenantId, customer, allowed)));
            }
        }
        String refusal = checked ? null : refusal(tenantId, customer, m.channel(), m.purpose());
        if (refusal != null) {
            return finish(tenantId, m, SendResult.rejected(refusal));
        }
        Optional<Channel> channel = channels.apply(tenantId, m.channel());
        if (channel.isEmpty()) {
            return finish(tenantId, m, SendResult.retryLater("no active channel of type '" + m.channel() + "'", null));
        }
        boolean transactional = Consent.PURPOSE_TRANSACTIONAL.equals(m.purpose());
        OutboundMessage out = new OutboundMessage(m.id(), tenantId, customer, m.channel(), m.purpose(), m.subject(), m.text(), m.html(), m.data(),
                m.attempts(), links == null || transactional ? null : links.unsubscribe(tenantId, customer.id(), m.purpose(), m.channel()),
                links == null ? null : links.preferences(tenantId, customer.id()));
        outcomes.started();
        try {
            return dispatch(channel.get(), out).thenCompose(a -> {
                try {
                    return a.made() ? finish(tenantId, m, a.result()) : putBack(tenantId, m, a.result());
                } finally {
                    // once its outcome is queued: a receipt that comes meanwhile never finds the outcomes idle and gives up
                    outcomes.ended();
                }
            });
        } catch (RuntimeException e) {
            outcomes.ended();
            throw e;
        }
    }

    /** What came of handing a message to the send pool: the result, and whether the channel was called at all. */
    private record Attempt(SendResult result, boolean made) {
        static Attempt notMade(String reason, Duration after) {
            return new Attempt(SendResult.retryLater(reason, after), false);
        }
    }

    /**
     * Calls the channel on the send pool once a thread is free (waiting at most the send timeout for one), and cuts the
     * call off after the send timeout. Exactly one result completes the future: the channel's, or the timeout's.
     */
    private CompletableFuture<Attempt> dispatch(Channel channel, OutboundMessage out) {
        CompletableFuture<Attempt> result = new CompletableFuture<>();
        if (!running) {
            result.complete(Attempt.notMade("the kernel is stopping", Duration.ZERO));
            return result;
        }
        try {
            if (!slots.tryAcquire(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                result.complete(Attempt.notMade("all " + settings.threads() + " send threads stayed busy for " + settings.timeout().toMillis()
                        + " ms", NOT_MADE_AGAIN));
                return result;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.complete(Attempt.notMade("interrupted while waiting for a send thread", NOT_MADE_AGAIN));
            return result;
        }
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                slots.release();
            }
        };
        String type = out.channel();
        UUID id = out.id();
        Future<?> f;
        try {
            f = pool.submit(() -> {
                started.set(true);
                try {
                    SendResult r = channel.send(out);
                    if (!result.complete(new Attempt(r == null ? SendResult.retryLater("the " + type + " channel answered nothing", null) : r, true))
                            && r != null && r.outcome() == SendResult.Outcome.SENT) {
                        LOG.warn("Channel {} accepted message {} after the send timeout; it was recorded for a retry and may arrive twice", type, id);
                    }
                } catch (Throwable cause) {
                    if (!result.isDone()) {
                        LOG.warn("Channel {} failed on message {}", type, id, cause);
                    }
                    result.complete(new Attempt(SendResult.retryLater("the " + type + " channel failed: " + cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), null), true));
                } finally {
                    release.run();
                }
            });
        } catch (RejectedExecutionException e) {
            release.run();
            result.complete(Attempt.notMade("the kernel is stopping", Duration.ZERO));
            return result;
        }
        long timeoutMs = settings.timeout().toMillis();
        java.util.concurrent.ScheduledFuture<?> timer = watchdog.schedule(() -> {
            if (result.complete(new Attempt(SendResult.retryLater("the " + type + " channel did not answer within " + timeoutMs + " ms", null), true))) {
                f.cancel(true);
                if (!started.get()) {
                    release.run(); // it never ran, so it will never release its thread
                }
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> timer.cancel(false));
        return result;
    }

    /**
     * Puts back a message whose attempt was never made (the kernel was stopping, or no send thread came free): it is
     * due again soon and keeps its attempts; nothing lands on the timeline.
     */
    private CompletableFuture<Message> putBack(UUID tenantId, Message m, SendResult r) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        OffsetDateTime due = now.plus(r.retryAfter() == null ? NOT_MADE_AGAIN : r.retryAfter());
        Message back = new Message(m.id(), m.customerId(), m.channel(), m.purpose(), m.idempotencyKey(), m.subject(), m.text(), m.html(), m.data(),
                State.RETRY, m.attempts() - 1, due, r.reason(), null, m.createdBy(), m.createdAt(), now, m.delivery(), m.deliveryAt());
        return outcomes.record(new Outcomes.Decision(tenantId, m, back, null, false));
    }

    /** Decides what an attempt's result makes of the message and records it with the other outcomes waiting. */
    private CompletableFuture<Message> finish(UUID tenantId, Message m, SendResult r) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        State state;
        OffsetDateTime due = null;
        String event;
        switch (r.outcome()) {
            case SENT -> {
                state = State.SENT;
                event = EventTypes.MESSAGE_SENT;
            }
            case REJECTED -> {
                state = State.REJECTED;
                event = EventTypes.MESSAGE_REJECTED;
            }
            case BOUNCED -> {
                state = State.REJECTED;
                event = EventTypes.MESSAGE_BOUNCED;
            }
            default -> {
                if (m.attempts() >= settings.maxAttempts()) {
                    state = State.DEAD;
                    event = EventTypes.MESSAGE_FAILED;
                } else {
                    state = State.RETRY;
                    due = now.plus(r.retryAfter() != null ? r.retryAfter() : backoff(m.attempts()));
                    event = null;
                }
            }
        }
        String reason = r.reason() == null ? null : truncate(r.reason(), 2000);
        Message done = new Message(m.id(), m.customerId(), m.channel(), m.purpose(), m.idempotencyKey(), m.subject(), m.text(), m.html(), m.data(),
                state, m.attempts(), due, reason, r.providerMessageId(), m.createdBy(), m.createdAt(), now, m.delivery(), m.deliveryAt());
        return outcomes.record(new Outcomes.Decision(tenantId, m, done, event, r.outcome() == SendResult.Outcome.BOUNCED));
    }

    private Message hold(UUID tenantId, Message m, OffsetDateTime until, String reason) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        int n = db.tx(c -> Db.update(c, "UPDATE message SET state = 'RETRY', attempts = attempts - 1, due_at = ?, reason = ?, updated_at = ? "
                + "WHERE id = ? AND tenant_id = ? AND state = 'SENDING' AND attempts = ?", until, reason, now, m.id(), tenantId, m.attempts()));
        if (n == 0) {
            LOG.warn("Message {} changed while it was held for quiet hours", m.id());
        }
        return get(tenantId, m.id());
    }

    // --- the tenant's send policy ------------------------------------------------------------------------

    /** How long a node trusts the send policy it read (an admin's change on another node holds after this). */
    static final long POLICY_CACHE_MS = 30_000;

    private record CachedPolicy(SendPolicy policy, long until) {
    }

    private final java.util.concurrent.ConcurrentHashMap<UUID, CachedPolicy> policies = new java.util.concurrent.ConcurrentHashMap<>();

    /** @return the tenant's send policy, {@link SendPolicy#NONE} until an admin sets one */
    public SendPolicy policy(UUID tenantId) {
        long now = clock.millis();
        CachedPolicy hit = policies.get(tenantId);
        if (hit != null && hit.until() > now) {
            return hit.policy();
        }
        SendPolicy p = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT quiet_start, quiet_end, default_zone, cap_messages, cap_days FROM send_policy WHERE tenant_id = ?")) {
                ps.setObject(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return SendPolicy.NONE;
                    }
                    return new SendPolicy(rs.getString(1) == null ? null : java.time.LocalTime.parse(rs.getString(1)),
                            rs.getString(2) == null ? null : java.time.LocalTime.parse(rs.getString(2)), java.time.ZoneId.of(rs.getString(3)),
                            (Integer) rs.getObject(4, Integer.class), (Integer) rs.getObject(5, Integer.class));
                }
            }
        });
        policies.put(tenantId, new CachedPolicy(p, now + POLICY_CACHE_MS));
        return p;
    }

    /** Replaces the tenant's send policy; held messages keep the time they were given. */
    public SendPolicy setPolicy(UUID tenantId, SendPolicy p, String actor) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        db.tx(c -> {
            Db.update(c, "DELETE FROM send_policy WHERE tenant_id = ?", tenantId);
            return Db.update(c, "INSERT INTO send_policy (tenant_id, quiet_start, quiet_end, default_zone, cap_messages, cap_days, updated_by, updated_at) "
                    + "VALUES (?,?,?,?,?,?,?,?)", tenantId, SendPolicy.format(p.quietStart()), SendPolicy.format(p.quietEnd()), p.defaultZone().getId(),
                    p.capMessages(), p.capDays(), actor, now);
        });
        policies.remove(tenantId);
        return policy(tenantId);
    }

    /** @return why the frequency cap refuses one more message to the customer, or null */
    private String capRefusal(UUID tenantId, UUID customerId, SendPolicy policy, OffsetDateTime now) {
        if (!policy.hasCap()) {
            return null;
        }
        long recent = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM message WHERE tenant_id = ? AND customer_id = ? AND created_at > ? "
                    + "AND purpose <> ? AND state IN ('SENT', 'SENDING', 'RETRY')")) {
                ps.setObject(1, tenantId);
                ps.setObject(2, customerId);
                ps.setObject(3, policy.capWindowStart(now));
                ps.setString(4, Consent.PURPOSE_TRANSACTIONAL);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        return recent >= policy.capMessages() ? "frequency cap: the customer already has " + recent + " messages that are not transactional in the last "
                + policy.capDays() + " days (at most " + policy.capMessages() + ")" : null;
    }

    private String quietReason(UUID tenantId, Customer customer, OffsetDateTime until) {
        java.time.ZoneId zone = policy(tenantId).zoneOf(customer.timeZone());
        return "held for quiet hours until " + SendPolicy.format(until.atZoneSameInstant(zone).toLocalTime()) + " " + zone.getId();
    }

    Duration backoff(int attempts) {
        long factor = 1L << Math.min(20, Math.max(0, attempts - 1));
        Duration d = settings.backoff().multipliedBy(factor);
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    /** @return the properties of a {@code message.*} event about the message as it now stands */
    static Map<String, Object> eventProperties(Message m) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(EventTypes.PROPERTY_MESSAGE_ID, m.id().toString());
        props.put(EventTypes.PROPERTY_CHANNEL, m.channel());
        props.put("purpose", m.purpose());
        props.put("attempts", m.attempts());
        if (m.reason() != null) {
            props.put(EventTypes.PROPERTY_REASON, m.reason());
        }
        return props;
    }

    // --- the retry worker --------------------------------------------------------------------------------

    private void work() {
        while (running) {
            int done = 0;
            try {
                done = runDue();
            } catch (RuntimeException e) {
                LOG.error("The message retry worker failed; trying again", e);
            }
            if (done == 0) {
                synchronized (wake) {
                    try {
                        wake.wait(IDLE_POLL_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /** Claims and attempts the messages that are due; returns how many it attempted. */
    int runDue() {
        record Due(UUID tenantId, UUID id) {
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<Due> due = db.read(c -> Db.list(c, "SELECT tenant_id, id FROM message WHERE state IN ('RETRY', 'SENDING') AND due_at <= ? "
                + "ORDER BY due_at LIMIT " + CLAIM_BATCH, List.of(now), rs -> new Due(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class))));
        // claimed one by one (another node may take some), attempted in parallel on the send pool
        List<CompletableFuture<Message>> attempts = new ArrayList<>();
        for (Due d : due) {
            if (!running) {
                break;
            }
            Optional<Message> claimed = claim(d.tenantId(), d.id(), now);
            if (claimed.isEmpty()) {
                continue;
            }
            Message m = claimed.get();
            Optional<Customer> customer = customers.find(d.tenantId(), m.customerId());
            attempts.add(customer.isEmpty() ? finish(d.tenantId(), m, SendResult.rejected("the customer no longer exists"))
                    : attemptAsync(d.tenantId(), m, customer.get(), false));
        }
        for (CompletableFuture<Message> f : attempts) {
            try {
                f.join();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                LOG.error("A retried message's outcome could not be stored; its lease will run out and it is tried again", e);
            }
        }
        return attempts.size();
    }

    /** Takes a due message for one more attempt; another node or thread that took it first wins. */
    private Optional<Message> claim(UUID tenantId, UUID id, OffsetDateTime now) {
        boolean claimed = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE message SET state = 'SENDING', attempts = attempts + 1, due_at = ?, updated_at = ? "
                    + "WHERE id = ? AND state IN ('RETRY', 'SENDING') AND due_at <= ?")) {
                // the lease starts now, not when the batch of due messages was read: earlier attempts took time
                OffsetDateTime claimedAt = OffsetDateTime.now(clock);
                ps.setObject(1, claimedAt.plus(lease()));
                ps.setObject(2, claimedAt);
                ps.setObject(3, id);
                ps.setObject(4, now);
                return ps.executeUpdate() == 1;
            }
        });
        if (!claimed) {
            return Optional.empty();
        }
        Message m = get(tenantId, id);
        keep(m);
        return Optional.of(m);
    }

    private void keep(Message m) {
        if (m.state() == State.SENDING) {
            held.add(m.id());
        }
    }

    /** Pushes back the lease of every message this node holds, so that no other attempt takes it while it waits here. */
    void renewLeases() {
        List<UUID> ids = List.copyOf(held);
        if (ids.isEmpty()) {
            return;
        }
        try {
            OffsetDateTime until = OffsetDateTime.now(clock).plus(lease());
            db.tx(c -> {
                for (List<UUID> chunk : Db.chunks(ids, IN_CHUNK)) {
                    Object[] args = new Object[chunk.size() + 1];
                    args[0] = until;
                    for (int i = 0; i < chunk.size(); i++) {
                        args[i + 1] = chunk.get(i);
                    }
                    Db.update(c, "UPDATE message SET due_at = ? WHERE state = 'SENDING' AND id IN (" + Db.marks(chunk.size()) + ")", args);
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("Could not renew the leases of {} messages being sent; they may be tried again by another attempt", ids.size(), e);
        }
    }

    /** Wakes the retry worker, for tests and for an admin's "send again". */
    public void wakeup() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** Sends a dead letter again: it gets a fresh set of attempts. */
    public Message resend(UUID tenantId, UUID id, String actor) {
        Message m = get(tenantId, id);
        if (m.state() != State.DEAD) {
            throw new ConflictException("/state", "only a dead letter can be sent again; this message is " + m.state());
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        db.tx(c -> Db.update(c, "UPDATE message SET state = 'RETRY', attempts = 0, due_at = ?, updated_at = ? "
                + "WHERE id = ? AND tenant_id = ? AND state = 'DEAD'", now, now, id, tenantId));
        LOG.info("{} sends dead letter {} again", actor, id);
        wakeup();
        return get(tenantId, id);
    }

    // --- suppression -------------------------------------------------------------------------------------

    /** @return the surviving profile's id (a merged id answers with the survivor) */
    private UUID live(UUID tenantId, UUID customerId) {
        return customers.find(tenantId, customerId).map(Customer::id).orElseThrow(() -> new NotFoundException("no customer " + customerId));
    }

    /** A channel, or every channel ({@link #ALL_CHANNELS}), on which a customer must not be reached. */
    public record Suppression(String channel, String reason, OffsetDateTime createdAt) {
    }

    /** The channel name of a suppression that holds on every channel. */
    public static final String ALL_CHANNELS = "*";

    /** Suppresses a customer on a channel (or {@link #ALL_CHANNELS}); a repeat keeps the first reason. */
    public void suppress(UUID tenantId, UUID customerId, String channel, String reason) {
        UUID live = live(tenantId, customerId);
        db.tx(c -> insertSuppression(c, tenantId, live, channel, reason, OffsetDateTime.now(clock)));
    }

    /** Suppresses a customer on a channel, unless they already are (the first reason stays). */
    static int insertSuppression(Connection c, UUID tenantId, UUID customerId, String channel, String reason, OffsetDateTime at)
            throws SQLException {
        return Db.update(c, "INSERT INTO suppression (tenant_id, customer_id, channel, reason, created_at) SELECT ?, ?, ?, ?, ? "
                + "WHERE NOT EXISTS (SELECT 1 FROM suppression WHERE tenant_id = ? AND customer_id = ? AND channel = ?)",
                tenantId, customerId, channel, reason, at, tenantId, customerId, channel);
    }

    /** @return whether there was a suppression to lift */
    public boolean unsuppress(UUID tenantId, UUID customerId, String channel) {
        UUID live = live(tenantId, customerId);
        return db.tx(c -> Db.update(c, "DELETE FROM suppression WHERE tenant_id = ? AND customer_id = ? AND channel = ?", tenantId, live, channel) > 0);
    }

    public List<Suppression> suppressions(UUID tenantId, UUID customerId) {
        UUID live = live(tenantId, customerId);
        return db.read(c -> Db.list(c, "SELECT channel, reason, created_at FROM suppression WHERE tenant_id = ? AND customer_id = ? ORDER BY channel",
                List.of(tenantId, live), rs -> new Suppression(rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class))));
    }

    // --- reads -------------------------------------------------------------------------------------------

    public Message get(UUID tenantId, UUID id) {
        return db.read(c -> one(c, "SELECT " + COLUMNS + " FROM message WHERE tenant_id = ? AND id = ?", tenantId, id))
                .orElseThrow(() -> new NotFoundException("no message " + id));
    }

    private Optional<Message> byKey(UUID tenantId, String key) {
        return db.read(c -> one(c, "SELECT " + COLUMNS + " FROM message WHERE tenant_id = ? AND idempotency_key = ?", tenantId, key));
    }

    /**
     * Which messages to list, newest first; every filter may be null.
     *
     * @param before only messages created before this time (the next page of a log)
     */
    public record Filter(State state, UUID customerId, String channel, Delivery delivery, OffsetDateTime before, int limit) {
        public static Filter of(State state, UUID customerId, int limit) {
            return new Filter(state, customerId, null, null, null, limit);
        }
    }

    /** Newest first; filters may be null. */
    public List<Message> list(UUID tenantId, State state, UUID customerId, int limit) {
        return list(tenantId, Filter.of(state, customerId, limit));
    }

    /** The delivery log: newest first, filtered. */
    public List<Message> list(UUID tenantId, Filter f) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM message WHERE tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(tenantId));
        if (f.state() != null) {
            sql.append(" AND state = ?");
            args.add(f.state().name());
        }
        if (f.customerId() != null) {
            sql.append(" AND customer_id = ?");
            args.add(f.customerId());
        }
        if (f.channel() != null) {
            sql.append(" AND channel = ?");
            args.add(f.channel());
        }
        if (f.delivery() != null) {
            sql.append(" AND delivery = ?");
            args.add(f.delivery().name());
        }
        if (f.before() != null) {
            sql.append(" AND created_at < ?");
            args.add(f.before());
        }
        sql.append(" ORDER BY created_at DESC, id LIMIT ").append(f.limit());
        return db.read(c -> Db.list(c, sql.toString(), args, Messages::of));
    }

    /** One customer on the tenant's suppression list. */
    public record Suppressed(UUID customerId, String channel, String reason, OffsetDateTime createdAt) {
    }

    /** The tenant's suppression list, newest first; channel may be null for every channel. */
    public List<Suppressed> suppressed(UUID tenantId, String channel, OffsetDateTime before, int limit) {
        StringBuilder sql = new StringBuilder("SELECT customer_id, channel, reason, created_at FROM suppression WHERE tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(tenantId));
        if (channel != null) {
            sql.append(" AND channel = ?");
            args.add(channel);
        }
        if (before != null) {
            sql.append(" AND created_at < ?");
            args.add(before);
        }
        sql.append(" ORDER BY created_at DESC, customer_id LIMIT ").append(limit);
        return db.read(c -> Db.list(c, sql.toString(), args, rs -> new Suppressed(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                rs.getObject(4, OffsetDateTime.class))));
    }

    private static Optional<Message> one(Connection c, String sql, UUID tenantId, Object key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, tenantId);
            ps.setObject(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(of(rs)) : Optional.empty();
            }
        }
    }

    private static Message of(ResultSet rs) throws SQLException {
        String data = rs.getString(9);
        return new Message(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), data == null ? Map.of() : Json.readMap(data), State.valueOf(rs.getString(10)),
                rs.getInt(11), rs.getObject(12, OffsetDateTime.class), rs.getString(13), rs.getString(14), rs.getString(15),
                rs.getObject(16, OffsetDateTime.class), rs.getObject(17, OffsetDateTime.class),
                rs.getString(18) == null ? null : Delivery.valueOf(rs.getString(18)), rs.getObject(19, OffsetDateTime.class));
    }

    /** Stores new messages with one JDBC batch, and a {@code message.rejected} event for each one refused at once. */
    private void insert(Connection c, UUID tenantId, List<Message> ms) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO message (id, tenant_id, customer_id, channel, purpose, idempotency_key, subject, "
                + "body_text, body_html, data, state, attempts, due_at, reason, provider_id, created_by, created_at, updated_at) "
                + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            for (Message m : ms) {
                ps.setObject(1, m.id());
                ps.setObject(2, tenantId);
                ps.setObject(3, m.customerId());
                ps.setString(4, m.channel());
                ps.setString(5, m.purpose());
                ps.setString(6, m.idempotencyKey());
                ps.setString(7, m.subject());
                ps.setString(8, m.text());
                ps.setString(9, m.html());
                ps.setString(10, Json.writeMap(m.data()));
                ps.setString(11, m.state().name());
                ps.setInt(12, m.attempts());
                ps.setObject(13, m.dueAt());
                ps.setString(14, m.reason());
                ps.setString(15, m.providerId());
                ps.setString(16, m.createdBy());
                ps.setObject(17, m.createdAt());
                ps.setObject(18, m.updatedAt());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        List<EventStore.KernelEvent> rejected = ms.stream().filter(m -> m.state() == State.REJECTED)
                .map(m -> new EventStore.KernelEvent(tenantId, m.customerId(), EventTypes.MESSAGE_REJECTED, SOURCE, eventProperties(m))).toList();
        events.appendKernelEvents(c, rejected);
    }

    /** Wakes the relay for the {@code message.rejected} events of messages just stored. */
    private void afterStore(List<Message> stored) {
        if (stored.stream().anyMatch(m -> m.state() == State.REJECTED)) {
            events.committed();
        }
    }

    private static boolean isUniqueViolation(RuntimeException e) {
        return e.getCause() instanceof SQLException s && Db.isUniqueViolation(s);
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    @Override
    /**
     * Stops sending gracefully: no attempt starts any more (one that was about to is recorded as a retry for later),
     * attempts under way finish within the send timeout, and every outcome is stored before this returns; so that a
     * restart neither loses a message nor sends one twice. An attempt still running after the timeout is interrupted,
     * and its message, still SENDING, is tried again once its lease runs out.
     */
    public void close() {
        running = false;
        worker.interrupt();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        watchdog.shutdownNow();
        if (outcomes != null) {
            outcomes.close();
        }
    }
}
