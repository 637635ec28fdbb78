package io.rapport.core.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import io.rapport.core.plugin.fixture.FailingComponent;
import io.rapport.core.plugin.fixture.HangingChannel;
import io.rapport.core.plugin.fixture.PluginRoutes;
import io.rapport.core.plugin.fixture.RecordingChannel;
import io.rapport.core.plugin.fixture.RecordingListener;
import io.rapport.core.plugin.fixture.ThrowingActivator;
import io.rapport.core.plugin.fixture.ThrowingChannel;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.event.EventListener;

/**
 * Builds OSGi bundles in memory for tests: a manifest, hand-written Declarative Services and Metatype XML, and
 * classes copied as bytes from the test class path (the {@code io.rapport.core.plugin.fixture} package, which no
 * bundle exports, so that Felix loads each bundle's own copy). {@link #bundle} starts a builder; the static
 * factories below give the bundles the tests use most.
 */
public final class TestBundles {

    /** Import of the channel SPI, as bnd would write it for a plugin built against API 0.1. */
    public static final String IMPORT_CHANNEL_SPI = "io.rapport.spi.channel;version=\"[0.1,1)\"";
    /** Import of the customer API ({@link io.rapport.spi.channel.OutboundMessage#customer()}). */
    public static final String IMPORT_CUSTOMER_API = "io.rapport.api.customer;version=\"[0.1,1)\"";
    /** Imports of the event API and SPI, for listeners. */
    public static final String IMPORT_EVENT_API = "io.rapport.api.event;version=\"[0.1,1)\"";
    public static final String IMPORT_EVENT_SPI = "io.rapport.spi.event;version=\"[0.1,1)\"";
    /** Import of the framework API, for activators. */
    public static final String IMPORT_FRAMEWORK = "org.osgi.framework;version=\"[1.8,2)\"";

    /** Configuration policies of a DS component. */
    public static final String OPTIONAL = "optional";
    public static final String REQUIRE = "require";
    public static final String IGNORE = "ignore";

    private TestBundles() {
    }

    public static Builder bundle(String symbolicName) {
        return new Builder(symbolicName);
    }

    /** Builds one bundle jar. */
    public static final class Builder {
        private final String symbolicName;
        private String version = "1.0.0";
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final Set<String> imports = new LinkedHashSet<>();
        private final List<String> components = new ArrayList<>();
        private final Map<String, byte[]> entries = new LinkedHashMap<>();
        private boolean manifestVersion2 = true;

        private Builder(String symbolicName) {
            this.symbolicName = symbolicName;
        }

        public Builder version(String v) {
            this.version = v;
            return this;
        }

        /** Adds a manifest header (Bundle-Name, Bundle-Description, ...), replacing one of the same name. */
        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** Adds Import-Package clauses. */
        public Builder imports(String... clauses) {
            imports.addAll(List.of(clauses));
            return this;
        }

        /** Imports what the fixture channels need: the channel SPI and the customer API. */
        public Builder channelImports() {
            return imports(IMPORT_CHANNEL_SPI, IMPORT_CUSTOMER_API);
        }

        /** Sets Bundle-Activator, copies the activator class in and imports the framework API. */
        public Builder activator(Class<?> activator) {
            headers.put("Bundle-Activator", activator.getName());
            imports(IMPORT_FRAMEWORK);
            return classes(activator);
        }

        /** Adds a DS component description at {@code OSGI-INF/<name>.xml} and lists it in Service-Component. */
        public Builder component(String name, String xml) {
            String path = "OSGI-INF/" + name + ".xml";
            components.add(path);
            return entry(path, xml);
        }

        /** Adds a Metatype description at {@code OSGI-INF/metatype/<name>.xml}. */
        public Builder metatype(String name, String xml) {
            return entry("OSGI-INF/metatype/" + name + ".xml", xml);
        }

