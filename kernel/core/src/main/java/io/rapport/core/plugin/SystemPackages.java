package io.rapport.core.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.Manifest;

import org.apache.camel.CamelContext;

/**
 * Builds the system bundle's {@code org.osgi.framework.system.packages.extra}: the packages the host shares with
 * plugins, so that host and plugins use one copy of each API class. The kernel API's and the OSGi service APIs'
 * packages are read from the {@code Export-Package} headers of their jars' manifests on the host's class path,
 * so their versions cannot drift; Camel's jars are not bundles, so its API packages are listed here and take the
 * version of the Camel on the class path.
 */
public final class SystemPackages {

    /** Bundles on the host's class path whose exports are shared with plugins. */
    static final Set<String> SHARED_BUNDLES = Set.of(
            "io.rapport.api",
            "org.osgi.service.component",
            "org.osgi.service.cm",
            "org.osgi.service.metatype",
            "org.osgi.service.log",
            "org.osgi.util.promise",
            "org.osgi.util.function");

    /** The Camel packages a route-contributing plugin compiles against. */
    static final List<String> CAMEL_PACKAGES = List.of(
            "org.apache.camel",
            "org.apache.camel.builder",
            "org.apache.camel.model",
            "org.apache.camel.spi",
            "org.apache.camel.support",
            "org.apache.camel.util");

    private SystemPackages() {
    }

    /** @return the export clauses, comma separated, for packages visible to {@code loader} */
    public static String exports(ClassLoader loader) {
        TreeMap<String, String> clauses = new TreeMap<>();
        Set<String> found = new java.util.HashSet<>();
        try {
            Enumeration<URL> manifests = loader.getResources("META-INF/MANIFEST.MF");
            while (manifests.hasMoreElements()) {
                Manifest mf;
                try (InputStream in = manifests.nextElement().openStream()) {
                    mf = new Manifest(in);
                }
                String bsn = mf.getMainAttributes().getValue("Bundle-SymbolicName");
                String exports = mf.getMainAttributes().getValue("Export-Package");
                if (bsn == null || exports == null) {
                    continue;
                }
                bsn = bsn.split(";", 2)[0].trim();
                if (SHARED_BUNDLES.contains(bsn) && found.add(bsn)) {
                    for (String clause : splitClauses(exports)) {
                        clauses.put(clause.split(";", 2)[0].trim(), withoutUses(clause));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the class path's manifests", e);
        }
        if (!found.containsAll(SHARED_BUNDLES)) {
            Set<String> missing = new java.util.TreeSet<>(SHARED_BUNDLES);
            missing.removeAll(found);
            throw new IllegalStateException("the plugin host needs these API jars on its class path: " + missing);
        }
        String camel = camelVersion();
        for (String p : CAMEL_PACKAGES) {
            clauses.put(p, p + ";version=\"" + camel + "\"");
        }
        return String.join(",", clauses.values());
    }

    static String camelVersion() {
        String v = CamelContext.class.getPackage().getImplementationVersion();
        if (v == null) {
            v = new org.apache.camel.impl.DefaultCamelContext(false).getVersion();
        }
        // OSGi versions are major.minor.micro[.qualifier]: 4.14.0 stays, 4.14.0-SNAPSHOT becomes 4.14.0.SNAPSHOT
        return v.replaceFirst("-", ".");
    }

    /** Splits a manifest header on the commas that are not inside quotes. */
    static List<String> splitClauses(String header) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char ch : header.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            }
            if (ch == ',' && !quoted) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString().trim());
        }
        return out;
    }

    /** Drops the {@code uses:=} directive: the system bundle's packages come from one class loader anyway. */
    static String withoutUses(String clause) {
        StringBuilder out = new StringBuilder();
        for (String part : clause.split(";(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
            if (!part.trim().startsWith("uses:=")) {
                out.append(out.isEmpty() ? "" : ";").append(part.trim());
            }
        }
        return out.toString();
    }
}
