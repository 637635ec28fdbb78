package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/** A small client for the running server under test: JSON in and out, Basic or API-key auth. */
final class Api {

    static final String URL = System.getProperty("rapport.it.url", "http://localhost:9080");
    static final Path WLP = Path.of(System.getProperty("rapport.it.wlp", "target/liberty/wlp"));
    static final String SERVER = System.getProperty("rapport.it.server", "rapport-it");
    /** Plugin jars the build copied for the tests. */
    static final Path PLUGINS = Path.of(System.getProperty("rapport.it.plugins", "target/it-plugins"));
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An HTTP answer with its body parsed when it is JSON. */
    record Answer(int status, String contentType, String raw, HttpResponse<String> response) {
        JsonObject json() {
            return Json.createReader(new StringReader(raw)).readObject();
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        Answer expect(int expected) {
            assertThat(status).as("HTTP status; body: %s", raw).isEqualTo(expected);
            return this;
        }

        /** Asserts a problem+json answer with this status that names {@code pointer} among its errors. */
        Answer expectProblem(int expected, String pointer) {
            expect(expected);
            assertThat(contentType).startsWith("application/problem+json");
            JsonObject p = json();
            assertThat(p.getInt("status")).isEqualTo(expected);
            assertThat(p.getString("type")).startsWith("urn:rapport:problem:");
            assertThat(p.getString("detail")).isNotBlank();
            if (pointer != null) {
                assertThat(p.getJsonArray("errors").stream().map(e -> e.asJsonObject().getString("pointer"))).contains(pointer);
            }
            return this;
        }
    }

    private final String authorization;

    private Api(String authorization) {
        this.authorization = authorization;
    }

    static Api anonymous() {
        return new Api(null);
    }

    static Api user(String username, String password) {
        return new Api("Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    static Api key(String secret) {
        return new Api("Bearer " + secret);
    }

    /** The operator account created on first start, with the password the server wrote to its data folder. */
    static Api operator() {
        try {
            return user("admin", Files.readString(WLP.resolve("usr/servers/" + SERVER + "/data/initial-admin-password")).trim());
        } catch (IOException e) {
            throw new IllegalStateException("no initial admin password file", e);
        }
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(URL + path)).GET());
    }

    Answer delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(URL + path)).DELETE());
    }

    Answer post(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(URL + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Answer put(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(URL + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    Answer patch(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(URL + path)).header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    /** Sends a binary body, such as a plugin jar. */
    Answer upload(String method, String path, byte[] body, String contentType) {
        return send(HttpRequest.newBuilder(URI.create(URL + path)).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Answer send(HttpRequest.Builder b) {
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r);
        } catch (IOException e) {
            throw new IllegalStateException("no answer from " + URL, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A tenant of its own for one test class: its admin, a marketer, a viewer and an API key. The users are
     * {@code <slug>-admin}, {@code <slug>-marketer} and {@code <slug>-viewer}, all with {@code password} (the console's tests sign in with it).
     */
    record Shop(String slug, String tenantId, Api admin, Api marketer, Api viewer, Api key, String keyId, String password) {
    }

    static Shop newShop(String region) {
        String slug = "it-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        JsonObject t = operator().post("/api/v1/admin/tenants", "{\"slug\": \"" + slug + "\", \"name\": \"Shop " + slug + "\""
                + (region == null ? "" : ", \"defaultRegion\": \"" + region + "\"")
                + ", \"admin\": {\"username\": \"" + slug + "-admin\", \"password\": \"" + password + "\"}}").expect(201).json();
        Api admin = user(slug + "-admin", password);
        admin.post("/api/v1/admin/users", "{\"username\": \"" + slug + "-marketer\", \"password\": \"" + password + "\", \"role\": \"marketer\"}").expect(201);
        admin.post("/api/v1/admin/users", "{\"username\": \"" + slug + "-viewer\", \"password\": \"" + password + "\", \"role\": \"viewer\"}").expect(201);
        JsonObject key = admin.post("/api/v1/admin/api-keys", "{\"name\": \"it\"}").expect(201).json();
        return new Shop(slug, t.getString("id"), admin, user(slug + "-marketer", password), user(slug + "-viewer", password),
                key(key.getString("secret")), key.getString("id"), password);
    }

    /** Waits until the customer with this email exists and satisfies the check (the relay is asynchronous). */
    static JsonObject awaitCustomer(Api reader, String email, java.util.function.Predicate<JsonObject> ready) {
        return await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
            var items = reader.get("/api/v1/customers?email=" + email).expect(200).json().getJsonArray("items");
            return items.isEmpty() ? null : items.getJsonObject(0);
        }, c -> c != null && ready.test(c));
    }

    /** A link from a message, sent to this test server instead (links name the configured public URL). */
    static String local(String link) {
        URI u = URI.create(link);
        return URL + u.getRawPath() + "?" + u.getRawQuery();
    }

    static void awaitReady() {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> anonymous().get("/health/ready").status() == 200);
    }

    /** Runs Liberty's {@code server} script for the server under test ({@code start}, {@code stop}) and waits for it. */
    static void server(String action) {
        try {
            Process p = new ProcessBuilder(WLP.resolve("bin/server").toString(), action, SERVER).inheritIO().start();
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("server %s finished", action).isTrue();
            assertThat(p.exitValue()).as("server %s exit code", action).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the server's process at once, as a power cut would, and waits until it is gone. */
    static void kill() {
        try {
            long pid = Long.parseLong(Files.readString(WLP.resolve("usr/servers/.pid/" + SERVER + ".pid")).trim());
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isNull(JsonObject o, String key) {
        return !o.containsKey(key) || o.get(key).getValueType() == JsonValue.ValueType.NULL;
    }
}
