package io.rapport.core.message;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.rapport.core.db.Db;
import io.rapport.core.event.EventStore;
import io.rapport.core.message.Messages.Message;
import io.rapport.core.message.Messages.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the outcomes of send attempts with group commit: one writer thread takes every outcome that is waiting and
 * stores them in one transaction (the message's new state, its {@code message.*} event, a hard bounce's suppression),
 * so that concurrent sends share a commit instead of paying one each. Each caller's future completes once its outcome
 * is durable; an outcome whose attempt lost its lease (another attempt owns the message) completes with the message as
 * stored. If a group cannot be written, its outcomes are written one by one, so that one bad row fails alone.
 */
final class Outcomes implements AutoCloseable {

    /** Outcomes stored per transaction at most. */
    static final int MAX_GROUP = 500;
    /** How long a group waits for the outcomes of attempts under way. */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /**
     * One decided outcome.
     *
     * @param tenantId  the message's tenant
     * @param attempted the message as it was attempted (state SENDING, its attempt number)
     * @param done      the message as it is to be stored
     * @param eventType the {@code message.*} event to record, or null
     * @param suppress  whether to suppress the customer on the channel (a hard bounce)
     */
    record Decision(UUID tenantId, Message attempted, Message done, String eventType, boolean suppress) {
    }

    private record Pending(Decision decision, CompletableFuture<Message> result) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(Outcomes.class);

    private final Db db;
    private final EventStore events;
    private final java.util.function.BiFunction<UUID, UUID, Message> reread;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger underway = new java.util.concurrent.atomic.AtomicInteger();
    private final Thread writer;
    private volatile boolean closed;
    /**
     * Outcomes recorded and not yet stored (queued, or taken by the writer and being written). One count from
     * {@link #record} to the end of the write: a flag set after the writer takes them off the queue left a moment in
     * which neither the queue nor the flag showed them, and a receipt then stopped looking for its message.
     */
    private final java.util.concurrent.atomic.AtomicInteger unstored = new java.util.concurrent.atomic.AtomicInteger();

