package io.rapport.core.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.rapport.core.db.Db;
import io.rapport.core.validation.TooManyAttemptsException;

/**
 * Browser sign-in sessions for the console. The browser holds a random token in an HttpOnly cookie; the database
 * holds only its SHA-256, the user and the expiry, so that sessions survive a restart and hold on every node. A
 * session ends after {@link Settings#idle()} without use, after {@link Settings#maxAge()} in any case, at sign-out,
 * and when its user is disabled.
 *
 * <p>Each session has a CSRF token derived from its secret ({@link #csrfToken(String)}): the console sends it in a
 * header with every state-changing call, which a page of another origin cannot read and so cannot forge.
 *
 * <p>Passwords are checked by {@link AccessStore#checkPassword}, throttled by {@link SignInThrottle}.
 */
public final class Sessions {

    /** Session tokens start with this, so that secret scanners and people recognise them. */
    public static final String TOKEN_PREFIX = "rps_";
    /** How long a checked session is trusted before the database is asked again (sign-out on another node, disable). */
    static final long RECHECK_MS = 30_000;
    /** Beyond this many cached sessions, expired ones are dropped from the cache. */
    static final int MAX_CACHED = 1_000;
    /** How stale last_seen_at may get before it is written again. */
    static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    /** How long a session lasts. */
    public record Settings(Duration idle, Duration maxAge) {
        public static Settings defaults() {
            return new Settings(Duration.ofHours(2), Duration.ofHours(12));
        }
    }

    /** An open session; {@code token} is the cookie's value and is known only to the browser that signed in. */
    public record Session(String token, String csrfToken, Principal principal, OffsetDateTime expiresAt) {
    }

    private record Cached(Principal principal, OffsetDateTime createdAt, OffsetDateTime expiresAt, OffsetDateTime lastSeen, long checkedAt) {
    }

    private final Db db;
    private final AccessStore access;
    private final Clock clock;
    private final Settings settings;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    public Sessions(Db db, AccessStore access, Clock clock, Settings settings) {
        this.db = db;
        this.access = access;
        this.clock = clock;
        this.settings = settings;
    }

    /**
     * Signs a user in.
     *
     * @return the new session, or empty if the username or password is wrong or the user is disabled
     * @throws TooManyAttemptsException after repeated failures from this address ({@link SignInThrottle})
     */
    public Optional<Session> open(String username, char[] password, String remoteAddr, String userAgent) {
        Optional<AccessStore.User> user = access.checkPassword(username, password, remoteAddr);
        if (user.isEmpty()) {
            return Optional.empty();
        }
        AccessStore.User u = user.get();
        String token = TOKEN_PREFIX + Passwords.randomToken(43);
        OffsetDateTime at = OffsetDateTime.now(clock);
        OffsetDateTime expires = expiry(at, at);
        db.tx(c -> {
            Db.update(c, "DELETE FROM app_session WHERE expires_at < ?", at);
            return Db.update(c, "INSERT INTO app_session (token_hash, user_id, tenant_id, created_at, last_seen_at, expires_at, remote_addr, user_agent) "
                    + "VALUES (?,?,?,?,?,?,?,?)", Passwords.sha256(token), u.id(), u.tenantId(), at, at, expires, clip(remoteAddr, 100), clip(userAgent, 300));
        });
        Principal p = new Principal(u.username(), u.tenantId(), u.role(), u.operator());
        cache.put(Passwords.sha256(token), new Cached(p, at, expires, at, clock.millis()));
        return Optional.of(new Session(token, csrfToken(token), p, expires));
    }

    /** @return the live session for a cookie's token (and keeps it alive), or empty */
    public Optional<Session> find(String token) {
        if (token == null || !token.startsWith(TOKEN_PREFIX) || token.length() > 100) {
            return Optional.empty();
        }
        String hash = Passwords.sha256(token);
        long nowMs = clock.millis();
        OffsetDateTime now = OffsetDateTime.now(clock);
        Cached hit = cache.get(hash);
        boolean loaded = false;
        if (hit == null || nowMs - hit.checkedAt() > RECHECK_MS) {
            loaded = true;
            hit = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT u.username, u.tenant_id, u.role, u.operator, s.created_at, s.expires_at, s.last_seen_at "
                        + "FROM app_session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = ? AND u.disabled_at IS NULL")) {
                    ps.setString(1, hash);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? new Cached(new Principal(rs.getString(1), rs.getObject(2, UUID.class), Role.valueOf(rs.getString(3)), rs.getBoolean(4)),
                                rs.getObject(5, OffsetDateTime.class), rs.getObject(6, OffsetDateTime.class), rs.getObject(7, OffsetDateTime.class), nowMs) : null;
                    }
                }
            });
            if (hit == null) {
                cache.remove(hash);
                return Optional.empty();
            }
        }
        if (!hit.expiresAt().isAfter(now)) {
            cache.remove(hash);
            return Optional.empty();
        }
        Cached seen = hit;
        if (Duration.between(hit.lastSeen(), now).compareTo(TOUCH_EVERY) >= 0) {
            OffsetDateTime expires = expiry(hit.createdAt(), now);
            db.tx(c -> Db.update(c, "UPDATE app_session SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?", now, expires, hash));
            hit = new Cached(hit.principal(), hit.createdAt(), expires, now, hit.checkedAt());
        }
        if (loaded) {
            cache.put(hash, hit);
        } else if (hit != seen) {
            cache.replace(hash, seen, hit); // never brings back an entry that a sign-out removed meanwhile
        }
        if (cache.size() > MAX_CACHED) {
            cache.values().removeIf(c -> !c.expiresAt().isAfter(now));
        }
        return Optional.of(new Session(token, csrfToken(token), hit.principal(), hit.expiresAt()));
    }

    /** Ends a session (sign-out). */
    public void close(String token) {
        if (token == null) {
            return;
        }
        String hash = Passwords.sha256(token);
        cache.remove(hash);
        db.tx(c -> Db.update(c, "DELETE FROM app_session WHERE token_hash = ?", hash));
    }

    /** Ends every session of a user (disabled); other nodes notice within {@link #RECHECK_MS}. */
    public void closeAll(String username) {
        closeAllBut(username, null);
    }

    /** Ends every session of a user but the one of {@code keepToken} (their password changed there). */
    public void closeAllBut(String username, String keepToken) {
        String keep = keepToken == null ? "" : Passwords.sha256(keepToken);
        cache.entrySet().removeIf(e -> e.getValue().principal().name().equals(username) && !e.getKey().equals(keep));
        db.tx(c -> Db.update(c, "DELETE FROM app_session WHERE token_hash <> ? AND user_id IN (SELECT id FROM app_user WHERE username = ?)",
                keep, username));
    }

    /** @return how long a session lasts at most: the cookie's lifetime (the server ends idle sessions earlier) */
    public Duration maxAge() {
        return settings.maxAge();
    }

    /** @return the CSRF token of the session whose cookie holds {@code token} */
    public static String csrfToken(String token) {
        return Passwords.sha256("csrf\0" + token);
    }

    /** @return whether {@code presented} is the CSRF token of the session {@code token}, compared in constant time */
    public static boolean csrfMatches(String token, String presented) {
        return presented != null && MessageDigest.isEqual(csrfToken(token).getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.UTF_8));
    }

    private OffsetDateTime expiry(OffsetDateTime createdAt, OffsetDateTime lastSeen) {
        OffsetDateTime idle = lastSeen.plus(settings.idle());
        OffsetDateTime max = createdAt.plus(settings.maxAge());
        return idle.isBefore(max) ? idle : max;
    }

    private static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
