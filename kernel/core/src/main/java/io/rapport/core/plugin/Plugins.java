package io.rapport.core.plugin;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import io.rapport.core.db.Db;
import io.rapport.core.json.Json;
import io.rapport.core.security.AccessStore;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.channel.Channel;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What admins do with plugins: install, start, stop, update, uninstall, configure. The database holds the
 * desired state (jars, started or not, configurations); the {@link PluginHost} is brought to it at start and
 * after every change, so that a restart, or another node, ends up with the same plugins.
 */
public final class Plugins {

    /** Where a plugin came from. */
    public enum Source {
        /** Uploaded through the admin API; kept in the database. */
        UPLOAD,
        /** Dropped into the plugin folder; FileInstall owns it. */
        FOLDER
    }

    /** One component of a plugin, as SCR sees it. */
    public record Component(String name, List<String> pids, String configurationPolicy, boolean configured, String state, String failure,
                            List<String> services) {
    }

    /** A plugin as an admin sees it. */
    public record Info(String symbolicName, String version, String name, String description, Source source, String state, boolean configured,
                       List<String> services, List<Component> components, String failure) {
    }

    /** A configuration as an admin sees it; passwords are never shown, only whether they are set. */
    public record ConfigView(String pid, String plugin, Map<String, Object> properties, Set<String> passwordsSet, boolean fromFile) {
    }

    /** Whose settings a tenant's channel sends with. */
    public enum Scope {
        /** The tenant's own. */
        TENANT,
        /** The server-wide ones, which the operator keeps; the tenant does not see them. */
        SERVER,
        /** None: the channel cannot send the tenant's messages. */
        NONE
    }

    /**
     * What a tenant may keep settings of its own for: components that declare {@code property} (a channel's type, a
     * connector's name) in their component properties.
     *
     * @param what how an admin calls it, for messages: "channel type", "connector"
     */
    public record Offering(String property, String what) {
    }

    /** Channels: a tenant's own mail server, SMS account, webhook. */
    public static final Offering CHANNELS = new Offering(Channel.TYPE, "channel type");
    /** Connectors that take a tenant's own account (an API sync), never a server's folder. */
    public static final Offering CONNECTORS = new Offering(io.rapport.api.imports.ImportService.CONNECTOR, "connector");

    /**
     * A component's settings as a tenant's admin sees them: their own only, passwords never shown.
     *
     * @param name    the channel type or connector name
     * @param pid     the plugin's configuration PID; the tenant's own configuration is {@link #tenantPid(String, UUID)}
     * @param running whether a component instance runs with the tenant's own settings now
     */
    public record TenantSettings(String name, String pid, String plugin, Scope scope, boolean running, Map<String, Object> properties,
                                 Set<String> passwordsSet) {
    }

    /** A plugin's states, as the API and the console show them. */
    public static final String STATE_ACTIVE = "active";
    public static final String STATE_STOPPED = "stopped";
    public static final String STATE_STARTING = "starting";
    public static final String STATE_FAILED = "failed";
    public static final String STATE_INSTALLED = "installed";

    static final String CONFIG_ADMIN_PACKAGE = "org.osgi.service.cm.";
    /** Between a factory PID and the name of one of its configurations (Config Admin 1.6). */
    static final String FACTORY_SEPARATOR = "~";
    /** The name of a channel's server-wide factory configuration, beside tenants' own ({@code <pid>~<tenant id>}). */
    public static final String SHARED = "shared";
    /** Key of the typed JSON of a stored configuration value that marks a password. */
    static final String PASSWORD_MARK = "password";

    private static final Logger LOG = LoggerFactory.getLogger(Plugins.class);
    private static final int MAX_NAME = 200;

    private final Db db;
    private final Clock clock;
    private final PluginHost host;
    private final AccessStore access;

    public Plugins(Db db, Clock clock, PluginHost host, AccessStore access) {
        this.db = db;
        this.clock = clock;
        this.host = host;
        this.access = access;
    }

    public PluginHost host() {
        return host;
    }

    // --- desired state -----------------------------------------------------------------------------------

