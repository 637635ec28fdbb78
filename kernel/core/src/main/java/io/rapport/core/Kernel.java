package io.rapport.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import io.rapport.api.customer.CustomerService;
import io.rapport.api.event.EventPublisher;
import io.rapport.api.imports.ImportService;
import io.rapport.api.message.MessageService;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.customer.StageRules;
import io.rapport.core.db.Db;
import io.rapport.core.db.Migrations;
import io.rapport.core.event.EventBus;
import io.rapport.core.event.EventParser;
import io.rapport.core.event.EventStore;
import io.rapport.core.event.OutboxRelay;
import io.rapport.core.event.KernelPublisher;
import io.rapport.core.event.Relays;
import io.rapport.core.message.Links;
import io.rapport.core.imports.Imports;
import io.rapport.core.journey.JourneyEngine;
import io.rapport.core.journey.JourneyStore;
import io.rapport.core.segment.SegmentEvaluator;
import io.rapport.core.segment.SegmentStore;
import io.rapport.core.message.Messages;
import io.rapport.core.plugin.PluginHost;
import io.rapport.core.plugin.Plugins;
import io.rapport.core.plugin.Whiteboard;
import io.rapport.core.security.AccessStore;
import io.rapport.core.security.Passwords;
import io.rapport.core.security.Role;
import io.rapport.core.security.Sessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel without its container: schema, stores, bus and relay, wired and started in order and stopped in
 * reverse. The server creates one at start; tests create one on a plain data source.
 */
public final class Kernel implements AutoCloseable {

    /** The user created on first start. */
    public static final String FIRST_ADMIN = "admin";
    /** The file, under the data folder, that holds the first admin's generated password. */
    public static final String INITIAL_PASSWORD_FILE = "initial-admin-password";
    /** Under the data directory: uploaded import files, until their job ends. */
    public static final String IMPORTS_DIR = "imports";

    private static final Logger LOG = LoggerFactory.getLogger(Kernel.class);

    /**
     * How the kernel runs.
     *
     * @param busPartitions        SEDA partitions of the bus (parallel listener threads)
     * @param relayBatch           events the relay projects per transaction
     * @param maxIngestBatch       events one ingest request may carry
     * @param stages               journey stages in order
     * @param stageRules           see {@link StageRules}
     * @param dataDir              where the kernel writes files of its own (the first admin's password)
     * @param initialAdminPassword the first admin's password, or null to generate one
     * @param plugins              where the plugin host keeps its files, or null to run without plugins
     * @param messages             how messages are sent through channels
     * @param sessions             how long console sessions last
     * @param publicUrl            where customers reach this server: the base of the signed links in messages
     * @param segmentRecheck       how often segments whose truth changes with time alone are re-evaluated for the customers whose
     *                             events or dates left a window since the last time (they are rebuilt at start and daily)
     * @param journeys             how the journey worker runs
     */
    public record Settings(int busPartitions, int relayBatch, int maxIngestBatch, List<String> stages, String stageRules, Path dataDir,
                           String initialAdminPassword, PluginHost.Settings plugins, Messages.Settings messages, Sessions.Settings sessions,
                           java.net.URI publicUrl, java.time.Duration segmentRecheck, JourneyEngine.Settings journeys) {

        /** How often time-dependent segments are re-evaluated for the customers who left a window, unless told otherwise. */
        public static final java.time.Duration SEGMENT_RECHECK = java.time.Duration.ofMinutes(1);

        /** Where customers reach a server that was told nothing: the default port on this machine. */
        public static final java.net.URI LOCAL_URL = java.net.URI.create("http://localhost:9080");

        public static Settings defaults(Path dataDir) {
            return new Settings(Math.max(2, Runtime.getRuntime().availableProcessors()), 2000, 1000, StageRules.DEFAULT_STAGES,
                    StageRules.DEFAULT_RULES, dataDir, null, null, Messages.Settings.defaults(), Sessions.Settings.defaults(), LOCAL_URL, SEGMENT_RECHECK,
                    JourneyEngine.Settings.defaults());
        }

        /** @return these settings with a plugin host */
        public Settings withPlugins(PluginHost.Settings pluginSettings) {
            return new Settings(busPartitions, relayBatch, maxIngestBatch, stages, stageRules, dataDir, initialAdminPassword, pluginSettings, messages, sessions, publicUrl, segmentRecheck, journeys);
        }

        /** @return these settings with other message settings */
        public Settings withMessages(Messages.Settings messageSettings) {
            return new Settings(busPartitions, relayBatch, maxIngestBatch, stages, stageRules, dataDir, initialAdminPassword, plugins, messageSettings, sessions, publicUrl, segmentRecheck, journeys);
        }

        /** @return these settings with other session lifetimes */
        public Settings withSessions(Sessions.Settings sessionSettings) {
            return new Settings(busPartitions, relayBatch, maxIngestBatch, stages, stageRules, dataDir, initialAdminPassword, plugins, messages, sessionSettings, publicUrl, segmentRecheck, journeys);
        }

        /** @return these settings with another public URL */
        public Settings withPublicUrl(java.net.URI url) {
            return new Settings(busPartitions, relayBatch, maxIngestBatch, stages, stageRules, dataDir, initialAdminPassword, plugins, messages, sessions, url, segmentRecheck, journeys);
        }

        /** @return these settings with another journey worker */
        public Settings withJourneys(JourneyEngine.Settings journeySettings) {
            return new Settings(busPartitions, relayBatch, maxIngestBatch, stages, stageRules, dataDir, initialAdminPassword, plugins, messages, sessions, publicUrl, segmentRecheck, journeySettings);
        }

        /** @return these settings with another interval between rebuilds of time-dependent segments */
        public Settings withSegmentRecheck(java.time.Duration every) {
            return new Settings(busPartitions, relayBatch, maxIngestBatch, stages, stageRules, dataDir, initialAdminPassword, plugins, messages, sessions, publicUrl, every, journeys);
        }
    }

