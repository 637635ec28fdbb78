package io.rapport.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --name value} or {@code --name=value} arguments; unknown names are an error, so typos do not pass silently. */
final class Options {

    private final Map<String, String> values = new LinkedHashMap<>();

    static Options parse(String[] args, java.util.Set<String> known) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                name = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + " (known: " + known + ")");
            }
            o.values.put(name, value);
        }
        return o;
    }

    String str(String name, String def) {
        return values.getOrDefault(name, def);
    }

    int integer(String name, int def) {
        String v = values.get(name);
        return v == null ? def : Integer.parseInt(v.trim());
    }

    long longValue(String name, long def) {
        String v = values.get(name);
        return v == null || v.isBlank() ? def : Long.parseLong(v.trim());
    }

    double number(String name, double def) {
        String v = values.get(name);
        return v == null ? def : Double.parseDouble(v.trim());
    }
}
