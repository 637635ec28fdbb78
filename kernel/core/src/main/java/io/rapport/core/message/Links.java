package io.rapport.core.message;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.rapport.core.db.Db;

/**
 * Signed links for customers, who have no account: one-click unsubscribe (RFC 8058) from one purpose on one channel,
 * and the preference centre. A token names the tenant, the customer, what it allows and until when, and carries an
 * HMAC-SHA256 (truncated to 128 bits) under a key the kernel makes on first start and keeps in the database, so that
 * every node accepts the links of every other. Nothing but the token is needed to use a link; it is as good as the
 * customer's own click, so it only ever allows changing that customer's consents.
 */
public final class Links {

    /** What a link allows. */
    public enum Kind {
        /** Withdraw one purpose on one channel, at once. */
        UNSUBSCRIBE,
        /** See and change every consent. */
        PREFERENCES,
        /** Answer one survey send, once ({@link #survey}); its own token layout, never a {@link Claim}. */
        SURVEY
    }

    /** A verified survey token: the send it answers and until when; expired ones too, so that the page can say so. */
    public record SurveyClaim(UUID tenantId, UUID sendId, java.time.Instant expiresAt) {
        public boolean expired(Clock clock) {
            return clock.instant().isAfter(expiresAt);
        }
    }

    /** A verified token. {@code purpose} and {@code channel} are set for {@link Kind#UNSUBSCRIBE}. */
    public record Claim(Kind kind, UUID tenantId, UUID customerId, String purpose, String channel, OffsetDateTime expiresAt) {
    }

    /** The path of the API call an unsubscribe link posts to (RFC 8058), and of the preference centre page. */
    public static final String UNSUBSCRIBE_PATH = "/api/v1/public/unsubscribe";
    public static final String PREFERENCES_PATH = "/console/preferences.html";
    public static final String TOKEN_PARAMETER = "token";
    static final String SECRET_NAME = "links";
    static final Duration UNSUBSCRIBE_LIFETIME = Duration.ofDays(400);
    static final Duration PREFERENCES_LIFETIME = Duration.ofDays(90);
    static final int MAC_BYTES = 16;
    static final int MAX_NAME = 100;

    private final Clock clock;
    private final URI publicUrl;
    private final byte[] key;

    /**
     * @param publicUrl where customers reach this server, such as {@code https://engage.example.com}
     */
    public Links(Db db, Clock clock, URI publicUrl) {
        this.clock = clock;
        this.publicUrl = publicUrl;
        this.key = Base64.getDecoder().decode(secret(db, clock));
    }

    /** @return where customers and providers reach this server */
    public URI publicUrl() {
        return publicUrl;
    }

    /** @return the one-click unsubscribe URL from {@code purpose} on {@code channel} */
    public URI unsubscribe(UUID tenantId, UUID customerId, String purpose, String channel) {
        return publicUrl.resolve(UNSUBSCRIBE_PATH + "?" + TOKEN_PARAMETER + "="
                + sign(Kind.UNSUBSCRIBE, tenantId, customerId, purpose, channel, UNSUBSCRIBE_LIFETIME));
    }

    /** @return the preference centre's URL for the customer */
    public URI preferences(UUID tenantId, UUID customerId) {
        return publicUrl.resolve(PREFERENCES_PATH + "?" + TOKEN_PARAMETER + "=" + sign(Kind.PREFERENCES, tenantId, customerId, "", "", PREFERENCES_LIFETIME));
    }

    /** The path of a survey's page (GET) and of its answers (POST), and the parameters of both. */
    public static final String SURVEY_PATH = "/api/v1/public/surveys";
    public static final String SURVEY_TOKEN_PARAMETER = "t";
    public static final String SURVEY_SCORE_PARAMETER = "score";

    /** @return a token for a survey send, good until {@code expiresAt} */
    public String surveyToken(UUID tenantId, UUID sendId, java.time.Instant expiresAt) {
        ByteBuffer b = ByteBuffer.allocate(1 + 16 + 16 + 8);
        b.put((byte) Kind.SURVEY.ordinal());
        b.putLong(tenantId.getMostSignificantBits()).putLong(tenantId.getLeastSignificantBits());
        b.putLong(sendId.getMostSignificantBits()).putLong(sendId.getLeastSignificantBits());
        b.putLong(expiresAt.getEpochSecond());
        byte[] payload = b.array();
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        return enc.encodeToString(payload) + "." + enc.encodeToString(mac(payload));
    }

    /** @return the survey page's URL for a token, with a score chosen in advance if {@code score} is not null */
    public URI survey(String token, Integer score) {
        return publicUrl.resolve(SURVEY_PATH + "?" + SURVEY_TOKEN_PARAMETER + "=" + token
                + (score == null ? "" : "&" + SURVEY_SCORE_PARAMETER + "=" + score));
    }

    /**
     * @return the send a survey token names, expired or not (the caller tells an expired link from a forged one), or
     *         empty if it is malformed, forged or not a survey token
     */
    public Optional<SurveyClaim> verifySurvey(String token) {
        byte[] payload = payload(token);
        if (payload == null || payload.length != 1 + 16 + 16 + 8 || payload[0] != Kind.SURVEY.ordinal()) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(payload, 1, payload.length - 1);
        UUID tenant = new UUID(b.getLong(), b.getLong());
        UUID send = new UUID(b.getLong(), b.getLong());
        return Optional.of(new SurveyClaim(tenant, send, java.time.Instant.ofEpochSecond(b.getLong())));
    }