    /** Brings the host to the database's state: configurations first, then the jars, then the starts. */
    public void restore() {
        for (Map.Entry<String, Dictionary<String, Object>> e : storedConfigs().entrySet()) {
            try {
                cmConfig(e.getKey()).update(e.getValue());
            } catch (IOException | RuntimeException ex) {
                // one bad row must not keep the server from starting
                LOG.error("Cannot restore the configuration {}: {}", e.getKey(), ex.getMessage());
            }
        }
        record Stored(String name, byte[] jar, boolean started) {
        }
        List<Stored> stored = db.read(c -> {
            List<Stored> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT symbolic_name, jar, started FROM plugin ORDER BY installed_at");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Stored(rs.getString(1), rs.getBytes(2), rs.getBoolean(3)));
                }
            }
            return out;
        });
        List<Bundle> toStart = new ArrayList<>();
        for (Stored s : stored) {
            try {
                Bundle b = host.install(s.name(), new ByteArrayInputStream(s.jar()));
                if (s.started()) {
                    toStart.add(b);
                }
            } catch (BundleException e) {
                LOG.error("Cannot reinstall plugin {}: {}", s.name(), e.getMessage());
            }
        }
        for (Bundle b : toStart) {
            try {
                host.start(b);
            } catch (BundleException e) {
                LOG.warn("Plugin {} did not start: {}", b.getSymbolicName(), host.failure(b).orElse(e.getMessage()));
            }
        }
        LOG.info("Restored {} plugins ({} started) and their configurations", stored.size(), toStart.size());
    }

    // --- reading -----------------------------------------------------------------------------------------

    public List<Info> list() {
        List<Info> out = new ArrayList<>();
        for (Bundle b : host.plugins()) {
            out.add(info(b));
        }
        out.sort(java.util.Comparator.comparing(i -> String.valueOf(i.symbolicName())));
        return out;
    }

    public Info get(String symbolicName) {
        return info(bundle(symbolicName));
    }

    private Bundle bundle(String symbolicName) {
        return host.plugin(symbolicName).orElseThrow(() -> new NotFoundException("no plugin " + symbolicName + " is installed"));
    }

    private Info info(Bundle b) {
        List<Component> components = components(b);
        List<String> services = new ArrayList<>();
        ServiceReference<?>[] refs = b.getRegisteredServices();
        if (refs != null) {
            for (ServiceReference<?> r : refs) {
                for (String type : (String[]) r.getProperty(Constants.OBJECTCLASS)) {
                    // SCR registers Config Admin listeners in the plugin's name: they are not what the plugin offers
                    if (!type.startsWith(CONFIG_ADMIN_PACKAGE) && !services.contains(type)) {
                        services.add(type);
                    }
                }
            }
        }
        String failure = host.failure(b).orElse(null);
        if (failure == null) {
            failure = components.stream().filter(c -> c.failure() != null).map(c -> c.name() + ": " + c.failure()).findFirst().orElse(null);
        }
        String state = switch (b.getState()) {
            case Bundle.ACTIVE -> STATE_ACTIVE;
            case Bundle.STARTING -> STATE_STARTING;
            case Bundle.INSTALLED -> host.failure(b).isPresent() ? STATE_FAILED : STATE_INSTALLED;
            default -> host.failure(b).isPresent() ? STATE_FAILED : STATE_STOPPED;
        };
        if (failure != null && b.getState() == Bundle.ACTIVE) {
            state = STATE_FAILED;
        }
        boolean configured = components.stream().filter(c -> "REQUIRE".equals(c.configurationPolicy())).allMatch(Component::configured)
                && components.stream().anyMatch(Component::configured);
        Dictionary<String, String> h = b.getHeaders();
        Source source = b.getLocation().startsWith(PluginHost.PLUGIN_LOCATION) ? Source.UPLOAD : Source.FOLDER;
        return new Info(b.getSymbolicName(), b.getVersion().toString(), h.get(Constants.BUNDLE_NAME), h.get(Constants.BUNDLE_DESCRIPTION), source,
                state, configured, services, components, failure);
    }

    private List<Component> components(Bundle b) {
        List<Component> out = new ArrayList<>();
        for (ComponentDescriptionDTO d : host.scr().getComponentDescriptionDTOs(b)) {
            boolean configured = false;
            for (String pid : d.configurationPid) {
                configured |= configuration(pid).isPresent() || !factoryConfigurations(pid).isEmpty();
            }
            String state = "disabled";
            String failure = null;
            if (host.scr().isComponentEnabled(d)) {
                Collection<ComponentConfigurationDTO> configs = host.scr().getComponentConfigurationDTOs(d);
                if (configs.isEmpty()) {
                    state = "require".equalsIgnoreCase(d.configurationPolicy) ? "waiting for configuration" : "waiting";
                }
                for (ComponentConfigurationDTO cc : configs) {
                    state = componentState(cc.state);
                    if (cc.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                        failure = "activation failed: " + Failures.componentFailure(cc.failure);
                    }
                }
            }
            out.add(new Component(d.name, List.of(d.configurationPid), String.valueOf(d.configurationPolicy).toUpperCase(java.util.Locale.ROOT),
                    configured, state, failure, List.of(d.serviceInterfaces)));
        }
        return out;
    }

    private static String componentState(int state) {
        return switch (state) {
            case ComponentConfigurationDTO.ACTIVE -> "active";
            case ComponentConfigurationDTO.SATISFIED -> "satisfied";
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "waiting for configuration";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "waiting for a service";
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> "failed";
            default -> "unknown";
        };
    }

    // --- changing ----------------------------------------------------------------------------------------

    /**
     * Installs a plugin from an uploaded jar.
     *
     * @throws InvalidInputException if the bytes are not an OSGi bundle
     * @throws ConflictException     if a plugin with the same symbolic name is installed
     */
    public synchronized Info install(byte[] jar, boolean start, UUID tenantId, String actor) {
        Manifest mf = manifest(jar);
        String name = symbolicName(mf);
        if (host.plugin(name).isPresent() || stored(name)) {
            throw new ConflictException("/", "plugin " + name + " is already installed; update it instead (PUT /api/v1/admin/plugins/" + name + ")");
        }
        Bundle b;
        try {
            b = host.install(name, new ByteArrayInputStream(jar));
        } catch (BundleException e) {
            throw new InvalidInputException("/", "the framework refused the bundle: " + e.getMessage());
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        try {
            db.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO plugin (symbolic_name, version, jar, sha256, started, installed_by, installed_at, updated_at) "
                        + "VALUES (?,?,?,?,?,?,?,?)")) {
                    ps.setString(1, name);
                    ps.setString(2, b.getVersion().toString());
                    ps.setBytes(3, jar);
                    ps.setString(4, sha256(jar));
                    ps.setBoolean(5, start);
                    ps.setString(6, actor);
                    ps.setObject(7, now);
                    ps.setObject(8, now);
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (RuntimeException e) {
            uninstallQuietly(b);
            throw e;
        }
        access.audit(tenantId, actor, "plugin.installed", name, "version " + b.getVersion() + ", sha256 " + sha256(jar));
        if (start) {
            startBundle(b);
        }
        return info(b);
    }

    public Info start(String symbolicName, UUID tenantId, String actor) {
        Bundle b = bundle(symbolicName);
        setStarted(b, true);
        access.audit(tenantId, actor, "plugin.started", symbolicName, null);
        startBundle(b);
        return info(b);
    }

    private void startBundle(Bundle b) {
        try {
            host.start(b);
        } catch (BundleException e) {
            // the failure is part of the plugin's state, shown by info(); the desired state stays "started"
            LOG.warn("Plugin {} did not start: {}", b.getSymbolicName(), host.failure(b).orElse(e.getMessage()));
        } catch (IllegalStateException e) {
            throw new ConflictException("/", "plugin " + b.getSymbolicName() + " was uninstalled meanwhile");
        }
    }

    public Info stop(String symbolicName, UUID tenantId, String actor) {
        Bundle b = bundle(symbolicName);
        setStarted(b, false);
        try {
            host.stop(b);
        } catch (BundleException e) {
            LOG.warn("Plugin {} did not stop cleanly: {}", symbolicName, e.getMessage());
        }
        access.audit(tenantId, actor, "plugin.stopped", symbolicName, null);
        return info(b);
    }

    /** Replaces a plugin's jar with a new version; its configurations stay. */
    public synchronized Info update(String symbolicName, byte[] jar, UUID tenantId, String actor) {
        Bundle b = bundle(symbolicName);
        Manifest mf = manifest(jar);
        String name = symbolicName(mf);
        if (!name.equals(symbolicName)) {
            throw new InvalidInputException("/", "the jar is " + name + ", not " + symbolicName + "; install it as a plugin of its own");
        }
        String from = b.getVersion().toString();
        try {
            host.update(b, new ByteArrayInputStream(jar));
        } catch (BundleException e) {
            throw new InvalidInputException("/", "the framework refused the new version: " + Failures.explain(e));
        }
        if (isUpload(b)) {
            db.tx(c -> Db.update(c, "UPDATE plugin SET version = ?, jar = ?, sha256 = ?, updated_at = ? WHERE symbolic_name = ?",
                    b.getVersion().toString(), jar, sha256(jar), OffsetDateTime.now(clock), name));
        }
        access.audit(tenantId, actor, "plugin.updated", name, from + " -> " + b.getVersion() + ", sha256 " + sha256(jar));
        if (b.getState() != Bundle.ACTIVE && wantsStarted(b)) {
            startBundle(b);
        }
        return info(b);
    }

    /** Removes a plugin; its configurations stay, so that a reinstall finds them. */
    public synchronized void uninstall(String symbolicName, UUID tenantId, String actor) {
        Bundle b = bundle(symbolicName);
        try {
            host.uninstall(b);
        } catch (BundleException e) {
            throw new ConflictException("/", "the framework could not uninstall " + symbolicName + ": " + e.getMessage());
        }
        db.tx(c -> Db.update(c, "DELETE FROM plugin WHERE symbolic_name = ?", symbolicName));
        access.audit(tenantId, actor, "plugin.uninstalled", symbolicName, null);
    }

    /** @return whether the database holds this plugin (another node may have installed it) */
    private boolean stored(String symbolicName) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM plugin WHERE symbolic_name = ?")) {
                ps.setString(1, symbolicName);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    private boolean isUpload(Bundle b) {
        return b.getLocation().startsWith(PluginHost.PLUGIN_LOCATION);
    }

    private boolean wantsStarted(Bundle b) {
        if (!isUpload(b)) {
            return true;
        }
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT started FROM plugin WHERE symbolic_name = ?")) {
                ps.setString(1, b.getSymbolicName());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        });
    }

    private void setStarted(Bundle b, boolean started) {
        if (!isUpload(b)) {
            return;
        }
        db.tx(c -> Db.update(c, "UPDATE plugin SET started = ?, updated_at = ? WHERE symbolic_name = ?", started, OffsetDateTime.now(clock),
                b.getSymbolicName()));
    }

    private void uninstallQuietly(Bundle b) {
        try {
            host.uninstall(b);
        } catch (BundleException | IllegalStateException e) {
            LOG.warn("Cannot undo the install of {}: {}", b.getSymbolicName(), e.getMessage());
        }
    }

    // --- configuration -----------------------------------------------------------------------------------

    /** @return the form of a configuration, from the Metatype of the plugin that declares the PID */
    public ConfigSchema schema(String pid) {
        // a factory configuration (a tenant's own, say) has the form of its factory PID
        String base = basePid(pid);
        for (Bundle b : host.plugins()) {
            MetaTypeInformation mti = host.metaType().getMetaTypeInformation(b);
            if (mti != null && (List.of(mti.getPids()).contains(base) || List.of(mti.getFactoryPids()).contains(base))) {
                ObjectClassDefinition ocd = mti.getObjectClassDefinition(base, null);
                return new ConfigSchema(pid, ocd);
            }
        }
        throw new NotFoundException("no installed plugin describes the configuration " + pid);
    }

    private Optional<ConfigSchema> schemaIfAny(String pid) {
        try {
            return Optional.of(schema(pid));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /** @return every configuration PID that a plugin declares or that exists, with its owner */
    public List<Map<String, Object>> configurations() {
        List<Map<String, Object>> out = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (Bundle b : host.plugins()) {
            for (ComponentDescriptionDTO d : host.scr().getComponentDescriptionDTOs(b)) {
                for (String pid : d.configurationPid) {
                    if (seen.add(pid)) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("pid", pid);
                        m.put("plugin", b.getSymbolicName());
                        m.put("component", d.name);
                        m.put("configured", configuration(pid).isPresent());
                        m.put("hasForm", schemaIfAny(pid).isPresent());
                        out.add(m);
                        for (Configuration f : factoryConfigurations(pid)) {
                            Map<String, Object> fm = new LinkedHashMap<>(m);
                            fm.put("pid", f.getPid());
                            fm.put("configured", true);
                            UUID t = tenantOf(f.getPid());
                            if (t != null) {
                                fm.put("tenant", t.toString());
                            }
                            out.add(fm);
                        }
                    }
                }
            }
        }
        return out;
    }

    private List<Configuration> factoryConfigurations(String factoryPid) {
        try {
            Configuration[] found = host.configAdmin().listConfigurations("(service.factoryPid=" + escapeFilter(factoryPid) + ")");
            List<Configuration> out = new ArrayList<>(found == null ? List.of() : List.of(found));
            out.sort(java.util.Comparator.comparing(Configuration::getPid));
            return out;
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException("Config Admin cannot list " + factoryPid + ": " + e.getMessage(), e);
        }
    }

    // --- a tenant's own channel settings -------------------------------------------------------------------

    /** @return the PID of the tenant's own configuration of the plugin whose configuration is {@code pid} */
    public static String tenantPid(String pid, UUID tenantId) {
        return pid + FACTORY_SEPARATOR + tenantId;
    }

    /** @return the tenant a configuration PID is the own configuration of, or null for a server-wide one */
    static UUID tenantOf(String pid) {
        int i = pid.indexOf(FACTORY_SEPARATOR);
        if (i < 0) {
            return null;
        }
        try {
            return UUID.fromString(pid.substring(i + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** @return the factory PID of a factory configuration's PID ({@code factory~name}), or the PID itself */
    public static String basePid(String pid) {
        int i = pid.indexOf(FACTORY_SEPARATOR);
        return i < 0 ? pid : pid.substring(0, i);
    }

    /** @return the configuration PID of the plugin component that offers this name, with its plugin */
    private Map.Entry<String, String> componentPid(Offering offering, String name) {
        for (Bundle b : host.plugins()) {
            for (ComponentDescriptionDTO d : host.scr().getComponentDescriptionDTOs(b)) {
                if (d.properties != null && name.equals(d.properties.get(offering.property())) && d.configurationPid.length > 0) {
                    return Map.entry(d.configurationPid[0], b.getSymbolicName());
                }
            }
        }
        throw new NotFoundException("no installed plugin provides the " + offering.what() + " " + name);
    }

    /** @return whether a component runs (satisfied or active) with the configuration {@code pid} */
    private boolean running(String pid) {
        String base = basePid(pid);
        for (Bundle b : host.plugins()) {
            for (ComponentDescriptionDTO d : host.scr().getComponentDescriptionDTOs(b)) {
                if (List.of(d.configurationPid).contains(base) && host.scr().getComponentConfigurationDTOs(d).stream()
                        .anyMatch(cc -> pid.equals(cc.properties.get(Constants.SERVICE_PID)) && (cc.state == ComponentConfigurationDTO.ACTIVE
                                || cc.state == ComponentConfigurationDTO.SATISFIED))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** @return the {@link Channel#TYPE} of each configuration PID whose component declares one */
    public Map<String, String> channelTypesByPid() {
        return namesByPid(CHANNELS);
    }

    /** @return the name (channel type, connector name) of each configuration PID whose component offers one */
    public Map<String, String> namesByPid(Offering offering) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Bundle b : host.plugins()) {
            for (ComponentDescriptionDTO d : host.scr().getComponentDescriptionDTOs(b)) {
                if (d.properties != null && d.properties.get(offering.property()) instanceof String type) {
                    for (String pid : d.configurationPid) {
                        out.putIfAbsent(pid, type);
                    }
                }
            }
        }
        return out;
    }

    /** @return the tenant's view of a component's settings: its own, or only that the server's (or none) apply */
    public TenantSettings tenantSettings(UUID tenantId, Offering offering, String name) {
        Map.Entry<String, String> p = componentPid(offering, name);
        String own = tenantPid(p.getKey(), tenantId);
        if (configuration(own).isPresent()) {
            ConfigView v = readConfig(own);
            Map<String, Object> props = new LinkedHashMap<>(v.properties());
            props.remove(Channel.TENANT);
            return new TenantSettings(name, p.getKey(), p.getValue(), Scope.TENANT, running(own), props, v.passwordsSet());
        }
        boolean serverWide = configuration(p.getKey()).isPresent()
                || factoryConfigurations(p.getKey()).stream().anyMatch(f -> tenantOf(f.getPid()) == null);
        return new TenantSettings(name, p.getKey(), p.getValue(), serverWide ? Scope.SERVER : Scope.NONE, false, Map.of(), Set.of());
    }

    /** @return the form of a component's settings */
    public ConfigSchema tenantSchema(Offering offering, String name) {
        return schema(componentPid(offering, name).getKey());
    }

    /**
     * Writes the tenant's own settings of a component, checked against the plugin's form; from then on an instance
     * of the component runs with them for this tenant (its messages, its sync), and for no other tenant.
     *
     * @return whether the tenant had no settings of its own before
     */
    public synchronized boolean writeTenantSettings(UUID tenantId, Offering offering, String name, Map<String, Object> input, String actor) {
        String pid = componentPid(offering, name).getKey();
        if (configuration(pid).isPresent()) {
            moveToShared(pid, tenantId, actor);
        }
        return writeConfig(tenantPid(pid, tenantId), input, tenantId, actor);
    }

    /**
     * Moves a channel's server-wide settings from the single configuration {@code pid} to the factory configuration
     * {@code pid~shared}, which can live beside tenants' own. The channel is gone for the moment between the two.
     */
    private void moveToShared(String pid, UUID tenantId, String actor) {
        String shared = pid + FACTORY_SEPARATOR + SHARED;
        Configuration single = configuration(pid).orElseThrow();
        Dictionary<String, Object> props = new Hashtable<>();
        for (String k : java.util.Collections.list(single.getProperties().keys())) {
            if (!ConfigSchema.FRAMEWORK_PROPERTIES.contains(k)) {
                props.put(k, single.getProperties().get(k));
            }
        }
        db.tx(c -> {
            Db.update(c, "UPDATE plugin_config SET pid = ? WHERE pid = ?", shared, pid);
            try {
                // the single one first: SCR refuses factory configurations of a PID while it holds a single one, and it
                // learns of the deletion asynchronously
                single.delete();
                awaitReleased(pid);
                cmConfig(shared).update(props);
            } catch (IOException e) {
                throw new IllegalStateException("Config Admin could not move " + pid + " to " + shared + ": " + e.getMessage(), e);
            }
            return null;
        });
        access.audit(tenantId, actor, "config.moved", pid, "to " + shared + ", so that tenants can have their own");
        LOG.info("The server-wide configuration {} is now {}, beside tenants' own", pid, shared);
    }

    /** Waits (a few seconds at most) until no component runs with the single configuration {@code pid}. */
    private void awaitReleased(String pid) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            boolean held = false;
            for (Bundle b : host.plugins()) {
                for (ComponentDescriptionDTO d : host.scr().getComponentDescriptionDTOs(b)) {
                    if (List.of(d.configurationPid).contains(pid)) {
                        held |= host.scr().getComponentConfigurationDTOs(d).stream().anyMatch(cc -> pid.equals(cc.properties.get(Constants.SERVICE_PID)));
                    }
                }
            }
            if (!held) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10));
        }
        LOG.warn("A component still runs with the configuration {} after its deletion", pid);
    }

    /** Deletes the tenant's own settings of a component: it falls back on the server-wide settings, if any. */
    public void deleteTenantSettings(UUID tenantId, Offering offering, String name, String actor) {
        String own = tenantPid(componentPid(offering, name).getKey(), tenantId);
        if (configuration(own).isEmpty()) {
            throw new NotFoundException("this tenant has no settings of its own for the " + offering.what() + " " + name);
        }
        deleteConfig(own, tenantId, actor);
    }

    /** The Config Admin object of a PID: a factory configuration for {@code factory~name}, a singleton otherwise. */
    private Configuration cmConfig(String pid) throws IOException {
        int i = pid.indexOf(FACTORY_SEPARATOR);
        return i < 0 ? host.configAdmin().getConfiguration(pid, "?")
                : host.configAdmin().getFactoryConfiguration(pid.substring(0, i), pid.substring(i + 1), "?");
    }

    public ConfigView readConfig(String pid) {
        Configuration cfg = configuration(pid).orElseThrow(() -> new NotFoundException("the configuration " + pid + " does not exist"));
        // the form names the passwords; the stored marks keep them hidden once the plugin that has the form is gone
        Dictionary<String, Object> props = cfg.getProperties();
        Set<String> passwords = new TreeSet<>(schemaIfAny(pid).map(ConfigSchema::passwords).orElseGet(() -> secretLooking(props)));
        passwords.addAll(storedPasswordKeys(pid));
        Set<String> set = new TreeSet<>();
        for (String p : passwords) {
            if (props.get(p) != null) {
                set.add(p);
            }
        }
        return new ConfigView(pid, owner(pid).orElse(null), ConfigSchema.readable(props, passwords), set, props.get("felix.fileinstall.filename") != null);
    }

    /**
     * Writes a configuration, checked against the plugin's form when it has one. Creating a configuration enables
     * a component that requires one; changing it reconfigures the component live.
     *
     * @return whether the configuration was created (rather than changed)
     */
    public boolean writeConfig(String pid, Map<String, Object> input, UUID tenantId, String actor) {
        checkPid(pid);
        for (String k : input.keySet()) {
            if (k.equalsIgnoreCase(Channel.TENANT)) {
                throw new InvalidInputException("/" + k, "is set by the kernel: a tenant's configuration is the PID <pid>~<tenant id>");
            }
        }
        UUID owner = tenantOf(pid);
        if (owner != null && access.tenant(owner).isEmpty()) {
            throw new InvalidInputException("/pid", "names the tenant " + owner + ", which does not exist");
        }
        // Declarative Services takes either one configuration of a PID or factory configurations of it, never both
        String base = basePid(pid);
        if (base.equals(pid) && !factoryConfigurations(pid).isEmpty()) {
            throw new ConflictException("/pid", pid + " has factory configurations (" + factoryConfigurations(pid).stream().map(Configuration::getPid)
                    .toList() + "): write its server-wide settings as " + base + FACTORY_SEPARATOR + SHARED);
        }
        if (!base.equals(pid) && configuration(base).isPresent()) {
            throw new ConflictException("/pid", base + " is configured as a single configuration: delete it, or write its values as "
                    + base + FACTORY_SEPARATOR + SHARED + " instead, before adding factory configurations");
        }
        Optional<Configuration> existing = configuration(pid);
        Dictionary<String, Object> previous = existing.map(Configuration::getProperties).orElse(null);
        Optional<ConfigSchema> schema = schemaIfAny(pid);
        Dictionary<String, Object> props = schema.isPresent() ? schema.get().validate(input, previous) : untyped(input);
        if (owner != null) {
            props.put(Channel.TENANT, owner.toString());
        }
        db.tx(c -> {
            Set<String> passwords = schema.map(ConfigSchema::passwords).orElseGet(() -> secretLooking(props));
            passwords.addAll(storedPasswordKeys(c, pid));
            String json = Json.writeMap(typedJson(props, passwords));
            try (PreparedStatement up = c.prepareStatement("UPDATE plugin_config SET properties = ?, updated_by = ?, updated_at = ? WHERE pid = ?")) {
                up.setString(1, json);
                up.setString(2, actor);
                up.setObject(3, OffsetDateTime.now(clock));
                up.setString(4, pid);
                if (up.executeUpdate() == 0) {
                    try (PreparedStatement in = c.prepareStatement("INSERT INTO plugin_config (pid, properties, updated_by, updated_at) VALUES (?,?,?,?)")) {
                        in.setString(1, pid);
                        in.setString(2, json);
                        in.setString(3, actor);
                        in.setObject(4, OffsetDateTime.now(clock));
                        in.executeUpdate();
                    }
                }
            }
            // inside the transaction: if Config Admin refuses the values, the row is not stored either
            try {
                cmConfig(pid).update(props);
            } catch (IOException | IllegalArgumentException e) {
                throw new InvalidInputException("/", "Config Admin refused the configuration: " + e.getMessage());
            }
            return null;
        });
        Set<String> keys = new TreeSet<>(java.util.Collections.list(props.keys()));
        access.audit(tenantId, actor, existing.isPresent() ? "config.updated" : "config.created", pid, "keys " + keys);
        return existing.isEmpty();
    }

    /** Deletes a configuration; a component that requires one is disabled. */
    public void deleteConfig(String pid, UUID tenantId, String actor) {
        Configuration cfg = configuration(pid).orElseThrow(() -> new NotFoundException("the configuration " + pid + " does not exist"));
        db.tx(c -> Db.update(c, "DELETE FROM plugin_config WHERE pid = ?", pid));
        try {
            cfg.delete();
        } catch (IOException e) {
            throw new IllegalStateException("Config Admin could not delete " + pid + ": " + e.getMessage(), e);
        }
        access.audit(tenantId, actor, "config.deleted", pid, null);
    }

    private Optional<Configuration> configuration(String pid) {
        try {
            Configuration[] found = host.configAdmin().listConfigurations("(" + Constants.SERVICE_PID + "=" + escapeFilter(pid) + ")");
            return found == null || found.length == 0 ? Optional.empty() : Optional.of(found[0]);
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException("Config Admin cannot list " + pid + ": " + e.getMessage(), e);
        }
    }

    private Optional<String> owner(String pid) {
        String base = basePid(pid);
        for (Bundle b : host.plugins()) {
            for (ComponentDescriptionDTO d : host.scr().getComponentDescriptionDTOs(b)) {
                if (List.of(d.configurationPid).contains(base)) {
                    return Optional.of(b.getSymbolicName());
                }
            }
        }
        return Optional.empty();
    }

    private static void checkPid(String pid) {
        if (pid == null || pid.length() > 300 || !pid.matches("[A-Za-z0-9_.\\-]+(~[A-Za-z0-9_.\\-]+)?")) {
            throw new InvalidInputException("/pid", "a configuration PID is made of letters, digits, '.', '-' and '_', "
                    + "and a factory configuration's is <factory PID>~<name>");
        }
    }

    private static String escapeFilter(String s) {
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }

    /** Without a form, keys that name a secret are treated as passwords: never shown. */
    static final java.util.regex.Pattern SECRET_KEY = java.util.regex.Pattern.compile("(?i).*(secret|password|passwd|token|apikey|api_key|credential).*");

    static Set<String> secretLooking(Dictionary<String, Object> props) {
        Set<String> out = new TreeSet<>();
        for (String k : java.util.Collections.list(props.keys())) {
            if (SECRET_KEY.matcher(k).matches()) {
                out.add(k);
            }
        }
        return out;
    }

    /** Values for a configuration without a form: JSON types mapped to Config Admin's. */
    private static Dictionary<String, Object> untyped(Map<String, Object> input) {
        Hashtable<String, Object> out = new Hashtable<>();
        Set<String> lower = new java.util.HashSet<>();
        for (String k : input.keySet()) {
            // Config Admin's keys are case-insensitive and never empty
            if (k.isBlank() || k.length() > 200 || !lower.add(k.toLowerCase(java.util.Locale.ROOT))) {
                throw new InvalidInputException("/" + k, "a setting's name must be non-empty, at most 200 characters, and differ from the others in more than case");
            }
        }
        for (Map.Entry<String, Object> e : input.entrySet()) {
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            if (v instanceof BigDecimal n) {
                v = n.stripTrailingZeros().scale() <= 0 ? (Object) n.longValue() : (Object) n.doubleValue();
            } else if (v instanceof List<?> l) {
                v = l.stream().map(String::valueOf).toArray(String[]::new);
            } else if (v instanceof Map<?, ?>) {
                throw new InvalidInputException("/" + e.getKey(), "a configuration value cannot be an object");
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    /**
     * Stores each value with its Java type, so that a restart gives Config Admin the same types back, and marks the
     * passwords, so that they stay hidden when no installed plugin describes the configuration.
     */
    static Map<String, Object> typedJson(Dictionary<String, Object> props, Set<String> passwords) {
        Map<String, Object> out = new java.util.TreeMap<>();
        for (String k : java.util.Collections.list(props.keys())) {
            if (ConfigSchema.FRAMEWORK_PROPERTIES.contains(k)) {
                continue;
            }
            Object v = props.get(k);
            boolean array = v.getClass().isArray();
            Class<?> type = array ? v.getClass().getComponentType() : v.getClass();
            List<Object> values = array ? ConfigSchema.toList(v) : List.of(v);
            List<String> text = values.stream().map(String::valueOf).toList();
            Map<String, Object> tv = new LinkedHashMap<>();
            tv.put("type", type.getSimpleName() + (array ? "[]" : ""));
            tv.put("values", text);
            if (passwords.contains(k)) {
                tv.put(PASSWORD_MARK, true);
            }
            out.put(k, tv);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Dictionary<String, Object> fromTypedJson(Map<String, Object> json) {
        Hashtable<String, Object> out = new Hashtable<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            Map<String, Object> tv = (Map<String, Object>) e.getValue();
            String type = (String) tv.get("type");
            List<Object> values = (List<Object>) tv.get("values");
            boolean array = type.endsWith("[]");
            String base = array ? type.substring(0, type.length() - 2) : type;
            Class<?> cls = switch (base) {
                case "Long" -> Long.class;
                case "Integer" -> Integer.class;
                case "Short" -> Short.class;
                case "Byte" -> Byte.class;
                case "Double" -> Double.class;
                case "Float" -> Float.class;
                case "Boolean" -> Boolean.class;
                case "Character" -> Character.class;
                default -> String.class;
            };
            Object[] typed = (Object[]) java.lang.reflect.Array.newInstance(cls, values.size());
            for (int i = 0; i < values.size(); i++) {
                String s = String.valueOf(values.get(i));
                typed[i] = switch (base) {
                    case "Long" -> Long.valueOf(s);
                    case "Integer" -> Integer.valueOf(s);
                    case "Short" -> Short.valueOf(s);
                    case "Byte" -> Byte.valueOf(s);
                    case "Double" -> Double.valueOf(s);
                    case "Float" -> Float.valueOf(s);
                    case "Boolean" -> Boolean.valueOf(s);
                    case "Character" -> s.charAt(0);
                    default -> s;
                };
            }
            out.put(e.getKey(), array ? typed : typed[0]);
        }
        return out;
    }

    private Set<String> storedPasswordKeys(String pid) {
        return db.read(c -> storedPasswordKeys(c, pid));
    }

    @SuppressWarnings("unchecked")
    private static Set<String> storedPasswordKeys(java.sql.Connection c, String pid) throws java.sql.SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT properties FROM plugin_config WHERE pid = ?")) {
            ps.setString(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    Json.readMap(rs.getString(1)).forEach((k, v) -> {
                        if (v instanceof Map<?, ?> tv && Boolean.TRUE.equals(((Map<String, Object>) tv).get(PASSWORD_MARK))) {
                            out.add(k);
                        }
                    });
                }
            }
        }
        return out;
    }

    private Map<String, Dictionary<String, Object>> storedConfigs() {
        return db.read(c -> {
            Map<String, Dictionary<String, Object>> out = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT pid, properties FROM plugin_config ORDER BY pid");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), fromTypedJson(Json.readMap(rs.getString(2))));
                }
            }
            return out;
        });
    }

    // --- jars --------------------------------------------------------------------------------------------

    static Manifest manifest(byte[] jar) {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest mf = in.getManifest();
            if (mf == null) {
                throw new InvalidInputException("/", "not a plugin: the upload is not a jar with a META-INF/MANIFEST.MF");
            }
            return mf;
        } catch (IOException e) {
            throw new InvalidInputException("/", "not a plugin: the upload is not a jar (" + e.getMessage() + ")");
        }
    }

    static String symbolicName(Manifest mf) {
        String bsn = mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsn == null || bsn.isBlank()) {
            throw new InvalidInputException("/", "not an OSGi bundle: the jar's manifest has no Bundle-SymbolicName");
        }
        String name = bsn.split(";", 2)[0].trim();
        if (name.length() > MAX_NAME || !name.matches("[A-Za-z0-9_.\\-]+")) {
            throw new InvalidInputException("/", "the Bundle-SymbolicName '" + name + "' is not a valid name");
        }
        return name;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
