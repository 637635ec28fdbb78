package io.rapport.core.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded Apache Felix with SCR, Config Admin and Metatype (and FileInstall when a drop folder is set): the
 * runtime that plugins live in. The host shares the kernel API, the OSGi service APIs and Camel's API with
 * plugins through the system bundle, registers kernel services for them, and tracks what they register.
 *
 * <p>This class knows nothing of the database; {@link Plugins} keeps the desired state and drives the host.
 */
public final class PluginHost implements AutoCloseable {

    /** Location prefix of bundles installed by the kernel on an admin's behalf; the rest is the symbolic name. */
    public static final String PLUGIN_LOCATION = "rapport:plugin:";
    /** Location prefix of the host's own infrastructure bundles. */
    static final String INFRA_LOCATION = "rapport:infra:";
    /** Class path folder holding the infrastructure bundles, copied there by the build. */
    static final String INFRA_FOLDER = "io/rapport/core/plugin/bundles/";
    /** Infrastructure bundles in start order; FileInstall only with a drop folder. */
    static final List<String> INFRA_BUNDLES = List.of("org.apache.felix.configadmin.jar", "org.apache.felix.metatype.jar",
            "org.apache.felix.scr.jar");
    static final String FILEINSTALL_BUNDLE = "org.apache.felix.fileinstall.jar";
    static final long STOP_TIMEOUT_MS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);

    /**
     * Where the host keeps its files.
     *
     * @param storageDir Felix's cache; wiped at every start, the kernel reinstalls from its database
     * @param dropDir    a folder FileInstall watches for jars and {@code .cfg} files, or null for none
     */
    public record Settings(Path storageDir, Path dropDir) {
    }

    private final Settings settings;
    private final Map<Long, String> failures = new ConcurrentHashMap<>();
    private final List<ServiceTracker<?, ?>> trackers = Collections.synchronizedList(new ArrayList<>());
    private Framework framework;
    private BundleContext context;
    private ConfigurationAdmin configAdmin;
    private MetaTypeService metaType;
    private ServiceComponentRuntime scr;

    public PluginHost(Settings settings) {
        this.settings = settings;
    }

    /** Starts Felix and its infrastructure bundles; plugins come later, once kernel services are registered. */
    public PluginHost start() {
        long t0 = System.nanoTime();
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(Constants.FRAMEWORK_STORAGE, settings.storageDir().toAbsolutePath().toString());
        cfg.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        cfg.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SystemPackages.exports(PluginHost.class.getClassLoader()));
        cfg.put("felix.service.urlhandlers", "false");
        cfg.put("felix.log.logger", new FelixLog());
        cfg.put("felix.log.level", "2");
        // Config Admin keeps nothing of its own worth keeping: the kernel re-applies configurations from its database
        cfg.put("felix.cm.dir", settings.storageDir().resolve("cm").toAbsolutePath().toString());
        if (settings.dropDir() != null) {
            cfg.put("felix.fileinstall.dir", settings.dropDir().toAbsolutePath().toString());
            cfg.put("felix.fileinstall.noInitialDelay", "true");
            cfg.put("felix.fileinstall.poll", "1000");
            cfg.put("felix.fileinstall.bundles.new.start", "true");
            cfg.put("felix.fileinstall.log.level", "2");
        }
        try {
            Files.createDirectories(settings.storageDir());
            framework = new FrameworkFactory().newFramework(cfg);
            framework.init();
            framework.start();
            context = framework.getBundleContext();
            List<Bundle> infra = new ArrayList<>();
            for (String name : INFRA_BUNDLES) {
                infra.add(installInfra(name));
            }
            for (Bundle b : infra) {
                b.start();
            }
        } catch (IOException | BundleException e) {
            throw new IllegalStateException("the plugin host did not start: " + e.getMessage(), e);
        }
        configAdmin = requireService(ConfigurationAdmin.class);
        metaType = requireService(MetaTypeService.class);
        scr = requireService(ServiceComponentRuntime.class);
        LOG.info("Plugin host (Felix {}) started in {} ms", framework.getVersion(), (System.nanoTime() - t0) / 1_000_000);
        return this;
    }

    /** Starts FileInstall on the drop folder, if there is one; call once plugins from the database are in. */
    public void startDropFolder() {
        if (settings.dropDir() == null) {
            return;
        }
        try {
            Files.createDirectories(settings.dropDir());
            installInfra(FILEINSTALL_BUNDLE).start();
            LOG.info("Watching {} for plugin jars and .cfg files", settings.dropDir().toAbsolutePath());
        } catch (IOException | BundleException e) {
            throw new IllegalStateException("cannot watch the plugin folder " + settings.dropDir() + ": " + e.getMessage(), e);
        }
    }

    private Bundle installInfra(String name) throws BundleException {
        InputStream in = PluginHost.class.getClassLoader().getResourceAsStream(INFRA_FOLDER + name);
        if (in == null) {
            throw new IllegalStateException("missing infrastructure bundle " + INFRA_FOLDER + name + " on the class path");
        }
        return context.installBundle(INFRA_LOCATION + name, in);
    }

    private <T> T requireService(Class<T> type) {
        ServiceReference<T> ref = context.getServiceReference(type);
        if (ref == null) {
            throw new IllegalStateException("the plugin host has no " + type.getSimpleName() + " service");
        }
        T service = context.getService(ref);
        if (service == null) {
            throw new IllegalStateException(type.getSimpleName() + " is registered but its class is not the host's: check the system packages");
        }
        return service;
    }

    public BundleContext context() {
        return context;
    }

    public ConfigurationAdmin configAdmin() {
        return configAdmin;
    }

    public MetaTypeService metaType() {
        return metaType;
    }

    public ServiceComponentRuntime scr() {
        return scr;
    }

    /** Registers a kernel service for plugins. */
    public <T> ServiceRegistration<T> register(Class<T> type, T service, Map<String, ?> properties) {
        Dictionary<String, Object> props = new Hashtable<>(properties);
        return context.registerService(type, service, props);
    }

    /**
     * Tracks plugin services of {@code type}: {@code added} runs for each one that appears and returns a handle
     * (or null to ignore it), {@code removed} runs with that handle when it goes. When a service's properties change,
     * it is removed and added again; what must not be missing meanwhile tracks with a {@link Retake} instead.
     */
    public <S, H> void track(Class<S> type, BiFunction<ServiceReference<S>, S, H> added, BiConsumer<ServiceReference<S>, H> removed) {
        track(type, added, (ref, service, old) -> {
            removed.accept(ref, old);
            // old is released already: if taking it fails, the service is simply no longer taken
            return take(type, added, ref, service);
        }, removed);
    }

    /** @return {@code added}'s handle for the service, or null if it refused it (logged) */
    private static <S, H> H take(Class<S> type, BiFunction<ServiceReference<S>, S, H> added, ServiceReference<S> ref, S service) {
        try {
            return added.apply(ref, service);
        } catch (RuntimeException e) {
            LOG.warn("Cannot take {} from bundle {}: {}", type.getSimpleName(), ref.getBundle().getSymbolicName(), e.getMessage(), e);
            return null;
        }
    }

    /** What to do when a tracked service's properties change: swap the old handle for a new one (or null to drop it). */
    @FunctionalInterface
    public interface Retake<S, H> {
        /**
         * @return the handle under the new properties, or null if the service is no longer taken (after releasing
         *         {@code old}). If it throws, {@code old} must still be held: the host then releases it.
         */
        H retake(ServiceReference<S> ref, S service, H old);
    }

    /** A tracked service's handle; {@code gone} once the service is removed, after which nothing takes it again. */
    private static final class Held<H> {
        H handle;
        boolean gone;

        Held(H handle) {
            this.handle = handle;
        }
    }

    /**
     * Like {@link #track(Class, BiFunction, BiConsumer)}, but a service whose properties change goes through
     * {@code retake}, which can swap it in place: a channel whose configuration changes stays available throughout.
     * A service's changes and its removal are handled one at a time.
     */
    public <S, H> void track(Class<S> type, BiFunction<ServiceReference<S>, S, H> added, Retake<S, H> retake,
                             BiConsumer<ServiceReference<S>, H> removed) {
        ServiceTracker<S, Held<H>> tracker = new ServiceTracker<>(context, type, new ServiceTrackerCustomizer<>() {
            @Override
            public Held<H> addingService(ServiceReference<S> ref) {
                S service = context.getService(ref);
                H handle = service == null ? null : take(type, added, ref, service);
                if (handle == null) {
                    if (service != null) {
                        context.ungetService(ref);
                    }
                    return null;
                }
                return new Held<>(handle);
            }

            @Override
            public void modifiedService(ServiceReference<S> ref, Held<H> held) {
                // the service's properties changed (its event types, its channel type, its configuration)
                synchronized (held) {
                    if (held.gone) {
                        return;
                    }
                    S service = context.getService(ref);
                    try {
                        H old = held.handle;
                        H now;
                        if (service == null) {
                            now = null;
                            if (old != null) {
                                removed.accept(ref, old);
                            }
                        } else if (old == null) {
                            now = take(type, added, ref, service);
                        } else {
                            try {
                                now = retake.retake(ref, service, old);
                            } catch (RuntimeException e) {
                                LOG.warn("Cannot take {} from bundle {} again: {}", type.getSimpleName(), ref.getBundle().getSymbolicName(), e.getMessage(),
                                        e);
                                now = null;
                                removed.accept(ref, old);
                            }
                        }
                        held.handle = now;
                    } finally {
                        if (service != null) {
                            context.ungetService(ref);
                        }
                    }
                }
            }

            @Override
            public void removedService(ServiceReference<S> ref, Held<H> held) {
                try {
                    synchronized (held) {
                        H h = held.handle;
                        held.handle = null;
                        held.gone = true;
                        if (h != null) {
                            removed.accept(ref, h);
                        }
                    }
                } finally {
                    context.ungetService(ref);
                }
            }

        });
        tracker.open();
        trackers.add(tracker);
    }

    /** @return the plugin bundles: everything but the framework and the host's infrastructure */
    public List<Bundle> plugins() {
        List<Bundle> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() != 0 && !b.getLocation().startsWith(INFRA_LOCATION)) {
                out.add(b);
            }
        }
        return out;
    }

    public Optional<Bundle> plugin(String symbolicName) {
        return plugins().stream().filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst();
    }

    /** Installs a plugin from {@code in} under the kernel's location for {@code symbolicName}. */
    public Bundle install(String symbolicName, InputStream in) throws BundleException {
        return context.installBundle(PLUGIN_LOCATION + symbolicName, in);
    }

    /** Starts a plugin; on failure remembers the framework's reason in plain words and rethrows. */
    public void start(Bundle bundle) throws BundleException {
        try {
            bundle.start();
            failures.remove(bundle.getBundleId());
        } catch (BundleException e) {
            failures.put(bundle.getBundleId(), Failures.explain(e));
            throw e;
        }
    }

    public void stop(Bundle bundle) throws BundleException {
        failures.remove(bundle.getBundleId());
        bundle.stop();
    }

    /** Replaces a plugin's code; the bundle keeps its id and its configurations. */
    public void update(Bundle bundle, InputStream in) throws BundleException {
        failures.remove(bundle.getBundleId());
        bundle.update(in);
        refresh();
    }

    public void uninstall(Bundle bundle) throws BundleException {
        failures.remove(bundle.getBundleId());
        bundle.uninstall();
        refresh();
    }

    /** @return why the plugin last failed to start, in plain words, if it did */
    public Optional<String> failure(Bundle bundle) {
        return Optional.ofNullable(failures.get(bundle.getBundleId()));
    }

    /** Drops the wiring of updated or uninstalled bundles, so that their old class loaders can go. */
    void refresh() {
        FrameworkWiring wiring = framework.adapt(FrameworkWiring.class);
        if (wiring.getRemovalPendingBundles().isEmpty()) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(null, event -> done.countDown());
        try {
            if (!done.await(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("Refreshing bundles took more than {} ms", STOP_TIMEOUT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (framework == null) {
            return;
        }
        synchronized (trackers) {
            trackers.forEach(ServiceTracker::close);
            trackers.clear();
        }
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(STOP_TIMEOUT_MS);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                LOG.warn("The plugin host did not stop within {} ms", STOP_TIMEOUT_MS);
            }
        } catch (BundleException e) {
            LOG.warn("The plugin host did not stop cleanly", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        framework = null;
        LOG.info("Plugin host stopped");
    }

    /** Felix's own log, into the kernel's. */
    private static final class FelixLog extends org.apache.felix.framework.Logger {
        @Override
        protected void doLog(int level, String msg, Throwable throwable) {
            if (level <= LOG_ERROR) {
                LOG.error("Felix: {}", msg, throwable);
            } else if (level == LOG_WARNING) {
                LOG.warn("Felix: {}", msg, throwable);
            } else {
                LOG.debug("Felix: {}", msg, throwable);
            }
        }
    }
}
