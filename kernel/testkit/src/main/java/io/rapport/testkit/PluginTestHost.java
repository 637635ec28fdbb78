package io.rapport.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import io.rapport.api.customer.Customer;
import io.rapport.api.customer.CustomerService;
import io.rapport.api.customer.Identifier;
import io.rapport.api.customer.IdentifierType;
import io.rapport.api.event.EventPublisher;
import io.rapport.api.message.MessageService;
import io.rapport.core.plugin.ConfigSchema;
import io.rapport.core.plugin.PluginHost;
import io.rapport.spi.channel.Channel;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Runs a plugin's built bundle in the kernel's real plugin host (Felix with SCR, Config Admin and Metatype), with a
 * recording kernel: {@link #customers()} answers {@link CustomerService}, {@link #events()} records what the plugin
 * publishes, {@link #messages()} what it asks the kernel to send. Use it from a JUnit 5 {@code *IT} test, which runs after the jar is built:
 *
 * <pre>{@code
 * try (PluginTestHost host = PluginTestHost.start()) {
 *     host.installBuiltBundle();
 *     host.configure("io.rapport.channel.webhook", Map.of("url", "http://localhost:8081/", "secret", "..."));
 *     Channel channel = host.awaitChannel("webhook", Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class PluginTestHost implements AutoCloseable {

    /** System property with the path of the built bundle; the plugin parent POM sets it for failsafe. */
    public static final String BUNDLE_PROPERTY = "rapport.bundle";
    /** The tenant that {@link #customer} puts profiles in. */
    public static final UUID TENANT = UUID.fromString("00000000-0000-0000-0000-000000000001");

    private final Path dir;
    private final PluginHost host;
    private final InMemoryCustomers customers = new InMemoryCustomers();
    private final RecordingEventPublisher events = new RecordingEventPublisher();
    private final RecordingMessageService messages = new RecordingMessageService();
    private final RecordingImportService imports = new RecordingImportService();
    /** The kernel's Camel context, where plugins' and connectors' routes run, as in the server. */
    private final io.rapport.core.event.EventBus bus;

    private PluginTestHost(Path dir) {
        this.dir = dir;
        this.host = new PluginHost(new PluginHost.Settings(dir.resolve("felix"), null)).start();
        this.bus = new io.rapport.core.event.EventBus(1);
        bus.start();
        new io.rapport.core.plugin.Whiteboard(host, bus);
        host.register(CustomerService.class, customers, Map.of());
        host.register(EventPublisher.class, events, Map.of());
        host.register(MessageService.class, messages, Map.of());
        host.register(io.rapport.api.imports.ImportService.class, imports, Map.of());
    }

    /** Starts a fresh host in a temporary folder, removed again by {@link #close()}. */
    public static PluginTestHost start() {
        try {
            return new PluginTestHost(Files.createTempDirectory("rapport-testkit"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public InMemoryCustomers customers() {
        return customers;
    }

    public RecordingEventPublisher events() {
        return events;
    }

    /** What the plugin asked the kernel to send. */
    public RecordingMessageService messages() {
        return messages;
    }

    /** Import jobs a connector claims and what it handed over. */
    public RecordingImportService imports() {
        return imports;
    }

    /** The Camel context where the plugin's routes run (added and removed through the whiteboard, as in the server). */
    public org.apache.camel.CamelContext camel() {
        return bus.camel();
    }

    /** The underlying host, for what this class does not offer. */
    public PluginHost host() {
        return host;
    }

    /** Installs and starts the bundle named by the {@value #BUNDLE_PROPERTY} system property. */
    public Bundle installBuiltBundle() {
        String path = System.getProperty(BUNDLE_PROPERTY);
        if (path == null) {
            throw new IllegalStateException("set -D" + BUNDLE_PROPERTY + "=<the built jar> (the plugin parent POM does this for *IT tests)");
        }
        return install(Path.of(path));
    }

    /** Installs and starts a bundle; a failure to start is thrown with the framework's reason. */
    public Bundle install(Path jar) {
        try (InputStream in = Files.newInputStream(jar)) {
            String name = new java.util.jar.JarFile(jar.toFile()).getManifest().getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME).split(";")[0];
            Bundle b = host.install(name, in);
            host.start(b);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (BundleException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Creates or replaces a configuration, as an admin's form would (values typed as Config Admin wants them). */
    public void configure(String pid, Map<String, ?> properties) {
        try {
            Dictionary<String, Object> props = new Hashtable<>(properties);
            host.configAdmin().getConfiguration(pid, "?").update(props);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a configuration; a component that requires one goes away. */
    public void deleteConfiguration(String pid) {
        try {
            Configuration[] found = host.configAdmin().listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
            if (found != null) {
                for (Configuration c : found) {
                    c.delete();
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the JSON Schema of a configuration form, as the admin API serves it */
    public Map<String, Object> configSchema(Bundle bundle, String pid) {
        MetaTypeInformation mti = host.metaType().getMetaTypeInformation(bundle);
        if (mti == null || !List.of(mti.getPids()).contains(pid)) {
            throw new IllegalArgumentException(bundle.getSymbolicName() + " describes no configuration " + pid);
        }
        return new ConfigSchema(pid, mti.getObjectClassDefinition(pid, null)).toJsonSchema();
    }

    /** Waits for a service of {@code type} matching {@code filter} (or any, if null). */
    public <T> T awaitService(Class<T> type, String filter, Duration timeout) {
        String f = "(" + Constants.OBJECTCLASS + "=" + type.getName() + ")";
        if (filter != null) {
            f = "(&" + f + filter + ")";
        }
        try {
            ServiceTracker<T, T> tracker = new ServiceTracker<>(host.context(), host.context().createFilter(f), null);
            tracker.open();
            try {
                T service = tracker.waitForService(timeout.toMillis());
                if (service == null) {
                    throw new AssertionError("no " + type.getSimpleName() + " service" + (filter == null ? "" : " matching " + filter) + " within " + timeout);
                }
                return service;
            } finally {
                tracker.close();
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the channel of this type. */
    public Channel awaitChannel(String type, Duration timeout) {
        return awaitService(Channel.class, "(" + Channel.TYPE + "=" + type + ")", timeout);
    }

    /** @return whether a service of {@code type} matching {@code filter} is registered now */
    public boolean hasService(Class<?> type, String filter) {
        try {
            ServiceReference<?>[] refs = host.context().getServiceReferences(type.getName(), filter);
            return refs != null && refs.length > 0;
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Puts a profile with this email (and a granted consent per purpose × channel given as "purpose:channel"). */
    public Customer customer(String email, String... consents) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<io.rapport.api.customer.Consent> granted = Stream.of(consents).map(pc -> pc.split(":", 2))
                .map(pc -> new io.rapport.api.customer.Consent(pc[0], pc[1], io.rapport.api.customer.ConsentStatus.GRANTED, "testkit", now)).toList();
        return customers.put(new Customer(UUID.randomUUID(), TENANT, email, null, null, null, null, null, null,
                List.of(new Identifier(IdentifierType.EMAIL, "", email)), Map.of(), Set.of(), granted, 0, BigDecimal.ZERO, now, now, null));
    }

    @Override
    public void close() {
        host.close();
        bus.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is not worth failing a test for
        }
    }
}
