package io.rapport.bench;

import java.net.URI;

/**
 * What a benchmark against the running server on PostgreSQL starts from: the server (loopback only), the admin's
 * credentials from the environment, and the server's schema for the same-run baseline.
 */
record PgRun(Http http, URI base, String admin, String jdbc, String user) {

    /** @return the run's settings, or exits with status 2 after saying what is missing */
    static PgRun of(Options o, String benchmark) {
        String pw = Http.adminPassword();
        if (pw == null) {
            System.exit(2);
        }
        String jdbc = o.str("jdbc-url", null);
        if (jdbc == null || !jdbc.startsWith("jdbc:postgresql:")) {
            System.err.println("--jdbc-url: the server's PostgreSQL schema (the " + benchmark + " benchmark runs on PostgreSQL)");
            System.exit(2);
        }
        URI base = URI.create(o.str("url", "http://127.0.0.1:9080"));
        Http.requireLoopback(base);
        return new PgRun(new Http(base), base, Http.basic("admin", pw), jdbc, o.str("jdbc-user", "postgres"));
    }
}
