package io.rapport.plugin.channel.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.Customer;
import io.rapport.spi.channel.Channel;
import io.rapport.spi.channel.OutboundMessage;
import io.rapport.spi.channel.SendResult;
import io.rapport.testkit.PluginTestHost;
import io.rapport.testkit.ScriptedSmtp;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.osgi.framework.Bundle;

/** The built bundle in the kernel's real Felix host, sending to GreenMail and to a scripted SMTP peer on loopback. */
class EmailChannelIT {

    static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    PluginTestHost host;
    Bundle bundle;

    @BeforeEach
    void start() {
        host = PluginTestHost.start();
        bundle = host.installBuiltBundle();
    }

    @AfterEach
    void stop() {
        host.close();
    }

    Map<String, Object> config(int port, Object... more) {
        Map<String, Object> c = new HashMap<>(Map.of("host", "127.0.0.1", "port", port, "security", "none", "from", "news@shop.example",
                "fromName", "Shop & Co", "replyTo", "help@shop.example", "timeoutSeconds", 3));
        for (int i = 0; i < more.length; i += 2) {
            c.put((String) more[i], more[i + 1]);
        }
        return c;
    }

    static OutboundMessage message(Customer c, String purpose, String html) {
        UUID id = UUID.randomUUID();
        return new OutboundMessage(id, PluginTestHost.TENANT, c, EmailChannel.TYPE, purpose, "Spring sale: -20 % für Sie", "Hello Ada\nSee you soon",
                html, Map.of(), 1, Consent.PURPOSE_TRANSACTIONAL.equals(purpose) ? null : URI.create("https://engage.example/api/v1/public/unsubscribe?token=abc.def"),
                URI.create("https://engage.example/console/preferences.html?token=ghi.jkl"));
    }

