package io.rapport.server;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import io.rapport.core.Kernel;
import io.rapport.core.customer.StageRules;
import io.rapport.core.message.Messages;
import io.rapport.core.security.Sessions;
import io.rapport.core.plugin.PluginHost;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Startup;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Starts the kernel when the application starts and stops it when the application stops. Settings come from
 * MicroProfile Config: environment variables ({@code RAPPORT_BUS_PARTITIONS}), server.xml variables or system
 * properties; see docs/ops/configuration.md.
 */
@ApplicationScoped
public class KernelHolder {

    /** JNDI name of the kernel's data source in server.xml. */
    public static final String DATA_SOURCE = "jdbc/rapport";

    @Resource(lookup = DATA_SOURCE)
    DataSource dataSource;

    @Inject
    @ConfigProperty(name = "rapport.data.dir", defaultValue = "data")
    String dataDir;

    @Inject
    @ConfigProperty(name = "rapport.admin.password")
    Optional<String> adminPassword;

    @Inject
    @ConfigProperty(name = "rapport.bus.partitions", defaultValue = "0")
    int busPartitions;

    @Inject
    @ConfigProperty(name = "rapport.relay.batch", defaultValue = "2000")
    int relayBatch;

    @Inject
    @ConfigProperty(name = "rapport.ingest.max-batch", defaultValue = "1000")
    int maxBatch;

    @Inject
    @ConfigProperty(name = "rapport.stages", defaultValue = StageRules.DEFAULT_STAGES_CSV)
    String stages;

    @Inject
    @ConfigProperty(name = "rapport.stage-rules", defaultValue = StageRules.DEFAULT_RULES)
    String stageRules;

    @Inject
    @ConfigProperty(name = "rapport.plugins.enabled", defaultValue = "true")
    boolean pluginsEnabled;

    /** The plugin folder that FileInstall watches (jars and .cfg files); empty for none. */
    @Inject
    @ConfigProperty(name = "rapport.plugins.dir", defaultValue = "plugins")
    Optional<String> pluginsDir;

    @Inject
    @ConfigProperty(name = "rapport.send.timeout-ms", defaultValue = "10000")
    long sendTimeoutMs;

    @Inject
    @ConfigProperty(name = "rapport.send.threads", defaultValue = "8")
    int sendThreads;

    @Inject
    @ConfigProperty(name = "rapport.send.max-attempts", defaultValue = "6")
    int sendAttempts;

    @Inject
    @ConfigProperty(name = "rapport.send.backoff-ms", defaultValue = "30000")
    long sendBackoffMs;

    @Inject
    @ConfigProperty(name = "rapport.session.idle-minutes", defaultValue = "120")
    long sessionIdleMinutes;

    @Inject
    @ConfigProperty(name = "rapport.session.max-hours", defaultValue = "12")
    long sessionMaxHours;

    /** Where customers reach this server (the base of unsubscribe and preference links), such as https://engage.example.com. */
    @Inject
    @ConfigProperty(name = "rapport.public-url")
    Optional<String> publicUrl;

    /** The largest import file an admin may upload. */
    @Inject
    @ConfigProperty(name = "rapport.import.max-bytes", defaultValue = "2147483648")
    long importMaxBytes;

    /** How often segments whose truth changes with time alone ("no order within 30 days") are re-evaluated for who left a window. */
    @Inject
    @ConfigProperty(name = "rapport.segments.recheck-minutes", defaultValue = "1")
    int segmentRecheckMinutes;

    /** How often an idle journey worker looks for due steps, in milliseconds. */
    @Inject
    @ConfigProperty(name = "rapport.journeys.poll-ms", defaultValue = "1000")
    long journeyPollMs;

    /** Journey runs processed in parallel by each node (their sends wait for the channels). */
    @Inject
    @ConfigProperty(name = "rapport.journeys.threads", defaultValue = "4")
    int journeyThreads;

    private volatile Kernel kernel;

    public long importMaxBytes() {
        return importMaxBytes;
    }

    void start(@Observes Startup startup) {
        List<String> stageList = Arrays.stream(stages.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        int partitions = busPartitions > 0 ? busPartitions : Math.max(2, Runtime.getRuntime().availableProcessors());
        Kernel.Settings settings = new Kernel.Settings(partitions, relayBatch, maxBatch, stageList, stageRules, Path.of(dataDir),
                adminPassword.filter(p -> !p.isBlank()).orElse(null), null,
                new Messages.Settings(Duration.ofMillis(sendTimeoutMs), sendThreads, sendAttempts, Duration.ofMillis(sendBackoffMs)),
                new Sessions.Settings(Duration.ofMinutes(sessionIdleMinutes), Duration.ofHours(sessionMaxHours)),
                publicUrl.filter(u -> !u.isBlank()).map(java.net.URI::create).orElse(Kernel.Settings.LOCAL_URL),
                Duration.ofMinutes(Math.max(1, segmentRecheckMinutes)), 
                new io.rapport.core.journey.JourneyEngine.Settings(Duration.ofMillis(Math.max(50, journeyPollMs)),
                        io.rapport.core.journey.JourneyEngine.Settings.defaults().batch(), io.rapport.core.journey.JourneyEngine.Settings.defaults().lease(),
                        Math.max(1, journeyThreads)));
        if (pluginsEnabled) {
            // Felix's cache is rebuilt from the database at every start; it lives beside the data, not in it
            Path drop = pluginsDir.filter(d -> !d.isBlank()).map(Path::of).orElse(null);
            settings = settings.withPlugins(new PluginHost.Settings(Path.of(dataDir).resolve("felix-cache"), drop));
        }
        kernel = Kernel.start(dataSource, settings, Clock.systemUTC());
    }

    public Kernel kernel() {
        Kernel k = kernel;
        if (k == null) {
            throw new IllegalStateException("the kernel is not started");
        }
        return k;
    }

    public boolean started() {
        return kernel != null;
    }

    @PreDestroy
    void stop() {
        Kernel k = kernel;
        kernel = null;
        if (k != null) {
            k.close();
        }
    }
}