        /** Copies classes from the test class path into the bundle, with their nested and anonymous classes. */
        public Builder classes(Class<?>... classes) {
            for (Class<?> c : classes) {
                String path = c.getName().replace('.', '/') + ".class";
                entries.put(path, classBytes(c, path));
                for (Map.Entry<String, byte[]> nested : nestedClasses(c).entrySet()) {
                    entries.put(nested.getKey(), nested.getValue());
                }
            }
            return this;
        }

        public Builder entry(String path, String text) {
            return entry(path, text.getBytes(StandardCharsets.UTF_8));
        }

        public Builder entry(String path, byte[] bytes) {
            entries.put(path, bytes);
            return this;
        }

        /** Leaves out Bundle-SymbolicName and Bundle-ManifestVersion: a plain jar, not a bundle. */
        public Builder plainJar() {
            manifestVersion2 = false;
            return this;
        }

        public byte[] build() {
            Manifest mf = new Manifest();
            Attributes main = mf.getMainAttributes();
            main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            if (manifestVersion2) {
                main.putValue("Bundle-ManifestVersion", "2");
                main.putValue("Bundle-SymbolicName", symbolicName);
            }
            main.putValue("Bundle-Version", version);
            if (!imports.isEmpty()) {
                main.putValue("Import-Package", String.join(",", imports));
            }
            if (!components.isEmpty()) {
                main.putValue("Service-Component", String.join(",", components));
            }
            headers.forEach(main::putValue);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream jar = new JarOutputStream(bytes, mf)) {
                Set<String> dirs = new LinkedHashSet<>();
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    String path = e.getKey();
                    for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
                        String dir = path.substring(0, i + 1);
                        if (dirs.add(dir)) {
                            jar.putNextEntry(new JarEntry(dir));
                            jar.closeEntry();
                        }
                    }
                    jar.putNextEntry(new JarEntry(path));
                    jar.write(e.getValue());
                    jar.closeEntry();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }

