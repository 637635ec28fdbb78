package io.rapport.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.rapport.api.event.Event;
import io.rapport.core.event.EventBus;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.SendResult;
import io.rapport.spi.event.EventListener;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

/** What plugins register reaches the kernel, and goes again when they withdraw it: channels, listeners, Camel routes. */
class WhiteboardTest {

    @TempDir
    Path dir;
    EventBus bus;
    PluginHost host;
    Whiteboard whiteboard;

    @BeforeEach
    void start() {
        bus = new EventBus(2);
        bus.start();
        host = new PluginHost(new PluginHost.Settings(dir.resolve("felix"), null)).start();
        whiteboard = new Whiteboard(host, bus);
    }

    @AfterEach
    void stop() {
        host.close();
        bus.close();
    }

    static Hashtable<String, Object> props(Object... kv) {
        Hashtable<String, Object> p = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put((String) kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void theHighestRankedChannelOfATypeWinsAndTheNextTakesOver() {
        Channel low = m -> SendResult.sent("low");
        Channel high = m -> SendResult.sent("high");
        ServiceRegistration<Channel> r1 = host.context().registerService(Channel.class, low, props(Channel.TYPE, "sms"));
        ServiceRegistration<Channel> r2 = host.context().registerService(Channel.class, high, props(Channel.TYPE, "sms", Constants.SERVICE_RANKING, 10));
        host.context().registerService(Channel.class, m -> SendResult.sent("untyped"), props());

        assertThat(whiteboard.channel("sms")).containsSame(high);
        assertThat(whiteboard.channelTypes()).containsExactly("sms");
        r2.unregister();
        assertThat(whiteboard.channel("sms")).containsSame(low);
        r1.unregister();
        assertThat(whiteboard.channel("sms")).isEmpty();
        assertThat(whiteboard.channelTypes()).isEmpty();
    }

    @Test
    void aTenantsOwnChannelSendsItsMessagesOnlyAndTheOthersUseTheServerWideOne() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        Channel shared = m -> SendResult.sent("shared");
        Channel ofA = m -> SendResult.sent("a");
        host.context().registerService(Channel.class, ofA, props(Channel.TYPE, "email", Channel.TENANT, a.toString()));
        // a tenant's channel never serves the server: ranking does not matter across tenants
        host.context().registerService(Channel.class, m -> SendResult.sent("b"), props(Channel.TYPE, "sms", Channel.TENANT, b.toString(),
                Constants.SERVICE_RANKING, 100));
        host.context().registerService(Channel.class, m -> SendResult.sent("bad"), props(Channel.TYPE, "email", Channel.TENANT, "not-a-uuid"));

        assertThat(whiteboard.channel(a, "email")).containsSame(ofA);
        assertThat(whiteboard.channel(b, "email")).as("no server-wide email channel yet").isEmpty();
        assertThat(whiteboard.channel("email")).isEmpty();
        assertThat(whiteboard.channelTypes(a)).containsExactly("email");
        assertThat(whiteboard.channelTypes(b)).containsExactly("sms");
        assertThat(whiteboard.channelTypes()).containsExactly("email", "sms");

        ServiceRegistration<Channel> r = host.context().registerService(Channel.class, shared, props(Channel.TYPE, "email"));
        assertThat(whiteboard.channel(a, "email")).as("the tenant's own wins").containsSame(ofA);
        assertThat(whiteboard.channel(b, "email")).containsSame(shared);
        assertThat(whiteboard.ownChannel(b, "email")).isEmpty();
        assertThat(whiteboard.channel("sms")).isEmpty();
        r.unregister();
        assertThat(whiteboard.channel(b, "email")).isEmpty();
    }

    @Test
    void aChannelWhoseTypeChangesMovesWithIt() {
        ServiceRegistration<Channel> r = host.context().registerService(Channel.class, m -> SendResult.sent(null), props(Channel.TYPE, "sms"));
        r.setProperties(props(Channel.TYPE, "push"));
        assertThat(whiteboard.channel("sms")).isEmpty();
        assertThat(whiteboard.channel("push")).isPresent();
    }

    @Test
    void aChannelWhoseConfigurationChangesIsNeverMissingMeanwhile() throws InterruptedException {
        // SCR puts a component's configuration in its service properties: each change to it modifies the service
        Channel webhook = m -> SendResult.sent(null);
        ServiceRegistration<Channel> r = host.context().registerService(Channel.class, webhook, props(Channel.TYPE, "webhook", "url", "http://a/"));
        java.util.concurrent.atomic.AtomicInteger missing = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread sender = new Thread(() -> {
            while (!done.get()) {
                if (whiteboard.channel("webhook").isEmpty()) {
                    missing.incrementAndGet();
                }
            }
        });
        sender.start();
        try {
            for (int i = 0; i < 2_000; i++) {
                r.setProperties(props(Channel.TYPE, "webhook", "url", "http://a/?v=" + i));
            }
        } finally {
            done.set(true);
            sender.join();
        }
        assertThat(missing).hasValue(0);
        assertThat(whiteboard.channel("webhook")).containsSame(webhook);
        assertThat(whiteboard.channelTypes()).containsExactly("webhook");
    }

    @Test
    void aServiceThatCannotBeTakenAgainAfterAChangeIsReleasedOnce() {
        List<String> seen = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger takes = new java.util.concurrent.atomic.AtomicInteger();
        host.track(Runnable.class, (ref, service) -> {
            if (takes.incrementAndGet() > 1) {
                throw new IllegalStateException("refused the second time");
            }
            seen.add("added");
            return "handle";
        }, (ref, handle) -> seen.add("removed " + handle));
        ServiceRegistration<Runnable> r = host.context().registerService(Runnable.class, () -> { }, props("v", 1));
        r.setProperties(props("v", 2));
        r.unregister();
        assertThat(seen).containsExactly("added", "removed handle");
    }

    @Test
    void aListenerWhoseTypesChangeGetsTheNewOnesOnly() throws InterruptedException {
        List<String> seen = new CopyOnWriteArrayList<>();
        ServiceRegistration<EventListener> r = host.context().registerService(EventListener.class, (EventListener) e -> seen.add(e.type()),
                props(EventListener.EVENT_TYPES, new String[] {"order.completed"}));
        r.setProperties(props(EventListener.EVENT_TYPES, new String[] {"cart.updated"}));
        assertThat(bus.dispatch(List.of(event("order.completed"), event("cart.updated")), 5, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("cart.updated");
        r.setProperties(props());
        assertThat(bus.hasListeners()).isFalse();
    }

    @Test
    void listenersGetTheTypesTheyAskForUntilTheyLeave() throws InterruptedException {
        List<String> seen = new CopyOnWriteArrayList<>();
        EventListener l = e -> seen.add(e.type());
        ServiceRegistration<EventListener> r = host.context().registerService(EventListener.class, l,
                props(EventListener.EVENT_TYPES, new String[] {"order.completed", "cart.updated"}));
        host.context().registerService(EventListener.class, e -> seen.add("untyped"), props());

        assertThat(bus.dispatch(List.of(event("page.viewed"), event("order.completed"), event("cart.updated")), 5, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactlyInAnyOrder("order.completed", "cart.updated");
        r.unregister();
        assertThat(bus.hasListeners()).isFalse();
    }

    @Test
    void routesComeAndGoWithTheirBuilder() {
        RoutesBuilder builder = new RouteBuilder() {
            @Override
            public void configure() {
                from("seda:plugin-in").routeId("plugin-route").to("seda:plugin-out");
            }
        };
        ServiceRegistration<RoutesBuilder> r = host.context().registerService(RoutesBuilder.class, builder, props());
        assertThat(bus.camel().getRoute("plugin-route")).isNotNull();
        bus.camel().createProducerTemplate().sendBody("seda:plugin-in", "hello");
        assertThat(bus.camel().createConsumerTemplate().receiveBody("seda:plugin-out", 5000, String.class)).isEqualTo("hello");

        r.unregister();
        assertThat(bus.camel().getRoute("plugin-route")).isNull();
        assertThat(((ModelCamelContext) bus.camel()).getRouteDefinition("plugin-route")).isNull();
        // the kernel's own routes stay
        assertThat(bus.camel().getRoute("rapport-bus-0")).isNotNull();
    }

    @Test
    void routesThatFailToStartLeaveNothingBehind() {
        RoutesBuilder broken = new RouteBuilder() {
            @Override
            public void configure() {
                from("seda:broken-ok").routeId("broken-ok").to("seda:somewhere");
                from("nosuchcomponent:x").routeId("broken-bad").to("seda:somewhere");
            }
        };
        host.context().registerService(RoutesBuilder.class, broken, props());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(bus.camel().getRoute("broken-ok")).isNull();
            assertThat(bus.camel().getRoute("broken-bad")).isNull();
            assertThat(((ModelCamelContext) bus.camel()).getRouteDefinition("broken-bad")).isNull();
        });
        assertThat(bus.camel().getRoute("rapport-bus-0")).isNotNull();
    }

    @Test
    void routesWhoseIdsAreTakenAreRefusedAndTheOriginalsStay() {
        RoutesBuilder hijack = new RouteBuilder() {
            @Override
            public void configure() {
                from("seda:hijack-ok").routeId("hijack-ok").to("seda:somewhere");
                from("seda:elsewhere").routeId("rapport-bus-0").to("seda:somewhere");
            }
        };
        host.context().registerService(RoutesBuilder.class, hijack, props());
        assertThat(bus.camel().getRoute("hijack-ok")).isNull();
        assertThat(bus.camel().getRoute("rapport-bus-0").getEndpoint().getEndpointUri()).startsWith("seda://rapport-bus-0");
        assertThat(((ModelCamelContext) bus.camel()).getRouteDefinition("rapport-bus-0").getInput().getEndpointUri()).startsWith(EventBus.PARTITION_ENDPOINT);
    }

    static Event event(String type) {
        return new Event(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), type, OffsetDateTime.now(), OffsetDateTime.now(), "test", Map.of(), null);
    }
}
