package io.rapport.plugin.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import io.rapport.api.message.MessageService.Delivery;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

class ReportsTest {

    static final UUID ID = UUID.fromString("018f2a7c-1111-7222-8333-944455556666");

    /** A report from the test resources, about message {@link #ID}. */
    static MimeMessage mail(String name) throws IOException, MessagingException {
        try (InputStream in = ReportsTest.class.getResourceAsStream("/reports/" + name)) {
            String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("{ID}", ID.toString());
            return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void aFailedDeliveryWithA5xxStatusIsAHardBounceWithTheServersWords() throws Exception {
        Reports.Report r = Reports.read(mail("hard-bounce.eml")).orElseThrow();

        assertThat(r.messageId()).isEqualTo(ID);
        assertThat(r.update().delivery()).isEqualTo(Delivery.HARD_BOUNCED);
        assertThat(r.update().detail()).startsWith("5.1.1 smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown");
    }

    @Test
    void aRealPostfixBounceIsReadAsAHardBounceOfTheMessageItReturns() throws Exception {
        MimeMessage dsn;
        try (InputStream in = ReportsTest.class.getResourceAsStream("/dsn/postfix-hard-bounce.eml")) {
            dsn = new MimeMessage(Session.getInstance(new Properties()), in);
        }

        Reports.Report r = Reports.read(dsn).orElseThrow();

        assertThat(r.messageId()).isEqualTo(UUID.fromString("01a20478-a406-70d3-9365-8b5be7d20842"));
        assertThat(r.update().delivery()).isEqualTo(Delivery.HARD_BOUNCED);
        assertThat(r.update().detail()).isEqualTo("5.1.1 X-Postfix; mailbox unavailable");
    }

    @Test
    void aDelayIsASoftBounceFoundByTheReturnedMessagesMessageId() throws Exception {
        Reports.Report r = Reports.read(mail("delayed.eml")).orElseThrow();

        assertThat(r.messageId()).as("no X-Rapport-Message-Id: the Message-ID this channel wrote").isEqualTo(ID);
        assertThat(r.update().delivery()).isEqualTo(Delivery.SOFT_BOUNCED);
        assertThat(r.update().detail()).contains("4.2.2").contains("Mailbox full");
    }

    @Test
    void anAbuseReportFromAFeedbackLoopIsAComplaint() throws Exception {
        Reports.Report r = Reports.read(mail("complaint.eml")).orElseThrow();

        assertThat(r.messageId()).isEqualTo(ID);
        assertThat(r.update().delivery()).isEqualTo(Delivery.COMPLAINED);
        assertThat(r.update().detail()).isEqualTo("feedback type abuse");
    }

    @Test
    void aReplyOrAReportAboutSomeoneElsesMessageIsNotAReport() throws Exception {
        assertThat(Reports.read(mail("reply.eml"))).isEmpty();
        MimeMessage foreign = mail("hard-bounce.eml");
        String raw = new String(foreign.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(raw).isNotEmpty();
        Optional<Reports.Report> none = Reports.read(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(
                new String(ReportsTest.class.getResourceAsStream("/reports/hard-bounce.eml").readAllBytes(), StandardCharsets.UTF_8)
                        .replace("X-Rapport-Message-Id: {ID}\r\n", "").replace("<{ID}@shop.example>", "<other-id@elsewhere.example>")
                        .getBytes(StandardCharsets.UTF_8))));
        assertThat(none).isEmpty();
    }
}