    private static byte[] classBytes(Class<?> c, String path) {
        try (InputStream in = c.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no class file " + path + " on the test class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code Outer$*.class} files next to {@code c}'s class file, when the test classes are a folder. */
    private static Map<String, byte[]> nestedClasses(Class<?> c) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        URL url = c.getResource(c.getSimpleName() + ".class");
        if (url == null || !"file".equals(url.getProtocol())) {
            return out;
        }
        try {
            Path file = Path.of(url.toURI());
            String prefix = c.getSimpleName() + "$";
            String pkg = c.getPackageName().replace('.', '/');
            try (Stream<Path> siblings = Files.list(file.getParent())) {
                for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                    out.put(pkg + "/" + p.getFileName(), Files.readAllBytes(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    // --- Declarative Services and Metatype XML -----------------------------------------------------------------

    /**
     * A DS 1.5 component that provides {@link Channel}, immediate.
     *
     * @param name        the component name (also its default configuration PID)
     * @param impl        the implementation class (copy it into the bundle with {@link Builder#classes})
     * @param channelType the {@code rapport.channel.type} property
     * @param policy      {@link #OPTIONAL}, {@link #REQUIRE} or {@link #IGNORE}
     * @param pid         the configuration PID, or null for the component name
     * @param properties  more component properties: String values as String, Integer values as Integer
     */
    public static String channelComponent(String name, Class<? extends Channel> impl, String channelType, String policy, String pid,
                                          Map<String, ?> properties) {
        StringBuilder xml = new StringBuilder();
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.append("<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.5.0\" name=\"").append(name).append("\" immediate=\"true\"")
                .append(" configuration-policy=\"").append(policy).append("\"");
        if (pid != null) {
            xml.append(" configuration-pid=\"").append(pid).append("\"");
        }
        if (hasMethod(impl, "activate")) {
            xml.append(" activate=\"activate\"");
        }
        if (hasMethod(impl, "modified")) {
            xml.append(" modified=\"modified\"");
        }
        if (hasMethod(impl, "deactivate")) {
            xml.append(" deactivate=\"deactivate\"");
        }
        xml.append(">\n");
        xml.append("  <property name=\"").append(Channel.TYPE).append("\" type=\"String\" value=\"").append(channelType).append("\"/>\n");
        for (Map.Entry<String, ?> p : properties.entrySet()) {
            String type = p.getValue() instanceof Integer ? "Integer" : p.getValue() instanceof Boolean ? "Boolean" : "String";
            xml.append("  <property name=\"").append(p.getKey()).append("\" type=\"").append(type).append("\" value=\"").append(p.getValue())
                    .append("\"/>\n");
        }
        xml.append("  <service>\n    <provide interface=\"").append(Channel.class.getName()).append("\"/>\n  </service>\n");
        xml.append("  <implementation class=\"").append(impl.getName()).append("\"/>\n");
        xml.append("</scr:component>\n");
        return xml.toString();
    }

    /** A DS 1.5 component that provides {@link EventListener} for {@code eventType}, immediate, without configuration. */
    public static String listenerComponent(String name, Class<? extends EventListener> impl, String eventType) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.5.0" name="%s" immediate="true" configuration-policy="ignore">
                  <property name="%s" type="String" value="%s"/>
                  <service>
                    <provide interface="%s"/>
                  </service>
                  <implementation class="%s"/>
                </scr:component>
                """.formatted(name, EventListener.EVENT_TYPES, eventType, EventListener.class.getName(), impl.getName());
    }

    private static boolean hasMethod(Class<?> c, String name) {
        return Stream.of(c.getDeclaredMethods()).anyMatch(m -> m.getName().equals(name));
    }

    /** The configuration form of {@link #configurableChannel}: what {@code PluginsTest} checks values against. */
    public static String metatypeForm(String pid) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.2.0">
                  <OCD id="%1$s.form" name="Configurable channel" description="A recording channel with a form.">
                    <AD id="url" type="String" name="Target URL" description="Where to send."/>
                    <AD id="secret" type="Password" name="Secret" description="Signing secret."/>
                    <AD id="retries" type="Integer" name="Retries" required="false" default="3" min="0" max="10"/>
                    <AD id="verbose" type="Boolean" name="Verbose" required="false" default="false"/>
                    <AD id="prefix" type="String" name="Provider id prefix" required="false" default="rec"/>
                    <AD id="mode" type="String" name="Mode" required="false" default="fast">
                      <Option value="fast" label="Fast"/>
                      <Option value="careful" label="Careful"/>
                    </AD>
                    <AD id="tags" type="String" name="Tags" required="false" cardinality="3"/>
                  </OCD>
                  <Designate pid="%1$s">
                    <Object ocdref="%1$s.form"/>
                  </Designate>
                </metatype:MetaData>
                """.formatted(pid);
    }

    /** A form whose settings are service properties: the channel type, the service ranking, the provider id prefix. */
    public static String tuningForm(String pid) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.2.0">
                  <OCD id="%1$s.form" name="Tunable channel">
                    <AD id="rapport.channel.type" type="String" name="Channel type" required="false"/>
                    <AD id="service.ranking" type="Integer" name="Ranking" required="false"/>
                    <AD id="prefix" type="String" name="Provider id prefix" required="false"/>
                  </OCD>
                  <Designate pid="%1$s">
                    <Object ocdref="%1$s.form"/>
                  </Designate>
                </metatype:MetaData>
                """.formatted(pid);
    }

    // --- the bundles tests use most ----------------------------------------------------------------------------

    /** A {@link RecordingChannel} of {@code channelType} that needs no configuration. */
    public static byte[] recordingChannel(String symbolicName, String channelType) {
        return recordingChannel(symbolicName, "1.0.0", channelType, Map.of());
    }

    /** A {@link RecordingChannel} of {@code channelType} with more component properties (service.ranking, prefix). */
    public static byte[] recordingChannel(String symbolicName, String version, String channelType, Map<String, ?> properties) {
        return bundle(symbolicName).version(version).channelImports().classes(RecordingChannel.class)
                .header("Bundle-Name", "Recording channel " + channelType)
                .component(symbolicName, channelComponent(symbolicName, RecordingChannel.class, channelType, OPTIONAL, null, properties))
                .build();
    }

    /**
     * A {@link RecordingChannel} that requires the configuration {@code pid}, described by {@link #metatypeForm}:
     * it only offers its channel once an admin configured it.
     */
    public static byte[] configurableChannel(String symbolicName, String version, String channelType, String pid) {
        return bundle(symbolicName).version(version).channelImports().classes(RecordingChannel.class)
                .component(symbolicName, channelComponent(symbolicName, RecordingChannel.class, channelType, REQUIRE, pid, Map.of()))
                .metatype(symbolicName, metatypeForm(pid))
                .build();
    }

    /**
     * A {@link RecordingChannel} of {@code channelType} that runs without configuration and takes an optional one
     * ({@code pid}, described by {@link #tuningForm}) that may change its channel type and ranking live.
     */
    public static byte[] tunableChannel(String symbolicName, String channelType, String pid) {
        return bundle(symbolicName).channelImports().classes(RecordingChannel.class)
                .component(symbolicName, channelComponent(symbolicName, RecordingChannel.class, channelType, OPTIONAL, pid,
                        Map.of("prefix", symbolicName)))
                .metatype(symbolicName, tuningForm(pid))
                .build();
    }

    /** A {@link RecordingListener} of {@code eventType}. */
    public static byte[] recordingListener(String symbolicName, String eventType) {
        return bundle(symbolicName).imports(IMPORT_EVENT_API, IMPORT_EVENT_SPI, IMPORT_CUSTOMER_API).classes(RecordingListener.class)
                .component(symbolicName, listenerComponent(symbolicName, RecordingListener.class, eventType))
                .build();
    }

    /** A {@link ThrowingChannel} of {@code channelType}. */
    public static byte[] throwingChannel(String symbolicName, String channelType) {
        return bundle(symbolicName).channelImports().classes(ThrowingChannel.class)
                .component(symbolicName, channelComponent(symbolicName, ThrowingChannel.class, channelType, OPTIONAL, null, Map.of()))
                .build();
    }

    /** A {@link HangingChannel} of {@code channelType}. */
    public static byte[] hangingChannel(String symbolicName, String channelType) {
        return bundle(symbolicName).channelImports().classes(HangingChannel.class)
                .component(symbolicName, channelComponent(symbolicName, HangingChannel.class, channelType, OPTIONAL, null, Map.of()))
                .build();
    }

    /** A bundle whose one component ({@link FailingComponent}) throws on activation. */
    public static byte[] failingComponent(String symbolicName) {
        return bundle(symbolicName).channelImports().classes(FailingComponent.class)
                .component(symbolicName, channelComponent(symbolicName, FailingComponent.class, "broken", OPTIONAL, null, Map.of()))
                .build();
    }

    /** A bundle whose one component provides Camel routes ({@link PluginRoutes}) as a {@code RoutesBuilder} service. */
    public static byte[] camelRoutes(String symbolicName) {
        String camel = ";version=\"[4.14,5)\"";
        return bundle(symbolicName).imports("org.apache.camel" + camel, "org.apache.camel.builder" + camel, "org.apache.camel.model" + camel,
                        "org.apache.camel.spi" + camel, "org.apache.camel.support" + camel)
                .classes(PluginRoutes.class)
                .component(symbolicName, """
                        <?xml version="1.0" encoding="UTF-8"?>
                        <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.5.0" name="%s" immediate="true" configuration-policy="ignore">
                          <service>
                            <provide interface="org.apache.camel.RoutesBuilder"/>
                          </service>
                          <implementation class="%s"/>
                        </scr:component>
                        """.formatted(symbolicName, PluginRoutes.class.getName()))
                .build();
    }

    /** A bundle whose activator ({@link ThrowingActivator}) throws on start. */
    public static byte[] throwingActivator(String symbolicName) {
        return bundle(symbolicName).activator(ThrowingActivator.class).build();
    }
}
