package io.rapport.plugin.channel.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,} followed by the base64 HMAC-SHA256 of {@code id.timestamp.body}, keyed by
 * the secret's bytes (the base64 after {@code whsec_}, or the text itself).
 */
public final class WebhookSigner {

    public static final String HEADER_ID = "webhook-id";
    public static final String HEADER_TIMESTAMP = "webhook-timestamp";
    public static final String HEADER_SIGNATURE = "webhook-signature";
    static final String PREFIX = "whsec_";
    static final int MIN_TEXT_SECRET = 24;
    static final int MIN_KEY_BYTES = 24;

    private final byte[] key;

    public WebhookSigner(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("a signing secret is required");
        }
        if (secret.startsWith(PREFIX)) {
            try {
                key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("a secret that starts with whsec_ must continue in base64");
            }
            if (key.length < MIN_KEY_BYTES) {
                throw new IllegalArgumentException("the signing secret is too short: whsec_ must be followed by at least " + MIN_KEY_BYTES
                        + " bytes in base64");
            }
        } else if (secret.length() >= MIN_TEXT_SECRET) {
            key = secret.getBytes(StandardCharsets.UTF_8);
        } else {
            throw new IllegalArgumentException("the signing secret is too short: use whsec_ and base64, or at least " + MIN_TEXT_SECRET + " characters");
        }
    }

    /** @return the value of the {@code webhook-signature} header */
    public String sign(String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] sig = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(sig);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** @return whether one of the space-separated signatures in {@code header} matches (constant time) */
    public boolean verify(String id, long timestamp, String body, String header) {
        byte[] expected = sign(id, timestamp, body).getBytes(StandardCharsets.US_ASCII);
        for (String candidate : header.split(" ")) {
            if (MessageDigest.isEqual(expected, candidate.trim().getBytes(StandardCharsets.US_ASCII))) {
                return true;
            }
        }
        return false;
    }
}
