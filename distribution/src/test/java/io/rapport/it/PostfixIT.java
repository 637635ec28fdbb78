package io.rapport.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The email channel against Debian's postfix on 127.0.0.1:25, as {@code .ci/postfix} sets it up: a local user receives
 * in their Maildir, an unknown user is refused at RCPT TO (a hard bounce: suppressed), and a domain whose delivery fails
 * after the queue brings a real RFC 3464 delivery status notification back to the sender's Maildir. Runs only when
 * {@code RAPPORT_POSTFIX=1} (set by {@code .ci/run} after {@code .ci/postfix}); skipped otherwise.
 */
@Order(8)
class PostfixIT {

    static final String HOST = "127.0.0.1";
    static final int PORT = Integer.getInteger("rapport.it.postfix.port", 25);
    /** Where the local users' homes are, each with a Maildir/. */
    static final Path HOMES = Path.of(System.getProperty("rapport.it.postfix.homes", "/home"));
    static final String DOMAIN = "rapport.test";
    /** Accepted by postfix, then failed by its error transport: a DSN goes back to the sender. */
    static final String BOUNCE_DOMAIN = "bounce.rapport.test";
    static final String RECEIVER = "ann";
    static final String SENDER = "shop";
    /** The DSN this test received last, for the bounce parser's tests (plugins/channel-email/src/test/resources/dsn/). */
    static final Path DSN_COPY = Path.of("target/postfix/postfix-hard-bounce.eml");
    static final Duration WAIT = Duration.ofSeconds(30);

    static Api.Shop shop;

    @BeforeAll
    static void setUp() {
        assumeTrue("1".equals(System.getenv("RAPPORT_POSTFIX")) || Boolean.getBoolean("rapport.postfix"),
                "no RAPPORT_POSTFIX=1: run .ci/postfix (it installs and starts Debian's postfix on loopback) and set it to test against postfix");
        Api.awaitReady();
        shop = Api.newShop(null);
        Mail.install();
        Mail.configure(SENDER + "@" + DOMAIN, HOST, PORT, "\"timeoutSeconds\": 3");
    }

    @AfterAll
    static void tearDown() {
        if (shop != null) {
            Mail.uninstall();
        }
    }

    @Test
    void aMessageToALocalUserArrivesOnceInTheirMaildir() {
        String id = send(customer(RECEIVER + "@" + DOMAIN), "Your order");
        assertThat(message(id).getString("state")).isEqualTo("SENT");
        await().atMost(WAIT).until(() -> mailWith(RECEIVER, id).size() == 1);
        assertThat(mailWith(RECEIVER, id)).as("exactly one copy in %s's Maildir", RECEIVER).hasSize(1);
    }

    @Test
    void anUnknownUserIsRefusedAtRcptAndSuppressedOnEmail() {
        String customer = customer("nobody-" + UUID.randomUUID().toString().substring(0, 8) + "@" + DOMAIN);
        JsonObject m = message(send(customer, "Your order"));
        assertThat(m.getString("state")).isEqualTo("REJECTED");
        assertThat(m.getString("reason")).contains("550").contains("5.1.1");
        assertThat(shop.viewer().get("/api/v1/customers/" + customer + "/suppressions").expect(200).json().getJsonArray("items"))
                .anySatisfy(s -> assertThat(s.asJsonObject().getString("channel")).isEqualTo(Mail.CHANNEL));
        await().atMost(WAIT).until(() -> shop.viewer().get("/api/v1/customers/" + customer + "/timeline?type=message.bounced").expect(200).json()
                .getJsonArray("items").size() == 1);
        // the next message is refused by the kernel, before postfix is asked
        assertThat(message(send(customer, "Another")).getString("reason")).contains("suppressed");
    }

    @Test
    void aDeliveryThatFailsAfterTheQueueComesBackAsADeliveryStatusNotification() throws IOException {
        String address = "gone-" + UUID.randomUUID().toString().substring(0, 8) + "@" + BOUNCE_DOMAIN;
        String id = send(customer(address), "Your order");
        assertThat(message(id).getString("state")).as("postfix took it").isEqualTo("SENT");
        Path dsn = await().atMost(WAIT).until(() -> mailWith(SENDER, id), l -> l.size() == 1).get(0);
        String raw = Files.readString(dsn, StandardCharsets.ISO_8859_1);
        assertThat(raw).containsPattern("(?i)Content-Type: multipart/report; report-type=delivery-status")
                .contains("Action: failed", "Status: 5.1.1", "Final-Recipient: rfc822; " + address, Mail.MESSAGE_ID_HEADER + ": " + id);
        Files.createDirectories(DSN_COPY.getParent());
        Files.copy(dsn, DSN_COPY, StandardCopyOption.REPLACE_EXISTING);
    }

    static String customer(String email) {
        return shop.marketer().post("/api/v1/customers", "{\"email\": \"" + email + "\"}").expect(201).json().getString("id");
    }

    /** Sends a transactional message (no consent needed) and answers its id once the first attempt has an outcome. */
    static String send(String customerId, String subject) {
        return shop.marketer().post("/api/v1/messages", "{\"customerId\": \"" + customerId + "\", \"channel\": \"email\", \"purpose\": \"transactional\", "
                + "\"subject\": \"" + subject + "\", \"text\": \"Thank you\"}").expect(201).json().getString("id");
    }

    static JsonObject message(String id) {
        return shop.viewer().get("/api/v1/messages/" + id).expect(200).json();
    }

    /** @return the files in the user's Maildir (new and cur) that name this kernel message id */
    static List<Path> mailWith(String user, String messageId) {
        Path maildir = HOMES.resolve(user).resolve("Maildir");
        return Stream.of("new", "cur").map(maildir::resolve).filter(Files::isDirectory).flatMap(PostfixIT::list)
                .filter(f -> read(f).contains(Mail.MESSAGE_ID_HEADER + ": " + messageId)).toList();
    }

    private static Stream<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
