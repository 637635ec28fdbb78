package io.rapport.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The few calls the driver makes, over one keep-alive HTTP/1.1 client, to a server on this machine only. */
final class Http {

    record Response(int status, String body) {
    }

    /** Fails the run unless the answer has one of the {@code ok} statuses. */
    static void expect(Response r, int... ok) {
        for (int s : ok) {
            if (r.status() == s) {
                return;
            }
        }
        throw new IllegalStateException("unexpected answer " + r.status() + ": " + r.body());
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern SECRET = Pattern.compile("\"secret\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ITEM = Pattern.compile("\"items\"\\s*:\\s*\\[\\s*\\{");

    private final HttpClient client;
    private final URI base;

    Http(URI base) {
        requireLoopback(base);
        this.base = base;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Load goes to this machine only: refuse anything but a loopback address. */
    static void requireLoopback(URI uri) {
        String host = uri.getHost();
        try {
            if (host == null || !InetAddress.getByName(host).isLoopbackAddress()) {
                throw new IllegalArgumentException("the driver only targets this machine (loopback), not " + uri);
            }
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("unknown host in " + uri, e);
        }
    }

    /** @return the server's admin password from {@code BENCH_ADMIN_PASSWORD}, or null after saying it is missing */
    static String adminPassword() {
        String pw = System.getenv("BENCH_ADMIN_PASSWORD");
        if (pw == null || pw.isBlank()) {
            System.err.println("set BENCH_ADMIN_PASSWORD to the server's admin password");
            return null;
        }
        return pw;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    Response post(String path, String authorization, String json) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Authorization", authorization)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
        HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(resp.statusCode(), resp.body());
    }

    /** A POST that may take longer than the usual timeout, such as a batch answered when done. */
    Response post(String path, String authorization, String json, Duration timeout) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).header("Authorization", authorization)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
        HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(resp.statusCode(), resp.body());
    }

    Response put(String path, String authorization, String json) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Authorization", authorization)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
        HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(resp.statusCode(), resp.body());
    }

    /** The same POST without waiting: for load sent on a schedule, whatever the server's latency. */
    java.util.concurrent.CompletableFuture<Response> postAsync(String path, String authorization, String json) {
        HttpRequest r = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Authorization", authorization)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
        return client.sendAsync(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(resp -> new Response(resp.statusCode(), resp.body()));
    }

    Response get(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Accept", "application/json").GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> resp = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(resp.statusCode(), resp.body());
    }

    /** Creates a tenant API key as the admin and returns its secret. */
    String createApiKey(String adminPassword, String name) throws IOException, InterruptedException {
        Response r = post("/api/v1/admin/api-keys", basic("admin", adminPassword), "{\"name\":\"" + name + "\"}");
        Matcher m = SECRET.matcher(r.body());
        if (r.status() != 201 || !m.find()) {
            throw new IllegalStateException("creating an API key answered " + r.status() + ": " + r.body());
        }
        return m.group(1);
    }

    /** @return whether GET /api/v1/customers?email= finds a profile */
    boolean customerExists(String email, String authorization) throws IOException, InterruptedException {
        Response r = get("/api/v1/customers?email=" + URLEncoder.encode(email, StandardCharsets.UTF_8), authorization);
        if (r.status() != 200) {
            throw new IOException("customer search answered " + r.status() + ": " + r.body());
        }
        return ITEM.matcher(r.body()).find();
    }

    /** The readiness check's data: {@code outbox}, {@code projected}, {@code failed}; -1 for what is missing. */
    record Health(int status, long outbox, long projected, long failed) {
    }

    Health health() throws IOException, InterruptedException {
        Response r = get("/health/ready", null);
        return new Health(r.status(), number(r.body(), "outbox"), number(r.body(), "projected"), number(r.body(), "failed"));
    }

    /** The first {@code "name": 123} of a JSON text, or -1. */
    static long number(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** @return the tenant of the user {@code auth} signs in as, from {@code GET /api/v1/me} */
    static java.util.UUID tenantOf(Http http, String auth) throws Exception {
        Response me = http.get("/api/v1/me", auth);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"tenantId\"\\s*:\\s*\"([^\"]+)\"").matcher(me.body());
        if (me.status() != 200 || !m.find()) {
            throw new IllegalStateException("GET /api/v1/me answered " + me.status() + ": " + me.body());
        }
        return java.util.UUID.fromString(m.group(1));
    }
}
