package io.rapport.core.plugin;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.BundleException;

/** Turns the framework's reasons into sentences an admin can act on. */
final class Failures {

    private static final Pattern MISSING_PACKAGE = Pattern.compile("osgi\\.wiring\\.package=([^)]+)\\)(\\(version>=([^)]+)\\))?");
    private static final Pattern MISSING_SERVICE = Pattern.compile("osgi\\.service; \\(objectClass=([^)]+)\\)");

    private Failures() {
    }

    static String explain(BundleException e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (e.getType() == BundleException.RESOLVE_ERROR || msg.startsWith("Unable to resolve")) {
            List<String> needs = new ArrayList<>();
            Matcher m = MISSING_PACKAGE.matcher(msg);
            while (m.find()) {
                String pkg = m.group(1) + (m.group(3) == null ? "" : " " + m.group(3) + " or later");
                if (!needs.contains(pkg)) {
                    needs.add(pkg);
                }
            }
            if (!needs.isEmpty()) {
                return "cannot start: it needs the package " + String.join(", ", needs)
                        + ", which neither the kernel nor any installed plugin provides";
            }
            Matcher s = MISSING_SERVICE.matcher(msg);
            if (s.find()) {
                return "cannot start: it needs a " + s.group(1) + " service, which nothing provides";
            }
            return "cannot start: " + firstLine(msg);
        }
        Throwable cause = e.getCause();
        if (cause != null) {
            return "its activator failed: " + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + firstLine(cause.getMessage()));
        }
        return firstLine(msg);
    }

    /**
     * A component's failure from SCR's text (a stack trace): the deepest cause, which names what went wrong
     * rather than the reflection that called the component.
     */
    static String componentFailure(String trace) {
        if (trace == null) {
            return null;
        }
        String cause = null;
        for (String line : trace.split("\n")) {
            String l = line.trim();
            if (l.startsWith("Caused by: ")) {
                cause = l.substring("Caused by: ".length());
            }
        }
        return cause != null ? cause : firstLine(trace);
    }

    /** The first line of a text that may carry a stack trace. */
    static String firstLine(String text) {
        if (text == null) {
            return null;
        }
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).trim();
    }
}
