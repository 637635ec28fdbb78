package io.rapport.it;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpServer;

/** Test helpers for plugins: the webhook plugin's jar (as built, or rewritten), and a webhook receiver. */
final class Plugins {

    static final String WEBHOOK = "io.rapport.plugin.channel.webhook";
    static final String WEBHOOK_PID = "io.rapport.channel.webhook";
    static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString("rapport-system-test-secret-32byte".getBytes(StandardCharsets.UTF_8));

    private Plugins() {
    }

    /**
     * Deletes a plugin's configurations: the single one, the server-wide {@code ~shared} one and tenants' own
     * ({@code ~<tenant id>}, listed only while the plugin is installed).
     */
    static void removeConfigurations(String pid) {
        java.util.Set<String> pids = new java.util.TreeSet<>(List.of(pid, pid + "~shared"));
        Api.operator().get("/api/v1/admin/configurations").expect(200).json().getJsonArray("items").getValuesAs(jakarta.json.JsonObject.class).stream()
                .map(c -> c.getString("pid")).filter(p -> p.startsWith(pid + "~")).forEach(pids::add);
        for (String p : pids) {
            if (Api.operator().get("/api/v1/admin/configurations/" + p).status() == 200) {
                Api.operator().delete("/api/v1/admin/configurations/" + p).expect(204);
            }
        }
    }

    static byte[] webhookJar() {
        try {
            return Files.readAllBytes(Api.PLUGINS.resolve("channel-webhook.jar"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same jar with other manifest headers (a new version, another symbolic name, none at all). */
    static byte[] rewrite(byte[] jar, java.util.Map<String, String> headers) {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest mf = new Manifest(in.getManifest());
            headers.forEach((k, v) -> {
                if (v == null) {
                    mf.getMainAttributes().remove(new Attributes.Name(k));
                } else {
                    mf.getMainAttributes().putValue(k, v);
                }
            });
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream out = new JarOutputStream(bytes, mf)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A webhook receiver on loopback that checks Standard Webhooks signatures and answers a chosen status. */
    static final class Receiver implements AutoCloseable {
        record Hit(String id, String body, boolean signatureValid) {
        }

        final List<Hit> hits = new CopyOnWriteArrayList<>();
        final AtomicInteger status = new AtomicInteger(200);
        private final HttpServer server;

        Receiver() {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext("/hook", ex -> {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String id = ex.getRequestHeaders().getFirst("webhook-id");
                String ts = ex.getRequestHeaders().getFirst("webhook-timestamp");
                String sig = ex.getRequestHeaders().getFirst("webhook-signature");
                hits.add(new Hit(id, body, sig != null && sig.equals(sign(id + "." + ts + "." + body))));
                ex.sendResponseHeaders(status.get(), -1);
                ex.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        static String sign(String content) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(java.util.Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
                return "v1," + java.util.Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
