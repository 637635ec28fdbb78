package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.json.JsonObject;

/** The email plugin in the server under test: installed from the built jar, pointed at a test peer, removed again. */
final class Mail {

    static final String PLUGINS = "/api/v1/admin/plugins";
    static final String NAME = "io.rapport.plugin.channel.email";
    static final String PLUGIN = PLUGINS + "/" + NAME;
    static final String PID = "io.rapport.channel.email";
    static final String CONFIG = "/api/v1/admin/configurations/" + PID;
    static final String CHANNEL = "email";
    /** The header in which the email plugin names the kernel's message id. */
    static final String MESSAGE_ID_HEADER = "X-Rapport-Message-Id";
    static final String FROM = "news@shop.example";
    private static final Pattern MESSAGE_ID_LINE = Pattern.compile("(?im)^" + MESSAGE_ID_HEADER + ":\\s*(\\S+)\\s*$");

    private Mail() {
    }

    /** Installs the built plugin afresh (a copy left by another test class is removed first) and starts it. */
    static void install() {
        if (Api.operator().get(PLUGIN).status() == 200) {
            Api.operator().delete(PLUGIN).expect(204);
        }
        try {
            Api.operator().upload("POST", PLUGINS + "?start=true", Files.readAllBytes(Api.PLUGINS.resolve("channel-email.jar")),
                    "application/java-archive").expect(201);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Points the plugin at an SMTP server without TLS and waits until the channel is there.
     *
     * @param from the From address, which is also the envelope sender (bounces go there)
     * @param more further configuration fields as JSON members, such as {@code "\"ratePerSecond\": 50"}
     */
    static void configure(String from, String host, int port, String... more) {
        String extra = more.length == 0 ? "" : ", " + String.join(", ", more);
        int status = Api.operator().put(CONFIG, "{\"host\": \"" + host + "\", \"port\": " + port + ", \"security\": \"none\", \"from\": \""
                + from + "\", \"fromName\": \"The Shop\"" + extra + "}").status();
        assertThat(status).isIn(200, 201);
        await().atMost(Duration.ofSeconds(20)).until(() -> Api.operator().get("/api/v1/channels").expect(200).raw().contains("\"" + CHANNEL + "\""));
    }

    static void uninstall() {
        Plugins.removeConfigurations(PID);
        if (Api.operator().get(PLUGIN).status() == 200) {
            Api.operator().delete(PLUGIN).expect(204);
        }
    }

    /** @return the kernel message ids named by raw messages (headers and body as received), one per message */
    static List<String> messageIds(List<String> raw) {
        List<String> ids = new ArrayList<>();
        for (String r : raw) {
            int end = r.indexOf("\n\n");
            Matcher m = MESSAGE_ID_LINE.matcher(end < 0 ? r : r.substring(0, end + 1));
            assertThat(m.find()).as("a %s header in %s", MESSAGE_ID_HEADER, r).isTrue();
            ids.add(m.group(1));
        }
        return ids;
    }

    /** @return customers of the shop with an email address each, created through the admin API; their ids */
    static List<String> customers(Api.Shop shop, String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            JsonObject c = shop.marketer().post("/api/v1/customers", "{\"email\": \"" + prefix + "-" + i + "@example.com\"}").expect(201).json();
            ids.add(c.getString("id"));
        }
        return ids;
    }
}
