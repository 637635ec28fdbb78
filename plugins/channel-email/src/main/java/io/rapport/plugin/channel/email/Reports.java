package io.rapport.plugin.channel.email;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rapport.api.message.MessageService.Delivery;
import io.rapport.api.message.MessageService.Update;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;

/**
 * Reads the reports mail servers send back about a message: delivery status notifications (RFC 3464, a
 * {@code multipart/report; report-type=delivery-status}) and abuse reports from feedback loops (ARF, RFC 5965,
 * {@code report-type=feedback-report}). The message they are about is found by the {@code X-Rapport-Message-Id} header,
 * or the {@code Message-ID} this channel gave it, in the returned message or headers. Anything else is not a report.
 */
final class Reports {

    /** A report about one of our messages. */
    record Report(UUID messageId, Update update) {
    }

    static final String DELIVERY_STATUS = "delivery-status";
    static final String FEEDBACK_REPORT = "feedback-report";
    /** {@code <uuid@domain>}, as {@link Sender} writes Message-ID. */
    static final Pattern OUR_MESSAGE_ID = Pattern.compile("<([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})@[^>]+>");
    static final int MAX_DETAIL = 500;
    /** ARF feedback types (RFC 5965) that are the recipient's complaint. */
    static final java.util.Set<String> COMPLAINTS = java.util.Set.of("abuse", "fraud", "virus");

    private Reports() {
    }

    /** @return the report in this mail, or empty if it is not a report about a message of ours */
    static Optional<Report> read(MimeMessage mail) throws MessagingException, IOException {
        ContentType type = new ContentType(mail.getContentType());
        if (!type.match("multipart/report")) {
            return Optional.empty();
        }
        String reportType = String.valueOf(type.getParameter("report-type")).toLowerCase(Locale.ROOT);
        Object content = mail.getContent();
        if (!(content instanceof Multipart parts)) {
            return Optional.empty();
        }
        InternetHeaders[] status = null;
        UUID about = null;
        for (int i = 0; i < parts.getCount(); i++) {
            Part p = parts.getBodyPart(i);
            ContentType pt = new ContentType(p.getContentType());
            if (pt.match("message/delivery-status") || pt.match("message/feedback-report")) {
                status = blocks(p);
            } else if (pt.match("message/rfc822") || pt.match("text/rfc822-headers") || pt.match("message/rfc822-headers")) {
                about = original(p);
            }
        }
        if (about == null || status == null || status.length == 0) {
            return Optional.empty();
        }
        if (reportType.equals(FEEDBACK_REPORT)) {
            String feedback = status[0].getHeader("Feedback-Type", null);
            String kind = feedback == null ? "abuse" : feedback.trim().toLowerCase(Locale.ROOT);
            if (!COMPLAINTS.contains(kind)) {
                return Optional.empty(); // not-spam, auth-failure, other: nothing the customer holds against us
            }
            return Optional.of(new Report(about, new Update(Delivery.COMPLAINED, "feedback type " + kind, null, null)));
        }
        if (!reportType.equals(DELIVERY_STATUS)) {
            return Optional.empty();
        }
        // the first recipient block (after the per-message block) that says what happened
        for (int i = 1; i < status.length; i++) {
            String action = value(status[i], "Action");
            if (action == null) {
                continue;
            }
            String code = value(status[i], "Status");
            String diagnostic = value(status[i], "Diagnostic-Code");
            String detail = truncate(String.join(" ", java.util.stream.Stream.of(code, diagnostic).filter(s -> s != null && !s.isBlank()).toList()));
            Delivery d = switch (action.toLowerCase(Locale.ROOT)) {
                case "failed" -> code != null && code.startsWith("4") ? Delivery.SOFT_BOUNCED : Delivery.HARD_BOUNCED;
                case "delayed" -> Delivery.SOFT_BOUNCED;
                case "delivered", "relayed", "expanded" -> Delivery.DELIVERED;
                default -> null;
            };
            if (d != null) {
                return Optional.of(new Report(about, new Update(d, detail.isEmpty() ? null : detail, null, null)));
            }
        }
        return Optional.empty();
    }

    /** @return the header blocks of a delivery-status or feedback-report part, separated by blank lines */
    private static InternetHeaders[] blocks(Part p) throws MessagingException, IOException {
        byte[] raw;
        try (InputStream in = p.getInputStream()) {
            raw = in.readNBytes(256 * 1024);
        }
        java.util.List<InternetHeaders> out = new java.util.ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(raw);
        while (in.available() > 0) {
            InternetHeaders h = new InternetHeaders(in);
            if (h.getAllHeaders().hasMoreElements()) {
                out.add(h);
            }
        }
        return out.toArray(InternetHeaders[]::new);
    }

    /** @return our message id in the returned message or headers, or null */
    private static UUID original(Part p) throws MessagingException, IOException {
        InternetHeaders h;
        Object c = p.getContent();
        if (c instanceof MimeMessage m) {
            h = new InternetHeaders();
            for (Enumeration<Header> e = m.getAllHeaders(); e.hasMoreElements(); ) {
                Header x = e.nextElement();
                h.addHeader(x.getName(), x.getValue());
            }
        } else {
            byte[] raw;
            try (InputStream in = c instanceof String s ? new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)) : p.getInputStream()) {
                raw = in.readNBytes(256 * 1024);
            }
            h = new InternetHeaders(new ByteArrayInputStream(raw));
        }
        String ours = h.getHeader(Sender.MESSAGE_ID_HEADER, null);
        if (ours != null) {
            try {
                return UUID.fromString(ours.trim());
            } catch (IllegalArgumentException e) {
                // fall through to Message-ID
            }
        }
        String id = h.getHeader("Message-ID", null);
        if (id != null) {
            Matcher m = OUR_MESSAGE_ID.matcher(id);
            if (m.find()) {
                return UUID.fromString(m.group(1));
            }
        }
        return null;
    }

    /** @return a field's value without its type prefix ({@code rfc822;}, {@code smtp;}) kept for Diagnostic-Code */
    private static String value(InternetHeaders h, String name) {
        String v = h.getHeader(name, " ");
        return v == null ? null : v.replaceAll("\\s+", " ").trim();
    }

    private static String truncate(String s) {
        return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL - 1) + "…";
    }
}