    private final Db db;
    private final AccessStore access;
    private final Sessions sessions;
    private final Links links;
    private final EventStore events;
    private final CustomerStore customers;
    private final EventBus bus;
    private final OutboxRelay relay;
    private final EventParser parser;
    private final EventPublisher publisher;
    private final AccessStore.Tenant defaultTenant;
    private final PluginHost pluginHost;
    private final Plugins plugins;
    private final Whiteboard whiteboard;
    private final Messages messages;
    private final Imports imports;
    private final SegmentStore segments;
    private final SegmentEvaluator segmentEvaluator;
    private final Runnable segmentSubscription;
    private final JourneyStore journeys;
    private final JourneyEngine journeyEngine;
    private final Runnable journeySubscription;
    private final io.rapport.core.journey.DryRun dryRun;
    private final io.rapport.core.journey.JourneyAnalytics journeyAnalytics;
    private final io.rapport.core.journey.Tasks tasks;
    private final io.rapport.core.kpi.Kpis kpis;
    private final Runnable kpiSubscription;
    private final io.rapport.core.survey.Surveys surveys;
    private final Runnable surveySubscription;

    private Kernel(DataSource dataSource, Settings settings, Clock clock) {
        long t0 = System.nanoTime();
        Migrations.migrate(dataSource);
        this.db = new Db(dataSource);
        StageRules stages = new StageRules(settings.stages(), settings.stageRules());
        this.access = new AccessStore(db, clock);
        this.sessions = new Sessions(db, access, clock, settings.sessions());
        this.defaultTenant = access.ensureDefaultTenant();
        firstStart(settings);
        this.bus = new EventBus(settings.busPartitions());
        OutboxRelay[] holder = new OutboxRelay[1];
        this.events = new EventStore(db, clock, () -> holder[0].wakeup());
        this.customers = new CustomerStore(db, clock, events, stages);
        this.relay = Relays.create(db, clock, stages, customers, bus, settings.relayBatch());
        holder[0] = relay;
        this.parser = new EventParser(settings.maxIngestBatch(), clock);
        bus.start();
        events.start();
        EventPublisher publisher = new KernelPublisher(db, events);
        if (settings.plugins() != null) {
            this.pluginHost = new PluginHost(settings.plugins()).start();
            this.whiteboard = new Whiteboard(pluginHost, bus);
            pluginHost.register(CustomerService.class, customers, Map.of());
            pluginHost.register(EventPublisher.class, publisher, Map.of());
            this.plugins = new Plugins(db, clock, pluginHost, access);
        } else {
            this.pluginHost = null;
            this.whiteboard = null;
            this.plugins = null;
        }
        this.links = new Links(db, clock, settings.publicUrl());
        this.messages = new Messages(db, clock, customers, events,
                (tenant, type) -> whiteboard == null ? java.util.Optional.empty() : whiteboard.channel(tenant, type), settings.messages(), links);
        this.publisher = publisher;
        this.segments = new SegmentStore(db, clock, events);
        this.segmentEvaluator = new SegmentEvaluator(db, clock, segments, settings.segmentRecheck());
        // each relay batch whole: one evaluation, not several as its events arrive from the partitions
        this.segmentSubscription = bus.subscribeBatches(segmentEvaluator::onEvents);
        customers.onChanged(segmentEvaluator::changed);
        this.journeys = new JourneyStore(db, clock, stages);
        this.surveys = new io.rapport.core.survey.Surveys(db, clock, customers, events, messages, links);
        this.journeyEngine = new JourneyEngine(db, clock, journeys, customers, messages, surveys, settings.journeys());
        this.dryRun = new io.rapport.core.journey.DryRun(db, clock, customers, messages);
        this.journeyAnalytics = new io.rapport.core.journey.JourneyAnalytics(db, journeys);
        this.tasks = new io.rapport.core.journey.Tasks(db, clock);
        this.kpis = new io.rapport.core.kpi.Kpis(db, clock, t -> messages.policy(t).defaultZone(), segments::scoresWritten);
        this.kpiSubscription = bus.subscribe(kpis, java.util.Set.of(io.rapport.spi.event.EventListener.ALL_TYPES));
        if (pluginHost != null) {
            pluginHost.track(io.rapport.spi.kpi.KpiModule.class, (ref, module) -> kpis.register(module), (ref, unregister) -> unregister.run());
        }
        this.surveySubscription = bus.subscribe(surveys, io.rapport.core.survey.Surveys.listensTo());
        this.journeySubscription = bus.subscribe(journeyEngine, java.util.Set.of(io.rapport.spi.event.EventListener.ALL_TYPES));
        this.imports = new Imports(db, clock, customers, events, access, settings.dataDir() == null
                ? Path.of(System.getProperty("java.io.tmpdir"), "rapport-imports") : settings.dataDir().resolve(IMPORTS_DIR));
        if (plugins != null) {
            pluginHost.register(MessageService.class, messages, Map.of());
            pluginHost.register(ImportService.class, imports, Map.of());
            // listeners from plugins subscribe before the relay replays the outbox, so that they see every event
            plugins.restore();
            pluginHost.startDropFolder();
        }
        segmentEvaluator.start();
        journeyEngine.start();
        kpis.start(java.time.Duration.ofMinutes(1));
        relay.start();
        messages.start();
        LOG.info("Kernel started on {} in {} ms", db.dialect(), (System.nanoTime() - t0) / 1_000_000);
    }

