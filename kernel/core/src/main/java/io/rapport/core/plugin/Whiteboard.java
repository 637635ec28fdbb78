package io.rapport.core.plugin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.rapport.core.event.EventBus;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.event.EventListener;
import io.rapport.spi.imports.ImportFormat;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's side of the whiteboard: it tracks what plugins register and plugs it in: channels by type,
 * event listeners onto the bus, Camel route builders into the kernel's Camel context. When a plugin stops,
 * what it added goes with it.
 */
public final class Whiteboard {

    private static final Logger LOG = LoggerFactory.getLogger(Whiteboard.class);

    /**
     * Per channel type, the services offering it. Unordered: a service's ranking may change while it is registered,
     * so the best one (highest ranking, then oldest) is chosen at each lookup.
     */
    private final Map<String, Map<Long, Offer>> channels = new ConcurrentHashMap<>();

    /**
     * A channel service; keyed by its service id, which, unlike the reference's hash, never changes. {@code tenant} is
     * the tenant whose own settings it sends with, or null for a server-wide one.
     */
    private record Offer(ServiceReference<Channel> ref, Channel channel, UUID tenant) {
    }
    private final CamelContext camel;
    private final Object routeLock = new Object();
    /** Per import format, the connectors' previews; the best (highest ranking, then oldest) is used. */
    private final Map<String, Map<Long, ServiceReference<ImportFormat>>> formatRefs = new ConcurrentHashMap<>();
    private final Map<Long, ImportFormat> formats = new ConcurrentHashMap<>();

