package io.rapport.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kernel's schema for the baseline database (the migration files of kernel/core, run in version order), and
 * the PostgreSQL schemas of a run: {@code reset URL USER} drops and recreates the schema named by {@code currentSchema},
 * {@code drop URL USER} drops it. The password comes from PGPASSWORD.
 */
public final class Schema {

    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__.*\\.sql");
    private static final Pattern CURRENT_SCHEMA = Pattern.compile("currentSchema=([a-z_][a-z0-9_]*)");

    private Schema() {
    }

    public static void main(String[] args) throws SQLException {
        if (args.length != 3 || !(args[0].equals("reset") || args[0].equals("drop") || args[0].equals("settings"))) {
            System.err.println("usage: Schema reset|drop|settings JDBC_URL_WITH_currentSchema USER   (password from PGPASSWORD)");
            System.exit(2);
        }
        String password = System.getenv().getOrDefault("PGPASSWORD", "");
        if (args[0].equals("settings")) {
            System.out.println(settings(args[1], args[2], password));
        } else if (args[0].equals("reset")) {
            resetPostgres(args[1], args[2], password);
        } else {
            dropPostgres(args[1], args[2], password);
        }
    }

    static String schemaOf(String url) {
        Matcher m = CURRENT_SCHEMA.matcher(url);
        if (!m.find()) {
            throw new IllegalArgumentException("no currentSchema=name (lower case) in " + url);
        }
        return m.group(1);
    }

    static void resetPostgres(String url, String user, String password) throws SQLException {
        String schema = schemaOf(url);
        try (Connection c = DriverManager.getConnection(withoutSchema(url), user, password); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
        }
    }

    /** The server settings a run's figures depend on most, for its report: "PostgreSQL 15.4, shared_buffers 128MB, …". */
    static String settings(String url, String user, String password) throws SQLException {
        StringBuilder out = new StringBuilder("PostgreSQL ");
        try (Connection c = DriverManager.getConnection(withoutSchema(url), user, password); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT current_setting('server_version'), name, current_setting(name) FROM unnest(ARRAY['shared_buffers', "
                     + "'max_wal_size', 'checkpoint_timeout', 'synchronous_commit', 'autovacuum', 'shared_preload_libraries']) AS name")) {
            boolean first = true;
            while (rs.next()) {
                if (first) {
                    out.append(rs.getString(1).split(" ")[0]);
                    first = false;
                }
                out.append(", ").append(rs.getString(2)).append(' ').append(rs.getString(3).isEmpty() ? "(none)" : rs.getString(3));
            }
        }
        return out.toString();
    }

    static void dropPostgres(String url, String user, String password) throws SQLException {
        String schema = schemaOf(url);
        try (Connection c = DriverManager.getConnection(withoutSchema(url), user, password); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    private static String withoutSchema(String url) {
        return url.replaceAll("currentSchema=[^&]*&?", "").replaceAll("[?&]$", "");
    }

    /** Runs every {@code V<version>__*.sql} of {@code dir} in version order on {@code c}. */
    static List<String> migrate(Connection c, Path dir) throws IOException, SQLException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> VERSIONED.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing(Schema::version, Schema::compareVersions)).toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no V<version>__*.sql migration in " + dir);
        }
        // the kernel's Flyway placeholders (Migrations.placeholders)
        boolean pg = "PostgreSQL".equals(c.getMetaData().getDatabaseProductName());
        List<String> applied = new ArrayList<>();
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            for (Path f : files) {
                for (String sql : statements(withPlaceholders(Files.readString(f, StandardCharsets.UTF_8), pg))) {
                    st.execute(sql);
                }
                applied.add(f.getFileName().toString());
            }
        } finally {
            c.setAutoCommit(auto);
        }
        return applied;
    }

    private static String withPlaceholders(String sql, boolean pg) {
        for (java.util.Map.Entry<String, String> e : io.rapport.core.db.Migrations.placeholders(pg).entrySet()) {
            sql = sql.replace("${" + e.getKey() + "}", e.getValue());
        }
        return sql;
    }

    private static String version(Path p) {
        Matcher m = VERSIONED.matcher(p.getFileName().toString());
        m.matches();
        return m.group(1);
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("[._]");
        String[] y = b.split("[._]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long u = i < x.length ? Long.parseLong(x[i]) : 0;
            long v = i < y.length ? Long.parseLong(y[i]) : 0;
            if (u != v) {
                return Long.compare(u, v);
            }
        }
        return 0;
    }

    /** Splits a plain SQL script on semicolons, dropping {@code --} comments; quotes are respected. */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < script.length(); i++) {
            char ch = script.charAt(i);
            if (!quoted && ch == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                while (i < script.length() && script.charAt(i) != '\n') {
                    i++;
                }
                cur.append('\n');
                continue;
            }
            if (ch == '\'') {
                quoted = !quoted;
            }
            if (!quoted && ch == ';') {
                if (!cur.toString().isBlank()) {
                    out.add(cur.toString().trim());
                }
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString().trim());
        }
        return out;
    }
}