    public static Kernel start(DataSource dataSource, Settings settings, Clock clock) {
        return new Kernel(dataSource, settings, clock);
    }

    private void firstStart(Settings settings) {
        if (access.hasUsers()) {
            return;
        }
        boolean generated = settings.initialAdminPassword() == null || settings.initialAdminPassword().isBlank();
        String password = generated ? Passwords.randomToken(24) : settings.initialAdminPassword();
        access.createUser(defaultTenant.id(), FIRST_ADMIN, password.toCharArray(), Role.ADMIN, true);
        access.audit(defaultTenant.id(), "kernel", "user.created", FIRST_ADMIN, "first start");
        if (!generated) {
            LOG.warn("First start: created user '{}' with the password given in RAPPORT_ADMIN_PASSWORD", FIRST_ADMIN);
            return;
        }
        Path file = settings.dataDir().resolve(INITIAL_PASSWORD_FILE);
        try {
            Files.createDirectories(settings.dataDir());
            Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                LOG.debug("No POSIX permissions on this file system for {}", file);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the first admin's password to " + file, e);
        }
        LOG.warn("First start: created user '{}'. Its password is in {} - sign in, change it "
                + "(PUT /api/v1/me/password), and delete that file.", FIRST_ADMIN, file.toAbsolutePath());
    }

    public Db db() {
        return db;
    }

    public Links links() {
        return links;
    }

    public Sessions sessions() {
        return sessions;
    }

    public AccessStore access() {
        return access;
    }

    public EventStore events() {
        return events;
    }

    public CustomerStore customers() {
        return customers;
    }

    public EventBus bus() {
        return bus;
    }

    public OutboxRelay relay() {
        return relay;
    }

    public EventParser parser() {
        return parser;
    }

    public AccessStore.Tenant defaultTenant() {
        return defaultTenant;
    }

    /** The {@link EventPublisher} the kernel offers plugins. */
    public EventPublisher publisher() {
        return publisher;
    }

    /** @return the plugin host's admin operations, or null when the kernel runs without plugins */
    public Plugins plugins() {
        return plugins;
    }

    /** @return what plugins contribute (channels, listeners, routes), or null without plugins */
    public Whiteboard whiteboard() {
        return whiteboard;
    }

    /** @return the channel types that can send the tenant's messages now, in alphabetical order; none without a plugin host */
    public java.util.SortedSet<String> channelTypes(UUID tenantId) {
        return whiteboard == null ? java.util.Collections.emptySortedSet() : new java.util.TreeSet<>(whiteboard.channelTypes(tenantId));
    }

    public Messages messages() {
        return messages;
    }

    /** @return import jobs: uploads, progress, error reports */
    public SegmentStore segments() {
        return segments;
    }

    public SegmentEvaluator segmentEvaluator() {
        return segmentEvaluator;
    }

    public JourneyStore journeys() {
        return journeys;
    }

    public io.rapport.core.journey.DryRun dryRun() {
        return dryRun;
    }

    public io.rapport.core.journey.JourneyAnalytics journeyAnalytics() {
        return journeyAnalytics;
    }

    public io.rapport.core.journey.Tasks tasks() {
        return tasks;
    }

    /** @return the KPI executor: modules from plugins, stored series, goals */
    public io.rapport.core.kpi.Kpis kpis() {
        return kpis;
    }

    /** @return surveys: definitions, sends, answers */
    public io.rapport.core.survey.Surveys surveys() {
        return surveys;
    }

    public JourneyEngine journeyEngine() {
        return journeyEngine;
    }

    public Imports imports() {
        return imports;
    }

    @Override
    public void close() {
        messages.close();
        if (pluginHost != null) {
            pluginHost.close();
        }
        events.close();
        relay.close();
        segmentSubscription.run();
        segmentEvaluator.close();
        journeySubscription.run();
        journeyEngine.close();
        kpiSubscription.run();
        kpis.close();
        surveySubscription.run();
        bus.close();
        LOG.info("Kernel stopped");
    }
}