    @Test
    void aMarketingEmailCarriesOneClickUnsubscribeAndBothParts() throws Exception {
        host.configure(EmailChannel.PID, config(smtp.getSmtp().getPort()));
        Channel channel = host.awaitChannel(EmailChannel.TYPE, WAIT);
        Customer ada = host.customer("ada@example.com");
        OutboundMessage m = message(ada, Consent.PURPOSE_MARKETING, "<p>Hello <b>Ada</b></p>");

        SendResult r = channel.send(m);

        assertThat(r.outcome()).isEqualTo(SendResult.Outcome.SENT);
        assertThat(r.providerMessageId()).isEqualTo("<" + m.id() + "@shop.example>");
        MimeMessage got = smtp.getReceivedMessages()[0];
        assertThat(got.getAllRecipients()[0].toString()).isEqualTo("ada@example.com");
        assertThat(got.getFrom()[0].toString()).isEqualTo("Shop & Co <news@shop.example>");
        assertThat(got.getReplyTo()[0].toString()).isEqualTo("help@shop.example");
        assertThat(got.getSubject()).isEqualTo("Spring sale: -20 % für Sie");
        assertThat(got.getMessageID()).isEqualTo("<" + m.id() + "@shop.example>");
        assertThat(got.getHeader("List-Unsubscribe", null)).isEqualTo("<https://engage.example/api/v1/public/unsubscribe?token=abc.def>");
        assertThat(got.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(got.getHeader("X-Rapport-Purpose", null)).isEqualTo("marketing");
        MimeMultipart parts = (MimeMultipart) got.getContent();
        assertThat(parts.getContentType()).startsWith("multipart/alternative");
        assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain; charset=UTF-8");
        assertThat(((String) parts.getBodyPart(0).getContent()).replace("\r\n", "\n")).isEqualTo("Hello Ada\nSee you soon");
        assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html; charset=UTF-8");
        assertThat(parts.getBodyPart(1).getContent()).isEqualTo("<p>Hello <b>Ada</b></p>");
    }

    @Test
    void aTransactionalEmailHasNoUnsubscribeAndIsMarkedAsSuch() throws Exception {
        host.configure(EmailChannel.PID, config(smtp.getSmtp().getPort()));
        Channel channel = host.awaitChannel(EmailChannel.TYPE, WAIT);
        SendResult r = channel.send(message(host.customer("bo@example.com"), Consent.PURPOSE_TRANSACTIONAL, null));
        assertThat(r.outcome()).isEqualTo(SendResult.Outcome.SENT);
        MimeMessage got = smtp.getReceivedMessages()[0];
        assertThat(got.getHeader("List-Unsubscribe")).isNull();
        assertThat(got.getHeader("X-Rapport-Purpose", null)).isEqualTo("transactional");
        assertThat(got.getHeader("Auto-Submitted", null)).isEqualTo("auto-generated");
        assertThat(got.getContentType()).startsWith("text/plain; charset=UTF-8");
        // a customer without an email address cannot be written to
        Customer none = new Customer(UUID.randomUUID(), PluginTestHost.TENANT, null, "+33612345678", "Di", null, null, null, null, List.of(), Map.of(),
                java.util.Set.of(), List.of(), 0, java.math.BigDecimal.ZERO, java.time.OffsetDateTime.now(), java.time.OffsetDateTime.now(), null);
        assertThat(channel.send(message(none, Consent.PURPOSE_TRANSACTIONAL, null)).outcome()).isEqualTo(SendResult.Outcome.REJECTED);
    }

    @Test
    void aTemporaryRefusalIsRetriedAndAPermanentOneRejected() throws Exception {
        try (ScriptedSmtp peer = ScriptedSmtp.start(ScriptedSmtp.rcpt(n -> switch (n) {
            case 1 -> "451 4.3.0 greylisted, try again later";
            case 2 -> "550 5.1.1 no such mailbox";
            default -> "250 2.1.5 OK";
        }))) {
            host.configure(EmailChannel.PID, config(peer.port()));
            Channel channel = host.awaitChannel(EmailChannel.TYPE, WAIT);
            Customer ada = host.customer("ada@example.com");

            SendResult later = channel.send(message(ada, Consent.PURPOSE_MARKETING, null));
            assertThat(later.outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);
            assertThat(later.reason()).contains("451").contains("greylisted");

            SendResult refused = channel.send(message(ada, Consent.PURPOSE_MARKETING, null));
            assertThat(refused.outcome()).as("a recipient refused for good is a hard bounce").isEqualTo(SendResult.Outcome.BOUNCED);
            assertThat(refused.reason()).contains("550").contains("no such mailbox");

            assertThat(channel.send(message(ada, Consent.PURPOSE_MARKETING, null)).outcome()).isEqualTo(SendResult.Outcome.SENT);
            assertThat(peer.accepted()).hasSize(1);
        }
        // and a server that is not there: retried
        host.configure(EmailChannel.PID, config(1));
        Channel channel = host.awaitChannel(EmailChannel.TYPE, WAIT);
        await().atMost(WAIT).untilAsserted(() -> {
            SendResult down = channel.send(message(host.customer("cy@example.com"), Consent.PURPOSE_MARKETING, null));
            assertThat(down.outcome()).isEqualTo(SendResult.Outcome.RETRY_LATER);
            assertThat(down.reason()).containsIgnoringCase("connect");
        });
    }

    @Test
    void theRateIsNeverExceededAndConnectionsAreReused() throws Exception {
        int rate = 20;
        int messages = 41;
        host.configure(EmailChannel.PID, config(smtp.getSmtp().getPort(), "ratePerSecond", rate, "connections", 2));
        Channel channel = host.awaitChannel(EmailChannel.TYPE, WAIT);
        Customer ada = host.customer("ada@example.com");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<SendResult>> results = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            results.add(pool.submit(() -> channel.send(message(ada, Consent.PURPOSE_MARKETING, null))));
        }
        int sent = 0;
        for (Future<SendResult> f : results) {
            SendResult r = f.get();
            sent += r.outcome() == SendResult.Outcome.SENT ? 1 : 0;
        }
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        pool.shutdown();
        assertThat(sent).isEqualTo(messages);
        assertThat(smtp.getReceivedMessages()).hasSize(messages);
        // 41 slots 50 ms apart: the last one starts 2 s after the first
        assertThat(elapsedMs).isGreaterThanOrEqualTo((messages - 1) * 1000L / rate);
    }