    /** @return a token's payload if its MAC is the kernel's, else null */
    private byte[] payload(String token) {
        if (token == null || token.length() > 1000) {
            return null;
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        try {
            Base64.Decoder dec = Base64.getUrlDecoder();
            byte[] payload = dec.decode(token.substring(0, dot));
            byte[] mac = dec.decode(token.substring(dot + 1));
            return MessageDigest.isEqual(mac, mac(payload)) ? payload : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The paths of the open pixel and the click redirect, and their parameters. */
    public static final String OPEN_PATH = "/api/v1/public/t/open";
    public static final String CLICK_PATH = "/api/v1/public/t/click";
    public static final String MESSAGE_PARAMETER = "m";
    public static final String URL_PARAMETER = "u";
    public static final String SIGNATURE_PARAMETER = "s";

    /** @return the open pixel's URL for a message */
    public URI open(UUID messageId) {
        return publicUrl.resolve(OPEN_PATH + "?" + MESSAGE_PARAMETER + "=" + messageId + "&" + SIGNATURE_PARAMETER + "=" + trackingMac("open", messageId, ""));
    }

    /** @return the click redirect's URL for a link in a message: it leads to {@code url} and nowhere else */
    public URI click(UUID messageId, String url) {
        return publicUrl.resolve(CLICK_PATH + "?" + MESSAGE_PARAMETER + "=" + messageId + "&" + URL_PARAMETER + "="
                + java.net.URLEncoder.encode(url, StandardCharsets.UTF_8) + "&" + SIGNATURE_PARAMETER + "=" + trackingMac("click", messageId, url));
    }

    /** @return whether the signature is the kernel's for this open ({@code url} null) or click */
    public boolean verifyTracking(UUID messageId, String url, String signature) {
        if (signature == null || signature.length() > 100) {
            return false;
        }
        String expected = trackingMac(url == null ? "open" : "click", messageId, url == null ? "" : url);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether a URL is this server's own (an unsubscribe or preference link is not tracked). */
    public boolean isOwn(String url) {
        return url.startsWith(publicUrl.toString());
    }

    private String trackingMac(String what, UUID messageId, String url) {
        byte[] payload = (what + "|" + messageId + "|" + url).getBytes(StandardCharsets.UTF_8);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(payload));
    }

    String sign(Kind kind, UUID tenantId, UUID customerId, String purpose, String channel, Duration lifetime) {
        byte[] p = purpose.getBytes(StandardCharsets.UTF_8);
        byte[] c = channel.getBytes(StandardCharsets.UTF_8);
        if (p.length > MAX_NAME || c.length > MAX_NAME) {
            throw new IllegalArgumentException("purpose and channel are at most " + MAX_NAME + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(1 + 16 + 16 + 8 + 1 + p.length + 1 + c.length);
        b.put((byte) kind.ordinal());
        b.putLong(tenantId.getMostSignificantBits()).putLong(tenantId.getLeastSignificantBits());
        b.putLong(customerId.getMostSignificantBits()).putLong(customerId.getLeastSignificantBits());
        b.putLong(clock.instant().plus(lifetime).getEpochSecond());
        b.put((byte) p.length).put(p).put((byte) c.length).put(c);
        byte[] payload = b.array();
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        return enc.encodeToString(payload) + "." + enc.encodeToString(mac(payload));
    }

    /** @return what the token allows, or empty if it is malformed, forged or expired */
    public Optional<Claim> verify(String token) {
        if (token == null || token.length() > 1000) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            Base64.Decoder dec = Base64.getUrlDecoder();
            byte[] payload = dec.decode(token.substring(0, dot));
            byte[] mac = dec.decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(mac, mac(payload))) {
                return Optional.empty();
            }
            ByteBuffer b = ByteBuffer.wrap(payload);
            int k = b.get();
            if (k < 0 || k >= Kind.values().length || k == Kind.SURVEY.ordinal()) {
                return Optional.empty();
            }
            UUID tenant = new UUID(b.getLong(), b.getLong());
            UUID customer = new UUID(b.getLong(), b.getLong());
            long expires = b.getLong();
            byte[] p = new byte[b.get()];
            b.get(p);
            byte[] c = new byte[b.get()];
            b.get(c);
            if (b.hasRemaining() || clock.instant().getEpochSecond() > expires) {
                return Optional.empty();
            }
            return Optional.of(new Claim(Kind.values()[k], tenant, customer, new String(p, StandardCharsets.UTF_8), new String(c, StandardCharsets.UTF_8),
                    OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(expires), java.time.ZoneOffset.UTC)));
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException | java.nio.BufferOverflowException e) {
            return Optional.empty();
        }
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return Arrays.copyOf(m.doFinal(payload), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The signing key: made on the first start of the first node, read by every later start of any node. */
    private static String secret(Db db, Clock clock) {
        Optional<String> known = read(db);
        if (known.isPresent()) {
            return known.get();
        }
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        try {
            db.tx(c -> Db.update(c, "INSERT INTO kernel_secret (name, secret, created_at) VALUES (?,?,?)", SECRET_NAME,
                    Base64.getEncoder().encodeToString(k), OffsetDateTime.now(clock)));
        } catch (RuntimeException e) {
            // another node made it at the same moment: use theirs
        }
        return read(db).orElseThrow(() -> new IllegalStateException("cannot create the link signing key"));
    }

    private static Optional<String> read(Db db) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT secret FROM kernel_secret WHERE name = ?")) {
                ps.setString(1, SECRET_NAME);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }
}
