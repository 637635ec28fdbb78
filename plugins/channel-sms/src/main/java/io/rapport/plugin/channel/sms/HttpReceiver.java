package io.rapport.plugin.channel.sms;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.rapport.api.message.MessageService;
import io.rapport.spi.channel.InboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Twilio-style provider posts to {@value SmsChannel#INBOUND_PATH} under the server's public URL, form-encoded
 * and signed with {@value #SIGNATURE_HEADER}: status callbacks of the messages sent with a StatusCallback
 * ({@value #STATUS_DELIVERED} → DELIVERED; {@code undelivered} or {@code failed} → FAILED with the ErrorCode; any other
 * status is not final and changes nothing), and inbound messages (no MessageStatus), taken as over SMPP and answered with
 * empty TwiML. A kernel failure propagates: the kernel answers 503 and the provider tries again.
 */
final class HttpReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(HttpReceiver.class);
    /** Base64 of HMAC-SHA1 (key: the auth token) over the URL called followed by every POST parameter, sorted by name, as name and value. */
    static final String SIGNATURE_HEADER = "X-Twilio-Signature";
    static final String SIGNATURE_ALGORITHM = "HmacSHA1";
    static final String FORM = "application/x-www-form-urlencoded";
    static final String MESSAGE_SID = "MessageSid";
    static final String MESSAGE_STATUS = "MessageStatus";
    static final String ERROR_CODE = "ErrorCode";
    static final String STATUS_DELIVERED = "delivered";
    static final Set<String> STATUS_FAILED = Set.of("undelivered", "failed");
    static final String TWIML_TYPE = "text/xml";
    static final String EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

    private final String authToken;
    private final Inbound inbound;

    HttpReceiver(String authToken, Inbound inbound) {
        this.authToken = authToken;
        this.inbound = inbound;
    }

    InboundHandler.Response handle(InboundHandler.Request request) {
        List<Map.Entry<String, String>> parameters;
        try {
            parameters = isForm(request.contentType()) ? form(new String(request.body(), StandardCharsets.UTF_8)) : List.of();
        } catch (IllegalArgumentException e) {
            return InboundHandler.Response.badRequest("a malformed form body: " + e.getMessage());
        }
        String given = request.header(SIGNATURE_HEADER);
        String url = request.url().toString();
        byte[] expected = signature(authToken, url, parameters).getBytes(StandardCharsets.US_ASCII);
        if (given == null || !MessageDigest.isEqual(expected, given.strip().getBytes(StandardCharsets.US_ASCII))) {
            LOG.debug("A request to {} without a valid {}", url, SIGNATURE_HEADER);
            return InboundHandler.Response.unauthorized("a missing or wrong " + SIGNATURE_HEADER + " for " + url
                    + " (RAPPORT_PUBLIC_URL must be the URL the provider calls)");
        }
        Map<String, String> p = new HashMap<>();
        parameters.forEach(e -> p.putIfAbsent(e.getKey(), e.getValue()));
        String sid = p.get(MESSAGE_SID);
        if (sid == null || sid.isBlank()) {
            return InboundHandler.Response.badRequest("no " + MESSAGE_SID);
        }
        String status = p.get(MESSAGE_STATUS);
        if (status != null) {
            status(sid, status.strip().toLowerCase(Locale.ROOT), p.get(ERROR_CODE));
            return InboundHandler.Response.ok();
        }
        received(sid, p);
        return new InboundHandler.Response(200, TWIML_TYPE, EMPTY_TWIML);
    }

    private void status(String sid, String status, String errorCode) {
        MessageService.Delivery delivery;
        if (status.equals(STATUS_DELIVERED)) {
            delivery = MessageService.Delivery.DELIVERED;
        } else if (STATUS_FAILED.contains(status)) {
            delivery = MessageService.Delivery.FAILED;
        } else {
            return; // queued, sending, sent, accepted, scheduled...: not final
        }
        String detail = MESSAGE_STATUS + "=" + status + (errorCode == null || errorCode.isBlank() ? "" : " " + ERROR_CODE + "=" + errorCode.strip());
        inbound.delivery(sid, new MessageService.Update(delivery, detail, null, null));
    }

    private void received(String sid, Map<String, String> p) {
        String from = p.get(HttpTransport.FIELD_FROM);
        if (from == null || !SmsChannel.E164.matcher(from).matches()) {
            LOG.info("Ignoring inbound message {} from '{}', which is not a phone number", sid, from);
            return;
        }
        String to = p.getOrDefault(HttpTransport.FIELD_TO, "");
        String text = p.getOrDefault(HttpTransport.FIELD_BODY, "");
        inbound.received(from, to, text, Inbound.IDEMPOTENCY_PREFIX + sid);
    }

    /** Twilio's request signature: Base64(HMAC-SHA1(authToken, url + for each parameter sorted by name: name + value)). */
    static String signature(String authToken, String url, List<Map.Entry<String, String>> parameters) {
        StringBuilder data = new StringBuilder(url);
        parameters.stream().sorted(Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue()))
                .forEach(e -> data.append(e.getKey()).append(e.getValue()));
        try {
            Mac mac = Mac.getInstance(SIGNATURE_ALGORITHM);
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), SIGNATURE_ALGORITHM));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isForm(String contentType) {
        return contentType != null && contentType.strip().toLowerCase(Locale.ROOT).startsWith(FORM);
    }

    /** @return the name-value pairs of a form body, in order, decoded */
    static List<Map.Entry<String, String>> form(String body) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            pairs.add(Map.entry(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8)));
        }
        return pairs;
    }
}
