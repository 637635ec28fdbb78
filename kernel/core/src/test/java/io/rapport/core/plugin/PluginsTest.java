package io.rapport.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.Event;
import io.rapport.api.event.NewEvent;
import io.rapport.core.Kernel;
import io.rapport.core.TestDb;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.json.Json;
import io.rapport.core.message.Messages;
import io.rapport.core.security.AccessStore;
import io.rapport.core.plugin.fixture.RecordingChannel;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.event.EventListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The plugin host driven through {@link Plugins}, on a real kernel and database, with bundles built in memory.
 * One kernel serves the class (a kernel start costs more than most tests); after each test every plugin and
 * configuration is removed again, and if anything is left over the kernel and database are replaced by fresh ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String ACTOR = "tester";
    private static final String CHANNEL = Channel.class.getName();
    private static final String PID = "fixture.conf.pid";
    private static final String TUNING = "fixture.tunable.pid";

    @TempDir
    static Path dir;

    private TestDb db;
    private Kernel kernel;
    private Plugins plugins;
    private UUID tenant;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        startKernel();
    }

    private void startKernel() {
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data"))
                .withPlugins(new PluginHost.Settings(dir.resolve("felix"), null)), Clock.systemUTC());
        plugins = kernel.plugins();
        tenant = kernel.defaultTenant().id();
    }

    /** Leaves the kernel as a test found it: no plugins, no configurations, no channels. */
    @AfterEach
    void removeEverything() throws Exception {
        boolean clean;
        try {
            for (Plugins.Info i : plugins.list()) {
                plugins.uninstall(i.symbolicName(), tenant, ACTOR);
            }
            org.osgi.service.cm.Configuration[] left = plugins.host().configAdmin().listConfigurations(null);
            for (org.osgi.service.cm.Configuration c : left == null ? new org.osgi.service.cm.Configuration[0] : left) {
                plugins.deleteConfig(c.getPid(), tenant, ACTOR);
            }
            clean = plugins.list().isEmpty() && kernel.whiteboard().channelTypes().isEmpty()
                    && count("SELECT COUNT(*) FROM plugin") == 0 && count("SELECT COUNT(*) FROM plugin_config") == 0;
        } catch (Exception | AssertionError e) {
            clean = false;
        }
        if (!clean) {
            stop();
            db = TestDb.fresh();
            startKernel();
        }
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
            kernel = null;
        }
        db.close();
    }

    // --- install, start, stop, list ------------------------------------------------------------------------

    @Test
    void anInstalledAndStartedPluginIsActiveAndOffersItsServices() throws Exception {
        Plugins.Info info = plugins.install(TestBundles.recordingChannel("fixture.rec", "rec"), true, tenant, ACTOR);

        assertThat(info.symbolicName()).isEqualTo("fixture.rec");
        assertThat(info.version()).isEqualTo("1.0.0");
        assertThat(info.name()).isEqualTo("Recording channel rec");
        assertThat(info.source()).isEqualTo(Plugins.Source.UPLOAD);
        assertThat(info.state()).isEqualTo(Plugins.STATE_ACTIVE);
        assertThat(info.failure()).isNull();
        Channel channel = awaitChannel("rec");
        assertThat(channel.getClass().getName()).isEqualTo(RecordingChannel.class.getName());

        Plugins.Info listed = await().atMost(WAIT).until(() -> plugins.get("fixture.rec"), i -> i.services().contains(CHANNEL));
        assertThat(listed.state()).isEqualTo(Plugins.STATE_ACTIVE);
        assertThat(listed.components()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("fixture.rec");
            assertThat(c.state()).isEqualTo("active");
            assertThat(c.configurationPolicy()).isEqualTo("OPTIONAL");
            assertThat(c.services()).containsExactly(CHANNEL);
            assertThat(c.failure()).isNull();
        });
        assertThat(plugins.list()).extracting(Plugins.Info::symbolicName).containsExactly("fixture.rec");
        assertThat(kernel.whiteboard().channelTypes()).containsExactly("rec");
        assertThat(storedPlugin("fixture.rec")).contains(true);
    }

    @Test
    void aPluginInstalledWithoutStartWaitsAndStartsAndStopsOnRequest() throws Exception {
        Plugins.Info info = plugins.install(TestBundles.recordingChannel("fixture.later", "later"), false, tenant, ACTOR);
        assertThat(info.state()).isEqualTo(Plugins.STATE_INSTALLED);
        assertThat(info.services()).isEmpty();
        assertThat(kernel.whiteboard().channel("later")).isEmpty();
        assertThat(storedPlugin("fixture.later")).contains(false);

        assertThat(plugins.start("fixture.later", tenant, ACTOR).state()).isEqualTo(Plugins.STATE_ACTIVE);
        awaitChannel("later");
        assertThat(storedPlugin("fixture.later")).contains(true);

        Plugins.Info stopped = plugins.stop("fixture.later", tenant, ACTOR);
        assertThat(stopped.state()).isEqualTo(Plugins.STATE_STOPPED);
        assertThat(stopped.services()).isEmpty();
        await().atMost(WAIT).until(() -> kernel.whiteboard().channel("later").isEmpty());
        assertThat(storedPlugin("fixture.later")).contains(false);

        plugins.start("fixture.later", tenant, ACTOR);
        awaitChannel("later");

        assertThatThrownBy(() -> plugins.start("fixture.unknown", tenant, ACTOR)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> plugins.get("fixture.unknown")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void whatIsNotABundleIsRefused() throws Exception {
        assertThatThrownBy(() -> plugins.install("certainly not a jar".getBytes(StandardCharsets.UTF_8), true, tenant, ACTOR))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a plugin");
        assertThatThrownBy(() -> plugins.install(new byte[0], true, tenant, ACTOR)).isInstanceOf(InvalidInputException.class);
        byte[] plain = TestBundles.bundle("ignored").plainJar().build();
        assertThatThrownBy(() -> plugins.install(plain, true, tenant, ACTOR))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("Bundle-SymbolicName");
        byte[] badName = TestBundles.bundle("no spaces allowed!").build();
        assertThatThrownBy(() -> plugins.install(badName, true, tenant, ACTOR))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a valid name");

        assertThat(plugins.list()).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM plugin")).isZero();
    }

    @Test
    void aSecondInstallOfOneSymbolicNameIsAConflict() throws Exception {
        plugins.install(TestBundles.recordingChannel("fixture.dup", "dup"), true, tenant, ACTOR);
        byte[] again = TestBundles.recordingChannel("fixture.dup", "2.0.0", "dup", Map.of());

        assertThatThrownBy(() -> plugins.install(again, true, tenant, ACTOR))
                .isInstanceOf(ConflictException.class).hasMessageContaining("fixture.dup").hasMessageContaining("already installed");
        assertThat(plugins.list()).singleElement().extracting(Plugins.Info::version).isEqualTo("1.0.0");
        assertThat(count("SELECT COUNT(*) FROM plugin")).isEqualTo(1);
    }

    // --- failures ------------------------------------------------------------------------------------------

    @Test
    void aBundleThatCannotResolveIsFailedAndNamesTheMissingPackage() {
        byte[] jar = TestBundles.bundle("fixture.unresolved").channelImports().imports("com.example.missing;version=\"[1.2,2)\"").build();

        Plugins.Info info = plugins.install(jar, true, tenant, ACTOR);

        assertThat(info.state()).isEqualTo(Plugins.STATE_FAILED);
        assertThat(info.failure()).contains("com.example.missing").contains("1.2.0").doesNotContain("Unable to resolve");
        assertThat(plugins.get("fixture.unresolved").failure()).isEqualTo(info.failure());
    }

    @Test
    void anActivatorThatThrowsLeavesThePluginFailedWithTheReason() {
        Plugins.Info info = plugins.install(TestBundles.throwingActivator("fixture.activator"), true, tenant, ACTOR);

        assertThat(info.failure()).contains("activator").contains("IllegalStateException").contains("fixture activator refuses to start");
        // a plugin that an admin asked to start and that could not start is failed, not merely stopped
        assertThat(info.state()).isEqualTo(Plugins.STATE_FAILED);
    }

    @Test
    void aComponentWhoseActivationThrowsIsReportedWithItsReason() {
        plugins.install(TestBundles.failingComponent("fixture.failing"), true, tenant, ACTOR);

        Plugins.Info info = await().atMost(WAIT).until(() -> plugins.get("fixture.failing"), i -> i.failure() != null);
        assertThat(info.state()).isEqualTo(Plugins.STATE_FAILED);
        assertThat(info.failure()).startsWith("fixture.failing: activation failed").contains("fixture component refuses to activate");
        assertThat(info.components()).singleElement().satisfies(c -> {
            assertThat(c.state()).isEqualTo("failed");
            assertThat(c.failure()).contains("fixture component refuses to activate");
        });
        assertThat(kernel.whiteboard().channel("broken")).isEmpty();
    }

    // --- configuration -------------------------------------------------------------------------------------

    @Test
    void theFormDescribesTheConfigurationAsJsonSchema() {
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);

        ConfigSchema schema = plugins.schema(PID);
        assertThat(schema.pid()).isEqualTo(PID);
        assertThat(schema.passwords()).containsExactly("secret");
        Map<String, Object> json = schema.toJsonSchema();
        assertThat(json).containsEntry("title", "Configurable channel").containsEntry("additionalProperties", false);
        assertThat(json.get("required")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).containsExactlyInAnyOrder("url", "secret");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> props = (Map<String, Map<String, Object>>) json.get("properties");
        assertThat(props).containsKeys("url", "secret", "retries", "verbose", "prefix", "mode", "tags");
        assertThat(props.get("secret")).containsEntry("format", "password").containsEntry(ConfigSchema.WRITE_ONLY, true).doesNotContainKey("default");
        assertThat(props.get("retries")).containsEntry("type", "integer").containsEntry("default", 3L);
        assertThat(props.get("verbose")).containsEntry("type", "boolean").containsEntry("default", false);
        assertThat(props.get("mode")).containsKey("oneOf");
        assertThat(props.get("tags")).containsEntry("type", "array").containsEntry("maxItems", 3);

        assertThat(plugins.configurations()).singleElement().satisfies(m -> assertThat(m)
                .containsEntry("pid", PID).containsEntry("plugin", "fixture.conf").containsEntry("configured", false).containsEntry("hasForm", true));
        assertThatThrownBy(() -> plugins.schema("fixture.nobody")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void valuesAreCheckedAgainstTheFormAndEveryErrorIsNamed() throws Exception {
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);

        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("bogus", "x");
        bad.put("retries", "three");
        bad.put("verbose", "yes");
        bad.put("mode", "reckless");
        bad.put("tags", List.of("a", "b", "c", "d"));
        InvalidInputException e = catchInvalid(() -> plugins.writeConfig(PID, bad, tenant, ACTOR));
        assertThat(e.errors()).extracting(FieldError::field)
                .containsExactlyInAnyOrder("/bogus", "/retries", "/verbose", "/mode", "/tags", "/url", "/secret");
        assertThat(detail(e, "/bogus")).contains("is not a setting");
        assertThat(detail(e, "/retries")).contains("whole number");
        assertThat(detail(e, "/verbose")).contains("true or false");
        assertThat(detail(e, "/mode")).contains("fast").contains("careful");
        assertThat(detail(e, "/tags")).contains("at most 3");
        assertThat(detail(e, "/url")).isEqualTo("is required");
        assertThat(detail(e, "/secret")).isEqualTo("is required");

        InvalidInputException range = catchInvalid(() -> plugins.writeConfig(PID,
                Map.of("url", "https://example.com/", "secret", "s3cret", "retries", new BigDecimal("11")), tenant, ACTOR));
        assertThat(range.errors()).extracting(FieldError::field).containsExactly("/retries");
        InvalidInputException fraction = catchInvalid(() -> plugins.writeConfig(PID,
                Map.of("url", "https://example.com/", "secret", "s3cret", "retries", new BigDecimal("2.5")), tenant, ACTOR));
        assertThat(fraction.errors()).extracting(FieldError::field).containsExactly("/retries");
        InvalidInputException number = catchInvalid(() -> plugins.writeConfig(PID,
                Map.of("url", new BigDecimal("1"), "secret", "s3cret"), tenant, ACTOR));
        assertThat(number.errors()).extracting(FieldError::field).containsExactly("/url");

        assertThatThrownBy(() -> plugins.readConfig(PID)).as("nothing stored after a refusal").isInstanceOf(NotFoundException.class);
        assertThat(count("SELECT COUNT(*) FROM plugin_config")).isZero();
        assertThat(kernel.whiteboard().channel("conf")).isEmpty();
    }

    @Test
    void aConfigurationEnablesTheComponentThatRequiresItAndDeletingItDisablesIt() throws Exception {
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);
        Plugins.Info before = plugins.get("fixture.conf");
        assertThat(before.state()).isEqualTo(Plugins.STATE_ACTIVE);
        assertThat(before.configured()).isFalse();
        assertThat(before.services()).doesNotContain(CHANNEL);
        assertThat(before.components()).singleElement().satisfies(c -> {
            assertThat(c.configurationPolicy()).isEqualTo("REQUIRE");
            assertThat(c.pids()).containsExactly(PID);
            assertThat(c.state()).isEqualTo("waiting for configuration");
        });
        assertThat(kernel.whiteboard().channel("conf")).isEmpty();

        boolean created = plugins.writeConfig(PID, Map.of("url", "https://one.example/", "secret", "s3cret", "retries", new BigDecimal("5"),
                "verbose", true, "tags", List.of("a", "b")), tenant, ACTOR);

        assertThat(created).isTrue();
        Channel channel = awaitChannel("conf");
        Function<String, Object> props = properties(channel);
        assertThat(props.apply("url")).isEqualTo("https://one.example/");
        assertThat(props.apply("secret")).as("the component gets the password").isEqualTo("s3cret");
        assertThat(props.apply("retries")).as("typed by the form").isEqualTo(5);
        assertThat(props.apply("verbose")).isEqualTo(Boolean.TRUE);
        assertThat(props.apply("tags")).isEqualTo(new String[] {"a", "b"});
        Plugins.Info after = await().atMost(WAIT).until(() -> plugins.get("fixture.conf"), i -> i.services().contains(CHANNEL));
        assertThat(after.configured()).isTrue();
        assertThat(after.components()).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo("active"));

        Plugins.ConfigView view = plugins.readConfig(PID);
        assertThat(view.pid()).isEqualTo(PID);
        assertThat(view.plugin()).isEqualTo("fixture.conf");
        assertThat(view.fromFile()).isFalse();
        assertThat(view.properties()).as("the password is never read back")
                .containsOnlyKeys("url", "retries", "verbose", "tags")
                .containsEntry("url", "https://one.example/").containsEntry("retries", 5).containsEntry("verbose", true)
                .containsEntry("tags", List.of("a", "b"));
        assertThat(view.passwordsSet()).containsExactly("secret");
        assertThat(plugins.configurations()).singleElement().satisfies(m -> assertThat(m).containsEntry("configured", true));

        // an update without the password keeps it, and reaches the running component
        boolean createdAgain = plugins.writeConfig(PID, Map.of("url", "https://two.example/", "retries", new BigDecimal("7")), tenant, ACTOR);
        assertThat(createdAgain).isFalse();
        await().atMost(WAIT).until(() -> "https://two.example/".equals(properties(awaitChannel("conf")).apply("url")));
        Function<String, Object> updated = properties(awaitChannel("conf"));
        assertThat(updated.apply("secret")).isEqualTo("s3cret");
        assertThat(updated.apply("retries")).isEqualTo(7);
        assertThat(updated.apply("verbose")).as("an omitted setting is unset, not kept").isNull();
        assertThat(plugins.readConfig(PID).passwordsSet()).containsExactly("secret");
        assertThat(plugins.readConfig(PID).properties()).containsOnlyKeys("url", "retries");
        assertThat(count("SELECT COUNT(*) FROM plugin_config")).isEqualTo(1);

        plugins.deleteConfig(PID, tenant, ACTOR);
        await().atMost(WAIT).until(() -> kernel.whiteboard().channel("conf").isEmpty());
        assertThatThrownBy(() -> plugins.readConfig(PID)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> plugins.deleteConfig(PID, tenant, ACTOR)).isInstanceOf(NotFoundException.class);
        assertThat(count("SELECT COUNT(*) FROM plugin_config")).isZero();
        // (SCR registers a ManagedService of its own under the plugin's context once the configuration is gone)
        Plugins.Info deleted = await().atMost(WAIT).until(() -> plugins.get("fixture.conf"), i -> !i.services().contains(CHANNEL));
        assertThat(deleted.configured()).isFalse();
        assertThat(deleted.components()).singleElement().satisfies(c -> assertThat(c.state()).isEqualTo("waiting for configuration"));
    }

    @Test
    void aConfigurationWithoutAFormTakesJsonTypes() {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("count", new BigDecimal("5"));
        input.put("ratio", new BigDecimal("1.5"));
        input.put("name", "x");
        input.put("on", true);
        input.put("list", List.of("a", "b"));
        input.put("nothing", null);

        assertThat(plugins.writeConfig("fixture.untyped", input, tenant, ACTOR)).isTrue();

        Plugins.ConfigView view = plugins.readConfig("fixture.untyped");
        assertThat(view.plugin()).isNull();
        assertThat(view.passwordsSet()).isEmpty();
        assertThat(view.properties()).containsOnlyKeys("count", "ratio", "name", "on", "list")
                .containsEntry("count", 5L).containsEntry("ratio", 1.5).containsEntry("name", "x").containsEntry("on", true)
                .containsEntry("list", List.of("a", "b"));
        assertThat(catchInvalid(() -> plugins.writeConfig("fixture.untyped", Map.of("nested", Map.of("a", "b")), tenant, ACTOR)).errors())
                .extracting(FieldError::field).containsExactly("/nested");
        assertThat(catchInvalid(() -> plugins.writeConfig("not a pid!", Map.of(), tenant, ACTOR)).errors())
                .extracting(FieldError::field).containsExactly("/pid");
    }

    @Test
    void aPasswordStaysHiddenOnceThePluginThatDeclaresItIsUninstalled() {
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);
        plugins.writeConfig(PID, Map.of("url", "https://one.example/", "secret", "s3cret"), tenant, ACTOR);
        awaitChannel("conf");

        plugins.uninstall("fixture.conf", tenant, ACTOR);

        // the configuration stays for a reinstall; its password must stay write-only all the same
        Plugins.ConfigView view = plugins.readConfig(PID);
        assertThat(view.properties()).containsEntry("url", "https://one.example/").doesNotContainKey("secret");
        assertThat(view.properties().values()).doesNotContain("s3cret");
    }

    // --- update, uninstall, restart ------------------------------------------------------------------------

    @Test
    void anUpdateReplacesTheCodeAndKeepsTheConfiguration() throws Exception {
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);
        plugins.writeConfig(PID, Map.of("url", "https://one.example/", "secret", "s3cret", "prefix", "v1"), tenant, ACTOR);
        Channel v1 = awaitChannel("conf");
        long bundleId = plugins.host().plugin("fixture.conf").orElseThrow().getBundleId();

        Plugins.Info info = plugins.update("fixture.conf", TestBundles.configurableChannel("fixture.conf", "1.1.0", "conf", PID), tenant, ACTOR);

        assertThat(info.version()).isEqualTo("1.1.0");
        assertThat(info.state()).isEqualTo(Plugins.STATE_ACTIVE);
        assertThat(plugins.host().plugin("fixture.conf").orElseThrow().getBundleId()).as("the same bundle, new code").isEqualTo(bundleId);
        Channel v2 = await().atMost(WAIT).until(() -> kernel.whiteboard().channel("conf").orElse(null), c -> c != null && c != v1);
        assertThat(v2.getClass()).as("loaded by the new revision").isNotSameAs(v1.getClass());
        assertThat(properties(v2).apply("url")).isEqualTo("https://one.example/");
        assertThat(properties(v2).apply("secret")).isEqualTo("s3cret");
        assertThat(plugins.get("fixture.conf").configured()).isTrue();
        assertThat(storedVersion("fixture.conf")).contains("1.1.0");

        byte[] other = TestBundles.recordingChannel("fixture.other", "other");
        assertThatThrownBy(() -> plugins.update("fixture.conf", other, tenant, ACTOR)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("fixture.other");
        assertThatThrownBy(() -> plugins.update("fixture.conf", "junk".getBytes(StandardCharsets.UTF_8), tenant, ACTOR))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> plugins.update("fixture.unknown", other, tenant, ACTOR)).isInstanceOf(NotFoundException.class);
        assertThat(plugins.get("fixture.conf").version()).isEqualTo("1.1.0");
    }

    @Test
    void anUninstallRemovesThePluginAndItsServicesButKeepsItsConfiguration() throws Exception {
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);
        plugins.writeConfig(PID, Map.of("url", "https://one.example/", "secret", "s3cret"), tenant, ACTOR);
        awaitChannel("conf");

        plugins.uninstall("fixture.conf", tenant, ACTOR);

        assertThat(plugins.list()).isEmpty();
        assertThatThrownBy(() -> plugins.get("fixture.conf")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> plugins.uninstall("fixture.conf", tenant, ACTOR)).isInstanceOf(NotFoundException.class);
        assertThat(kernel.whiteboard().channel("conf")).isEmpty();
        assertThat(storedPlugin("fixture.conf")).isEmpty();
        assertThat(plugins.readConfig(PID).properties()).containsEntry("url", "https://one.example/");

        // a reinstall finds its configuration
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);
        assertThat(properties(awaitChannel("conf")).apply("secret")).isEqualTo("s3cret");
    }

    @Test
    void aRestartBringsBackEveryPluginInItsStateWithItsConfiguration() throws Exception {
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);
        plugins.writeConfig(PID, Map.of("url", "https://one.example/", "secret", "s3cret", "retries", new BigDecimal("4"),
                "tags", List.of("x")), tenant, ACTOR);
        plugins.install(TestBundles.recordingChannel("fixture.idle", "idle"), true, tenant, ACTOR);
        plugins.stop("fixture.idle", tenant, ACTOR);
        plugins.install(TestBundles.throwingActivator("fixture.activator"), true, tenant, ACTOR);
        plugins.update("fixture.conf", TestBundles.configurableChannel("fixture.conf", "1.2.0", "conf", PID), tenant, ACTOR);
        awaitChannel("conf");

        kernel.close();
        kernel = null;
        startKernel();

        assertThat(plugins.list()).extracting(Plugins.Info::symbolicName).containsExactly("fixture.activator", "fixture.conf", "fixture.idle");
        Plugins.Info conf = await().atMost(WAIT).until(() -> plugins.get("fixture.conf"), i -> i.services().contains(CHANNEL));
        assertThat(conf.state()).isEqualTo(Plugins.STATE_ACTIVE);
        assertThat(conf.version()).isEqualTo("1.2.0");
        assertThat(conf.configured()).isTrue();
        Function<String, Object> props = properties(awaitChannel("conf"));
        assertThat(props.apply("url")).isEqualTo("https://one.example/");
        assertThat(props.apply("secret")).isEqualTo("s3cret");
        assertThat(props.apply("retries")).as("the same Java type as before the restart").isEqualTo(4);
        assertThat(props.apply("tags")).isEqualTo(new String[] {"x"});
        assertThat(plugins.readConfig(PID).passwordsSet()).containsExactly("secret");

        assertThat(plugins.get("fixture.idle").state()).isIn(Plugins.STATE_INSTALLED, Plugins.STATE_STOPPED);
        assertThat(kernel.whiteboard().channel("idle")).isEmpty();
        assertThat(plugins.get("fixture.activator").failure()).contains("fixture activator refuses to start");
    }

    @Test
    void aTenantsOwnSettingsRunTheirOwnChannelForItsMessagesOnlyAndSurviveARestart() throws Exception {
        UUID other = kernel.access().tenantBySlug("own-settings").map(AccessStore.Tenant::id)
                .orElseGet(() -> kernel.access().createTenant("own-settings", "Own settings shop", "FR").id());
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);
        plugins.writeConfig(PID, Map.of("url", "https://server.example/", "secret", "server-secret", "prefix", "server"), tenant, ACTOR);
        assertThat(plugins.tenantSettings(other, Plugins.CHANNELS, "conf").scope()).as("the server's settings, unseen").isEqualTo(Plugins.Scope.SERVER);
        assertThat(plugins.tenantSettings(other, Plugins.CHANNELS, "conf").properties()).isEmpty();

        boolean created = plugins.writeTenantSettings(other, Plugins.CHANNELS, "conf", Map.of("url", "https://other.example/", "secret", "other-secret",
                "prefix", "other"), "other-admin");

        assertThat(created).isTrue();
        assertThat(plugins.readConfig(PID + "~shared").properties()).as("the server-wide settings moved beside the tenant's")
                .containsEntry("url", "https://server.example/");
        assertThat(plugins.readConfig(PID + "~shared").passwordsSet()).containsExactly("secret");
        assertThatThrownBy(() -> plugins.readConfig(PID)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> plugins.writeConfig(PID, Map.of("url", "https://x.example/", "secret", "s"), tenant, ACTOR))
                .isInstanceOf(ConflictException.class).hasMessageContaining(PID + "~shared");
        await().atMost(WAIT).until(() -> kernel.whiteboard().channel(other, "conf").map(c -> properties(c).apply("prefix")).orElse(null), "other"::equals);
        await().atMost(WAIT).until(() -> prefixOf("conf"), "server"::equals);
        Function<String, Object> own = properties(kernel.whiteboard().channel(other, "conf").orElseThrow());
        assertThat(own.apply("secret")).isEqualTo("other-secret");
        assertThat(own.apply(Channel.TENANT)).as("the kernel names the tenant").isEqualTo(other.toString());
        assertThat(kernel.whiteboard().channel(tenant, "conf").map(c -> properties(c).apply("prefix"))).as("never another tenant's").contains("server");
        assertThat(prefixOf("conf")).as("the server-wide channel").isEqualTo("server");
        Plugins.TenantSettings settings = plugins.tenantSettings(other, Plugins.CHANNELS, "conf");
        assertThat(settings.scope()).isEqualTo(Plugins.Scope.TENANT);
        assertThat(settings.pid()).isEqualTo(PID);
        assertThat(settings.plugin()).isEqualTo("fixture.conf");
        assertThat(settings.properties()).containsOnlyKeys("url", "prefix")
                .containsEntry("url", "https://other.example/");
        assertThat(settings.passwordsSet()).containsExactly("secret");
        assertThat(settings.running()).isTrue();
        assertThat(plugins.get("fixture.conf").components()).singleElement().satisfies(c -> assertThat(c.configured()).isTrue());
        assertThat(plugins.configurations()).extracting(m -> m.get("pid")).containsExactlyInAnyOrder(PID, PID + "~shared", Plugins.tenantPid(PID, other));

        // what a tenant cannot do: name the tenant itself, or own settings for a tenant that does not exist
        assertThat(catchInvalid(() -> plugins.writeTenantSettings(other, Plugins.CHANNELS, "conf", Map.of("url", "https://x.example/", "secret", "s",
                Channel.TENANT, tenant.toString()), "other-admin")).errors()).extracting(FieldError::field).containsExactly("/" + Channel.TENANT);
        assertThat(catchInvalid(() -> plugins.writeConfig(PID + "~" + UUID.randomUUID(), Map.of("url", "https://x.example/", "secret", "s"),
                tenant, ACTOR)).getMessage()).contains("does not exist");
        assertThatThrownBy(() -> plugins.tenantSettings(other, Plugins.CHANNELS, "nosuch")).isInstanceOf(NotFoundException.class);

        // the server-wide settings go: only the tenant with its own can send on the type
        plugins.deleteConfig(PID + "~shared", tenant, ACTOR);
        await().atMost(WAIT).until(() -> kernel.whiteboard().channel("conf").isEmpty());
        assertThat(kernel.whiteboard().channelTypes(other)).containsExactly("conf");
        assertThat(kernel.whiteboard().channelTypes(tenant)).isEmpty();
        assertThat(kernel.whiteboard().channel(tenant, "conf")).isEmpty();
        assertThat(plugins.tenantSettings(tenant, Plugins.CHANNELS, "conf").scope()).isEqualTo(Plugins.Scope.NONE);

        kernel.close();
        kernel = null;
        startKernel();

        Channel back = await().atMost(WAIT).until(() -> kernel.whiteboard().channel(other, "conf"), Optional::isPresent).orElseThrow();
        assertThat(properties(back).apply("prefix")).isEqualTo("other");
        assertThat(properties(back).apply("secret")).isEqualTo("other-secret");
        assertThat(kernel.whiteboard().channel(tenant, "conf")).isEmpty();
        assertThat(plugins.tenantSettings(other, Plugins.CHANNELS, "conf").passwordsSet()).containsExactly("secret");

        plugins.deleteTenantSettings(other, Plugins.CHANNELS, "conf", "other-admin");
        await().atMost(WAIT).until(() -> kernel.whiteboard().channel(other, "conf").isEmpty());
        assertThat(count("SELECT COUNT(*) FROM plugin_config")).isZero();
        assertThatThrownBy(() -> plugins.deleteTenantSettings(other, Plugins.CHANNELS, "conf", "other-admin")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void theHighestRankedChannelOfATypeWinsAndTheNextTakesOverWhenItStops() {
        plugins.install(TestBundles.recordingChannel("fixture.low", "1.0.0", "ranked", Map.of("prefix", "low")), true, tenant, ACTOR);
        plugins.install(TestBundles.recordingChannel("fixture.high", "1.0.0", "ranked",
                Map.of("prefix", "high", org.osgi.framework.Constants.SERVICE_RANKING, 10)), true, tenant, ACTOR);
        plugins.install(TestBundles.recordingChannel("fixture.later", "1.0.0", "ranked", Map.of("prefix", "later")), true, tenant, ACTOR);

        await().atMost(WAIT).until(() -> prefixOf("ranked"), "high"::equals);
        plugins.stop("fixture.high", tenant, ACTOR);
        await("equal ranking: the oldest service").atMost(WAIT).until(() -> prefixOf("ranked"), "low"::equals);
        plugins.uninstall("fixture.low", tenant, ACTOR);
        await().atMost(WAIT).until(() -> prefixOf("ranked"), "later"::equals);
    }

    @Test
    void aConfigurationCanMoveAChannelToAnotherType() {
        plugins.install(TestBundles.tunableChannel("fixture.tunable", "a", TUNING), true, tenant, ACTOR);
        awaitChannel("a");

        plugins.writeConfig(TUNING, Map.of(Channel.TYPE, "b"), tenant, ACTOR);
        await().atMost(WAIT).until(() -> kernel.whiteboard().channelTypes(), types -> types.equals(java.util.Set.of("b")));
        assertThat(kernel.whiteboard().channel("a")).isEmpty();
        assertThat(properties(awaitChannel("b")).apply("prefix")).isEqualTo("fixture.tunable");

        plugins.deleteConfig(TUNING, tenant, ACTOR);
        await().atMost(WAIT).until(() -> kernel.whiteboard().channelTypes(), types -> types.equals(java.util.Set.of("a")));
    }

    @Test
    void aRankingChangedByConfigurationIsFollowedUntilTheLastChannelGoes() {
        plugins.install(TestBundles.recordingChannel("fixture.low", "1.0.0", "reranked", Map.of("prefix", "low")), true, tenant, ACTOR);
        plugins.install(TestBundles.tunableChannel("fixture.tunable", "reranked", TUNING), true, tenant, ACTOR);
        await("equal ranking: the oldest service").atMost(WAIT).until(() -> prefixOf("reranked"), "low"::equals);

        plugins.writeConfig(TUNING, Map.of("service.ranking", new BigDecimal("10")), tenant, ACTOR);
        await("the new ranking wins").atMost(WAIT).until(() -> prefixOf("reranked"), "fixture.tunable"::equals);

        plugins.stop("fixture.tunable", tenant, ACTOR);
        await().atMost(WAIT).until(() -> prefixOf("reranked"), "low"::equals);
        plugins.stop("fixture.low", tenant, ACTOR);
        // no plugin offers the type any more: the whiteboard must not hand out the stopped component
        await("no channel of the type is left").atMost(Duration.ofSeconds(2)).until(() -> prefixOf("reranked") == null);
        assertThat(kernel.whiteboard().channelTypes()).isEmpty();
    }

    @Test
    void aPluginsListenerGetsTheEventsItAsksForWhileItRuns() {
        plugins.install(TestBundles.recordingListener("fixture.listener", "order.completed"), true, tenant, ACTOR);
        assertThat(plugins.get("fixture.listener").services()).containsExactly(EventListener.class.getName());
        Supplier<List<Event>> seen = listener("fixture.listener");

        ingest("order.completed", "lu@example.com");
        ingest("page.viewed", "lu@example.com");
        await().atMost(WAIT).until(() -> kernel.events().outboxDepth() == 0);
        await().atMost(WAIT).until(() -> seen.get().size() == 1);
        assertThat(seen.get()).singleElement().extracting(Event::type).isEqualTo("order.completed");

        plugins.stop("fixture.listener", tenant, ACTOR);
        ingest("order.completed", "lu@example.com");
        await().atMost(WAIT).until(() -> kernel.events().outboxDepth() == 0);
        assertThat(seen.get()).as("a stopped plugin hears nothing").hasSize(1);
    }

    @SuppressWarnings("unchecked")
    private Supplier<List<Event>> listener(String symbolicName) {
        Bundle b = plugins.host().plugin(symbolicName).orElseThrow();
        ServiceReference<EventListener> ref = await().atMost(WAIT).until(() -> {
            ServiceReference<?>[] refs = b.getRegisteredServices();
            return refs == null ? null : (ServiceReference<EventListener>) refs[0];
        }, java.util.Objects::nonNull);
        EventListener listener = plugins.host().context().getService(ref);
        plugins.host().context().ungetService(ref);
        return (Supplier<List<Event>>) listener;
    }

    private void ingest(String type, String email) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(type, List.of(Identifier.email(email)), false,
                OffsetDateTime.now(), Map.of(), Map.of(), null)));
    }

    // --- class loaders -------------------------------------------------------------------------------------

    @Test
    void anUninstalledPluginsClassLoaderCanBeCollected() throws Exception {
        plugins.install(TestBundles.configurableChannel("fixture.conf", "1.0.0", "conf", PID), true, tenant, ACTOR);
        plugins.writeConfig(PID, Map.of("url", "https://one.example/", "secret", "s3cret"), tenant, ACTOR);
        WeakReference<ClassLoader> loader = loaderOfThePluginsChannel("fixture.conf");
        sendThrough("conf");

        plugins.uninstall("fixture.conf", tenant, ACTOR);

        assertThat(kernel.whiteboard().channel("conf")).isEmpty();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            System.gc();
            return loader.get() == null;
        });
    }

    @Test
    void aConfigurationWithoutAFormIsCheckedByConfigAdminsRulesAndItsSecretsStayHidden() {
        InvalidInputException clash = catchInvalid(() -> plugins.writeConfig("fixture.noform", Map.of("url", "a", "URL", "b"), tenant, ACTOR));
        assertThat(clash.errors()).isNotEmpty();
        assertThat(catchInvalid(() -> plugins.writeConfig("fixture.noform", Map.of("", "x"), tenant, ACTOR)).errors()).isNotEmpty();
        assertThat(plugins.configurations()).noneMatch(m -> "fixture.noform".equals(m.get("pid")));

        plugins.writeConfig("fixture.noform", Map.of("url", "https://x.example/", "apiToken", "t0p-s3cret"), tenant, ACTOR);
        Plugins.ConfigView v = plugins.readConfig("fixture.noform");
        assertThat(v.properties()).containsEntry("url", "https://x.example/").doesNotContainKey("apiToken");
        assertThat(v.passwordsSet()).containsExactly("apiToken");
        plugins.deleteConfig("fixture.noform", tenant, ACTOR);
    }

    @Test
    void aPluginsCamelRoutesComeAndGoWithItAndLeaveItsClassLoaderFree() throws Exception {
        plugins.install(TestBundles.camelRoutes("fixture.routes"), true, tenant, ACTOR);
        org.apache.camel.CamelContext camel = kernel.bus().camel();
        await().atMost(WAIT).until(() -> camel.getRoute("fixture-route") != null);
        camel.createProducerTemplate().sendBody("seda:fixture-in", "hello");
        assertThat(camel.createConsumerTemplate().receiveBody("seda:fixture-out", 5000, String.class))
                .isEqualTo("seen by io.rapport.core.plugin.fixture.PluginRoutes");
        WeakReference<ClassLoader> loader = new WeakReference<>(
                plugins.host().plugin("fixture.routes").orElseThrow().loadClass("io.rapport.core.plugin.fixture.PluginRoutes").getClassLoader());

        plugins.stop("fixture.routes", tenant, ACTOR);
        assertThat(camel.getRoute("fixture-route")).isNull();
        assertThat(((org.apache.camel.model.ModelCamelContext) camel).getRouteDefinition("fixture-route")).isNull();
        plugins.uninstall("fixture.routes", tenant, ACTOR);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            System.gc();
            return loader.get() == null;
        });
    }

    /** Loads the plugin's classes and uses its channel, keeping nothing but a weak reference to its class loader. */
    private WeakReference<ClassLoader> loaderOfThePluginsChannel(String symbolicName) throws Exception {
        Bundle bundle = plugins.host().plugin(symbolicName).orElseThrow();
        Class<?> cls = bundle.loadClass(RecordingChannel.class.getName());
        assertThat(cls).as("the bundle's own copy, not the test class path's").isNotSameAs(RecordingChannel.class);
        assertThat(cls.getClassLoader()).isNotSameAs(RecordingChannel.class.getClassLoader()).isNotSameAs(PluginsTest.class.getClassLoader());
        Channel channel = awaitChannel("conf");
        assertThat(channel.getClass()).isSameAs(cls);
        return new WeakReference<>(cls.getClassLoader());
    }

    /** Sends one message through the channel of {@code type}, so that the kernel's send path has touched the plugin. */
    private void sendThrough(String type) {
        Customer c = kernel.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"leak@example.com\"}"), null,
                kernel.customers().stages(), Clock.systemUTC()), ACTOR);
        Messages.Message m = kernel.messages().submit(tenant, ACTOR,
                new Messages.SendRequest(c.id(), type, "transactional", null, "hello", null, null, null)).message();
        assertThat(m.state()).isEqualTo(Messages.State.SENT);
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private Channel awaitChannel(String type) {
        return await().atMost(WAIT).until(() -> kernel.whiteboard().channel(type), Optional::isPresent).get();
    }

    @SuppressWarnings("unchecked")
    private static Function<String, Object> properties(Channel channel) {
        return (Function<String, Object>) channel;
    }

    private String prefixOf(String type) {
        return kernel.whiteboard().channel(type).map(c -> String.valueOf(properties(c).apply("prefix"))).orElse(null);
    }

    private static InvalidInputException catchInvalid(Runnable r) {
        try {
            r.run();
        } catch (InvalidInputException e) {
            return e;
        }
        throw new AssertionError("expected an InvalidInputException");
    }

    private static String detail(InvalidInputException e, String field) {
        return e.errors().stream().filter(f -> f.field().equals(field)).map(FieldError::detail).findFirst().orElse(null);
    }

    /** @return the stored "started" flag of a plugin, if it is stored */
    private Optional<Boolean> storedPlugin(String name) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement("SELECT started FROM plugin WHERE symbolic_name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBoolean(1)) : Optional.empty();
            }
        }
    }

    private Optional<String> storedVersion(String name) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement("SELECT version FROM plugin WHERE symbolic_name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