    public Whiteboard(PluginHost host, EventBus bus) {
        this.camel = bus.camel();
        host.track(Channel.class, this::offer, (ref, channel, old) -> {
            // a new configuration changes the service's properties: the channel is swapped in place, never missing
            String type = offer(ref, channel);
            if (!old.equals(type)) {
                withdraw(ref, old);
            }
            return type;
        }, this::withdraw);
        host.track(EventListener.class, (ref, listener) -> {
            Set<String> types = listenedTypes(ref);
            return types.isEmpty() ? null : bus.subscribe(listener, types);
        }, (ref, listener, subscription) -> {
            Set<String> types = listenedTypes(ref);
            if (types.isEmpty()) {
                subscription.run();
                return null;
            }
            // the listener keeps its place: no event dispatched meanwhile misses it or reaches it twice
            subscription.retype(types);
            return subscription;
        }, (ref, subscription) -> subscription.run());
        host.track(RoutesBuilder.class, (ref, builder) -> addRoutes(ref, builder), (ref, ids) -> removeRoutes(ref, ids));
        host.track(ImportFormat.class, (ref, format) -> {
            String name = stringProperty(ref, ImportFormat.FORMAT);
            if (name == null) {
                LOG.warn("Bundle {} registered an ImportFormat without the {} property; ignored", ref.getBundle().getSymbolicName(), ImportFormat.FORMAT);
                return null;
            }
            formats.put(serviceId(ref), format);
            formatRefs.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).put(serviceId(ref), ref);
            return name;
        }, (ref, name) -> {
            Map<Long, ServiceReference<ImportFormat>> of = formatRefs.get(name);
            if (of != null) {
                of.remove(serviceId(ref));
            }
            formats.remove(serviceId(ref));
        });
    }

    /** Takes a channel service under its type, or returns null if it has none or names no valid tenant. */
    private String offer(ServiceReference<Channel> ref, Channel channel) {
        String type = stringProperty(ref, Channel.TYPE);
        if (type == null) {
            LOG.warn("Bundle {} registered a Channel without the {} property; ignored", ref.getBundle().getSymbolicName(), Channel.TYPE);
            return null;
        }
        UUID tenant = null;
        String owner = stringProperty(ref, Channel.TENANT);
        if (owner != null) {
            try {
                tenant = UUID.fromString(owner);
            } catch (IllegalArgumentException e) {
                // sending another tenant's mail with it, or everyone's, would be worse than not using it
                LOG.warn("Bundle {} registered a '{}' channel whose {} is not a tenant id: {}; ignored", ref.getBundle().getSymbolicName(), type,
                        Channel.TENANT, owner);
                return null;
            }
        }
        Offer before = channels.computeIfAbsent(type, t -> new ConcurrentHashMap<>()).put(serviceId(ref), new Offer(ref, channel, tenant));
        if (before == null) {
            LOG.info("Channel '{}' available from {}{}", type, ref.getBundle().getSymbolicName(), tenant == null ? "" : " for tenant " + tenant);
        }
        return type;
    }

    private void withdraw(ServiceReference<Channel> ref, String type) {
        Map<Long, Offer> of = channels.get(type);
        if (of != null) {
            of.remove(serviceId(ref));
        }
        LOG.info("Channel '{}' from {} gone", type, ref.getBundle().getSymbolicName());
    }

    private static Set<String> listenedTypes(ServiceReference<EventListener> ref) {
        Set<String> types = stringsProperty(ref, EventListener.EVENT_TYPES);
        if (types.isEmpty()) {
            LOG.warn("Bundle {} registered an EventListener without the {} property; ignored", ref.getBundle().getSymbolicName(),
                    EventListener.EVENT_TYPES);
        }
        return types;
    }

    /** @return the preview of the import format, from the connector that reads it, if one is active */
    public Optional<ImportFormat> importFormat(String format) {
        Map<Long, ServiceReference<ImportFormat>> of = formatRefs.get(format);
        if (of == null) {
            return Optional.empty();
        }
        return of.values().stream().max(java.util.Comparator.naturalOrder()).map(r -> formats.get(serviceId(r)));
    }

    /** @return the server-wide channel of this type, if any: the one every tenant without its own uses */
    public Optional<Channel> channel(String type) {
        return best(type, null);
    }

    /**
     * @return the channel of this type that sends the tenant's messages: the tenant's own if it has one, otherwise
     *         the server-wide one; never another tenant's
     */
    public Optional<Channel> channel(UUID tenantId, String type) {
        Optional<Channel> own = tenantId == null ? Optional.empty() : best(type, tenantId);
        return own.isPresent() ? own : best(type, null);
    }

    /** @return the tenant's own channel of this type, without falling back on the server-wide one */
    public Optional<Channel> ownChannel(UUID tenantId, String type) {
        return best(type, java.util.Objects.requireNonNull(tenantId, "tenantId"));
    }

    private Optional<Channel> best(String type, UUID tenant) {
        Map<Long, Offer> of = channels.get(type);
        if (of == null) {
            return Optional.empty();
        }
        // ServiceReference orders by ranking, then by age: the greatest is the one to use
        return of.values().stream().filter(o -> java.util.Objects.equals(o.tenant(), tenant)).max(java.util.Comparator.comparing(Offer::ref))
                .map(Offer::channel);
    }

    /** @return the channel types with at least one active channel, server-wide or any tenant's */
    public Set<String> channelTypes() {
        Set<String> out = new java.util.TreeSet<>();
        channels.forEach((type, of) -> {
            if (!of.isEmpty()) {
                out.add(type);
            }
        });
        return out;
    }

    /** @return the channel types the tenant can send on: its own channels and the server-wide ones */
    public Set<String> channelTypes(UUID tenantId) {
        Set<String> out = new java.util.TreeSet<>();
        channels.forEach((type, of) -> {
            if (of.values().stream().anyMatch(o -> o.tenant() == null || o.tenant().equals(tenantId))) {
                out.add(type);
            }
        });
        return out;
    }

    private List<String> addRoutes(ServiceReference<RoutesBuilder> ref, RoutesBuilder builder) {
        synchronized (routeLock) {
            Set<String> before = routeIds();
            // Camel replaces a route whose id is taken: refuse such routes instead, the kernel's and other plugins' stay
            List<String> clashes = new ArrayList<>();
            ModelCamelContext model = (ModelCamelContext) camel;
            model.setRouteFilter(def -> {
                if (def.getRouteId() != null && before.contains(def.getRouteId())) {
                    clashes.add(def.getRouteId());
                    return false;
                }
                return true;
            });
            try {
                camel.addRoutes(builder);
                if (!clashes.isEmpty()) {
                    throw new IllegalArgumentException("route ids already in use: " + clashes);
                }
            } catch (Exception e) {
                // a route that failed to start leaves its definition behind: take back whatever it added
                List<String> added = new ArrayList<>(routeIds());
                added.removeAll(before);
                removeRoutes(ref, added);
                throw new IllegalStateException("routes of " + ref.getBundle().getSymbolicName() + " did not start: " + e.getMessage(), e);
            } finally {
                model.setRouteFilter(null);
            }
            List<String> added = new ArrayList<>(routeIds());
            added.removeAll(before);
            LOG.info("Routes {} added by {}", added, ref.getBundle().getSymbolicName());
            return added;
        }
    }

    private void removeRoutes(ServiceReference<RoutesBuilder> ref, Collection<String> ids) {
        synchronized (routeLock) {
            ModelCamelContext model = (ModelCamelContext) camel;
            for (String id : ids) {
                try {
                    if (camel.getRoute(id) != null) {
                        camel.getRouteController().stopRoute(id);
                        camel.removeRoute(id);
                    }
                    RouteDefinition def = model.getRouteDefinition(id);
                    if (def != null) {
                        model.removeRouteDefinition(def);
                    }
                } catch (Exception e) {
                    LOG.warn("Cannot remove route {} of {}: {}", id, ref.getBundle().getSymbolicName(), e.getMessage());
                }
            }
            LOG.info("Routes {} of {} removed", ids, ref.getBundle().getSymbolicName());
        }
    }

    /** Ids of the routes and of the route definitions: a route that failed to start has only a definition. */
    private Set<String> routeIds() {
        Set<String> ids = new java.util.HashSet<>();
        for (Route r : camel.getRoutes()) {
            ids.add(r.getRouteId());
        }
        for (RouteDefinition d : ((ModelCamelContext) camel).getRouteDefinitions()) {
            ids.add(d.getRouteId());
        }
        return ids;
    }

    static long serviceId(ServiceReference<?> ref) {
        return (Long) ref.getProperty(org.osgi.framework.Constants.SERVICE_ID);
    }

    static String stringProperty(ServiceReference<?> ref, String key) {
        Object v = ref.getProperty(key);
        return v instanceof String s && !s.isBlank() ? s : null;
    }

    static Set<String> stringsProperty(ServiceReference<?> ref, String key) {
        Object v = ref.getProperty(key);
        Set<String> out = new java.util.TreeSet<>();
        if (v instanceof String s) {
            out.add(s);
        } else if (v instanceof String[] a) {
            out.addAll(List.of(a));
        } else if (v instanceof Collection<?> c) {
            c.forEach(x -> out.add(String.valueOf(x)));
        }
        return out;
    }
}