    /** @param reread reads a message as stored (tenant, id), for an outcome that lost its lease */
    Outcomes(Db db, EventStore events, java.util.function.BiFunction<UUID, UUID, Message> reread) {
        this.db = db;
        this.events = events;
        this.reread = reread;
        this.writer = new Thread(this::run, "rapport-send-outcomes");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** @return the message as stored once the outcome is durable */
    CompletableFuture<Message> record(Decision d) {
        CompletableFuture<Message> f = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                f.completeExceptionally(new IllegalStateException("the kernel has stopped"));
                return f;
            }
            unstored.incrementAndGet();
            queue.add(new Pending(d, f));
        }
        return f;
    }

    private void run() {
        List<Pending> group = new ArrayList<>(MAX_GROUP);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                linger(group);
                write(group);
            } catch (InterruptedException e) {
                closed = true;
            } catch (Throwable e) {
                LOG.error("Recording send outcomes failed", e);
                group.forEach(p -> p.result().completeExceptionally(e));
            } finally {
                unstored.addAndGet(-group.size());
                group.clear();
            }
        }
    }

    /**
     * While attempts are still under way, waits a little for their outcomes so that they share this commit: a commit
     * costs more than the rows in it (on H2 it stores every changed page), so a few milliseconds buy several times
     * the throughput. Never longer than {@link #LINGER_NANOS}, and not at all when nothing else is coming.
     */
    private void linger(List<Pending> group) throws InterruptedException {
        long deadline = System.nanoTime() + LINGER_NANOS;
        while (group.size() < MAX_GROUP && underway.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Pending next = queue.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                return;
            }
            group.add(next);
            queue.drainTo(group, MAX_GROUP - group.size());
        }
    }

    /** @return whether outcomes are on their way: attempts under way, or outcomes not yet stored */
    boolean busy() {
        return underway.get() > 0 || unstored.get() > 0;
    }

    /** An attempt started: its outcome is coming (the writer may wait a little for it). */
    void started() {
        underway.incrementAndGet();
    }

    /** An attempt ended (its outcome is queued, or it failed before one). */
    void ended() {
        underway.decrementAndGet();
    }

    private void write(List<Pending> group) {
        boolean[] recorded;
        try {
            recorded = db.tx(c -> store(c, group));
        } catch (RuntimeException e) {
            if (group.size() == 1) {
                throw e;
            }
            LOG.warn("A group of {} send outcomes could not be stored together; storing them one by one", group.size(), e);
            for (Pending p : group) {
                try {
                    write(List.of(p));
                } catch (RuntimeException one) {
                    LOG.error("The outcome of message {} could not be stored", p.decision().attempted().id(), one);
                    p.result().completeExceptionally(one);
                }
            }
            return;
        }
        boolean any = false;
        for (int i = 0; i < group.size(); i++) {
            Decision d = group.get(i).decision();
            if (recorded[i]) {
                any |= d.eventType() != null;
                log(d);
                group.get(i).result().complete(d.done());
            } else {
                LOG.warn("Attempt {} of message {} finished after its lease ran out; another attempt owns it", d.attempted().attempts(),
                        d.attempted().id());
                try {
                    group.get(i).result().complete(reread.apply(d.tenantId(), d.attempted().id()));
                } catch (RuntimeException e) {
                    group.get(i).result().completeExceptionally(e);
                }
            }
        }
        if (any) {
            events.committed();
        }
    }

    /** @return per outcome, whether it was stored (false: its attempt had lost the message to another) */
    private boolean[] store(Connection c, List<Pending> group) throws SQLException {
        boolean[] recorded = new boolean[group.size()];
        try (PreparedStatement ps = c.prepareStatement("UPDATE message SET state = ?, attempts = ?, due_at = ?, reason = ?, provider_id = ?, "
                + "updated_at = ? WHERE id = ? AND state = 'SENDING' AND attempts = ?")) {
            for (Pending p : group) {
                Message m = p.decision().done();
                ps.setString(1, m.state().name());
                ps.setInt(2, m.attempts());
                ps.setObject(3, m.dueAt());
                ps.setString(4, m.reason());
                ps.setString(5, m.providerId());
                ps.setObject(6, m.updatedAt());
                ps.setObject(7, m.id());
                ps.setInt(8, p.decision().attempted().attempts());
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                // a driver that cannot tell (SUCCESS_NO_INFO) stored it: the statement did not fail
                recorded[i] = counts[i] > 0 || counts[i] == java.sql.Statement.SUCCESS_NO_INFO;
            }
        }
        List<EventStore.KernelEvent> toAppend = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            Decision d = group.get(i).decision();
            if (!recorded[i]) {
                continue;
            }
            Message m = d.done();
            if (d.suppress()) {
                // a hard bounce: the address is not tried again on this channel until someone lifts the suppression
                Messages.insertSuppression(c, d.tenantId(), m.customerId(), m.channel(), Messages.truncate("hard bounce: " + m.reason(), 200),
                        m.updatedAt());
            }
            if (d.eventType() != null) {
                toAppend.add(new EventStore.KernelEvent(d.tenantId(), m.customerId(), d.eventType(), Messages.SOURCE, Messages.eventProperties(m)));
            }
        }
        events.appendKernelEvents(c, toAppend);
        return recorded;
    }

    private static void log(Decision d) {
        Message m = d.done();
        if (m.state() == State.RETRY) {
            LOG.info("Message {} on {} will be retried at {}: {}", m.id(), m.channel(), m.dueAt(), m.reason());
        } else if (m.state() == State.DEAD) {
            LOG.warn("Message {} on {} is a dead letter after {} attempts: {}", m.id(), m.channel(), m.attempts(), m.reason());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            unstored.decrementAndGet();
            p.result().completeExceptionally(new IllegalStateException("the kernel stopped before this outcome was stored"));
        }
    }
}
