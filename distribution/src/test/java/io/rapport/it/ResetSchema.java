package io.rapport.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Drops and recreates the schema named by {@code currentSchema} in a PostgreSQL URL, so each suite starts empty. */
public final class ResetSchema {

    private ResetSchema() {
    }

    public static void main(String[] args) throws SQLException {
        String url = args[0];
        Matcher m = Pattern.compile("currentSchema=([a-z_][a-z0-9_]*)").matcher(url);
        if (!m.find()) {
            throw new IllegalArgumentException("no currentSchema in " + url);
        }
        try (Connection c = DriverManager.getConnection(url.replaceAll("currentSchema=[^&]*&?", ""), args[1], "");
             Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + m.group(1) + " CASCADE");
            s.execute("CREATE SCHEMA " + m.group(1));
        }
    }
}
