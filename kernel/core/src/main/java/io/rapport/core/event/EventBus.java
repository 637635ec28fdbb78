package io.rapport.core.event;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.rapport.api.event.Event;
import io.rapport.spi.event.EventListener;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's event bus on Camel: events are spread over {@code partitions} SEDA queues by customer id, and each
 * queue has one consumer, so one customer's events reach listeners in order while different customers proceed in
 * parallel. The scaled-out bus replaces the SEDA endpoints with Kafka topics partitioned the same way.
 */
public final class EventBus implements AutoCloseable {

    /** The Camel endpoint of partition {@code n} is this prefix followed by n. */
    public static final String PARTITION_ENDPOINT = "seda:rapport-bus-";
    /** Exchange property that carries the batch latch; never set from outside. */
    static final String LATCH = "RapportBatchLatch";
    static final int QUEUE_SIZE = 10_000;
    static final int SHUTDOWN_TIMEOUT_S = 5;
    /** How long an idle partition consumer waits on its queue; also bounds how long a stop waits for it. */
    static final int POLL_TIMEOUT_MS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);

    /** A registered listener and the types it wants. */
    private record Registration(EventListener listener, Set<String> types) {
        boolean wants(String type) {
            return types.contains(EventListener.ALL_TYPES) || types.contains(type);
        }
    }

    private final CamelContext camel;
    private final int partitions;
    private final List<Registration> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<List<Event>>> batchTakers = new CopyOnWriteArrayList<>();
    private Endpoint[] endpoints;
    private ProducerTemplate producer;

    public EventBus(int partitions) {
        this.partitions = partitions;
        this.camel = new DefaultCamelContext();
        camel.getCamelContextExtension().setName("rapport");
        // the bus holds no work of its own at stop: undelivered events stay in the outbox and are delivered on start
        camel.getShutdownStrategy().setTimeout(SHUTDOWN_TIMEOUT_S);
        camel.getShutdownStrategy().setShutdownNowOnTimeout(true);
    }

    public CamelContext camel() {
        return camel;
    }

    public void start() {
        try {
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    for (int i = 0; i < partitions; i++) {
                        from(PARTITION_ENDPOINT + i + "?size=" + QUEUE_SIZE + "&blockWhenFull=true&pollTimeout=" + POLL_TIMEOUT_MS)
                                .routeId("rapport-bus-" + i)
                                .process(EventBus.this::deliver);
                    }
                }
            });
            camel.start();
        } catch (Exception e) {
            throw new IllegalStateException("the event bus did not start", e);
        }
        endpoints = new Endpoint[partitions];
        for (int i = 0; i < partitions; i++) {
            endpoints[i] = camel.getEndpoint(PARTITION_ENDPOINT + i + "?size=" + QUEUE_SIZE + "&blockWhenFull=true");
        }
        producer = camel.createProducerTemplate();
        LOG.info("Event bus started with {} partitions", partitions);
    }

    /** Adds a listener for {@code types} ({@link EventListener#ALL_TYPES} for every type). */
    public Subscription subscribe(EventListener listener, Set<String> types) {
        Registration r = new Registration(listener, Set.copyOf(types));
        listeners.add(r);
        return new Subscription(r);
    }

    /** A listener's place on the bus: {@link #run()} removes it. */
    public final class Subscription implements Runnable {
        /** Guarded by this subscription. */
        private Registration registration;

        private Subscription(Registration registration) {
            this.registration = registration;
        }

        /** Changes the types the listener gets, in one step: each dispatch sees the old types or the new ones. */
        public void retype(Set<String> types) {
            synchronized (this) {
                Registration old = registration;
                Registration now = new Registration(old.listener(), Set.copyOf(types));
                listeners.replaceAll(r -> r == old ? now : r);
                registration = now;
            }
        }

        @Override
        public void run() {
            synchronized (this) {
                Registration r = registration;
                listeners.removeIf(x -> x == r);
            }
        }
    }

    /**
     * Adds a part of the kernel that takes each dispatched batch whole, on the dispatching thread, before the listeners
     * get its events: what batches work of its own (the segment evaluator) then sees the relay's batch as one, instead
     * of events trickling in from the partitions one at a time. {@code taker} must only hand the batch over.
     */
    public Runnable subscribeBatches(Consumer<List<Event>> taker) {
        batchTakers.add(taker);
        return () -> batchTakers.remove(taker);
    }

    /** @return whether any listener is subscribed */
    public boolean hasListeners() {
        return !listeners.isEmpty() || !batchTakers.isEmpty();
    }

    /**
     * Hands {@code events} to the listeners and returns once each listener has seen each event, or after
     * {@code timeout}.
     *
     * @return whether every event was delivered in time
     */
    public boolean dispatch(List<Event> events, long timeout, TimeUnit unit) throws InterruptedException {
        if (events.isEmpty()) {
            return true;
        }
        for (Consumer<List<Event>> taker : batchTakers) {
            try {
                taker.accept(events);
            } catch (RuntimeException ex) {
                LOG.warn("{} failed on a batch of {} events", taker, events.size(), ex);
            }
        }
        if (listeners.isEmpty()) {
            return true;
        }
        CountDownLatch latch = new CountDownLatch(events.size());
        for (Event e : events) {
            UUID key = e.customerId();
            int p = Math.floorMod(key == null ? 0 : key.hashCode(), partitions);
            producer.send(endpoints[p], ex -> {
                ex.setPattern(ExchangePattern.InOnly);
                ex.getMessage().setBody(e);
                ex.setProperty(LATCH, latch);
            });
        }
        return latch.await(timeout, unit);
    }

    private void deliver(Exchange exchange) {
        Event event = exchange.getMessage().getBody(Event.class);
        CountDownLatch latch = exchange.getProperty(LATCH, CountDownLatch.class);
        try {
            for (Registration r : listeners) {
                if (r.wants(event.type())) {
                    try {
                        r.listener().onEvent(event);
                    } catch (RuntimeException ex) {
                        LOG.warn("Listener {} failed on event {} ({}) of tenant {}", r.listener().getClass().getName(), event.id(), event.type(),
                                event.tenantId(), ex);
                    }
                }
            }
        } finally {
            if (latch != null) {
                latch.countDown();
            }
        }
    }

    @Override
    public void close() {
        try {
            if (producer != null) {
                producer.close();
            }
            camel.close();
        } catch (Exception e) {
            LOG.warn("Event bus did not stop cleanly", e);
        }
    }
}