    @Test
    void aBadFromAddressFailsActivationWithItsReasonAndTheFormComesFromMetatype() {
        host.configure(EmailChannel.PID, config(smtp.getSmtp().getPort(), "from", "not an address"));
        await().atMost(WAIT).until(() -> host.host().scr().getComponentDescriptionDTOs(bundle).stream()
                .flatMap(d -> host.host().scr().getComponentConfigurationDTOs(d).stream())
                .anyMatch(c -> c.failure != null && c.failure.contains("is not an email address")));
        Map<String, Object> schema = host.configSchema(bundle, EmailChannel.PID);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> props = (Map<String, Map<String, Object>>) schema.get("properties");
        assertThat(props.get("password")).containsEntry("writeOnly", true);
        assertThat(props.get("security")).containsKey("oneOf").containsEntry("default", "starttls");
        assertThat(props.get("port")).containsEntry("default", 587L);
        assertThat(schema.get("required")).asList().containsExactlyInAnyOrder("host", "from");
    }

    @Test
    void bouncesAndComplaintsInTheBounceMailboxReachTheKernelAndAreDeleted() throws Exception {
        com.icegreen.greenmail.util.GreenMail imap = new com.icegreen.greenmail.util.GreenMail(ServerSetupTest.IMAP.dynamicPort());
        imap.start();
        try {
            imap.setUser("bounces@shop.example", "bounces", "secret");
            var inbox = imap.getManagers().getImapHostManager().getInbox(imap.getManagers().getUserManager().getUser("bounces"));
            for (String name : List.of("hard-bounce.eml", "complaint.eml", "reply.eml")) {
                inbox.store(ReportsTest.mail(name));
            }
            host.configure(EmailChannel.PID, config(smtp.getSmtp().getPort(), "bounceAddress", "bounces@shop.example", "imapHost", "127.0.0.1",
                    "imapPort", imap.getImap().getPort(), "imapSecurity", "none", "imapUsername", "bounces", "imapPassword", "secret",
                    "imapPollSeconds", 1));
            host.awaitChannel(EmailChannel.TYPE, WAIT);

            await().atMost(WAIT).until(() -> host.messages().reports().size() >= 2);
            assertThat(host.messages().reports()).extracting(r -> r.messageId(), r -> r.update().delivery()).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple(ReportsTest.ID, io.rapport.api.message.MessageService.Delivery.HARD_BOUNCED),
                    org.assertj.core.groups.Tuple.tuple(ReportsTest.ID, io.rapport.api.message.MessageService.Delivery.COMPLAINED));
            await().atMost(WAIT).untilAsserted(() -> assertThat(inbox.getMessages()).as("the reports are deleted, the reply stays")
                    .singleElement().satisfies(m -> assertThat(m.getMimeMessage().getSubject()).isEqualTo("Re: Spring sale")));

            // the envelope sender is the bounce address, so that bounces come back to the mailbox
            Channel channel = host.awaitChannel(EmailChannel.TYPE, WAIT);
            assertThat(channel.send(message(host.customer("bo@example.com"), Consent.PURPOSE_TRANSACTIONAL, null)).outcome())
                    .isEqualTo(SendResult.Outcome.SENT);
            MimeMessage sent = smtp.getReceivedMessages()[smtp.getReceivedMessages().length - 1];
            assertThat(sent.getHeader("Return-Path", null)).contains("bounces@shop.example");
        } finally {
            imap.stop();
        }
    }
}
