package io.rapport.core.security;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.rapport.core.db.DataAccessException;
import io.rapport.core.db.Db;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;

/**
 * Tenants, users, API keys and the audit log. Passwords are stored as PBKDF2 hashes and API keys as SHA-256
 * hashes; neither is ever stored or logged in clear. Verified credentials are cached briefly in memory so that a
 * client sending Basic credentials on every call does not pay for PBKDF2 each time.
 */
public final class AccessStore {

    /** A tenant: one shop or business, whose data no other tenant's principal can read. */
    public record Tenant(UUID id, String slug, String name, String defaultRegion, OffsetDateTime createdAt) {
    }

    /** A user, without the password hash. */
    public record User(UUID id, UUID tenantId, String username, Role role, boolean operator, OffsetDateTime createdAt, OffsetDateTime disabledAt) {
    }

    /** An API key's public part; {@code prefix} identifies it in lists and logs. */
    public record ApiKey(UUID id, UUID tenantId, String name, String prefix, OffsetDateTime createdAt, OffsetDateTime revokedAt) {
    }

    /** A new API key with its secret, which is shown this once. */
    public record NewApiKey(ApiKey key, String secret) {
    }

    /** The slug of the tenant created on first start. */
    public static final String DEFAULT_TENANT = "default";
    /** API keys start with this, so that secret scanners and people recognise them. */
    public static final String KEY_PREFIX = "rpk_";
    static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
    static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{1,99}");
    static final int MIN_PASSWORD = 12;
    /** How long a verified password is trusted on a node: a disabled user or a changed password holds everywhere after it. */
    static final long USER_CACHE_MS = 30_000;
    static final long KEY_CACHE_MS = 30_000;

    private record Cached(Principal principal, long until) {
    }

    private final Db db;
    private final Clock clock;
    private final ConcurrentHashMap<String, Cached> userCache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Cached> keyCache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Tenant> tenantCache = new ConcurrentHashMap<>();
    private final SignInThrottle throttle;
    private final ConcurrentHashMap<String, CompletableFuture<Optional<Principal>>> checking = new ConcurrentHashMap<>();

    public AccessStore(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
        this.throttle = new SignInThrottle(clock);
    }

    // --- tenants -----------------------------------------------------------------------------------------

    public Tenant ensureDefaultTenant() {
        return tenantBySlug(DEFAULT_TENANT).orElseGet(() -> createTenant(DEFAULT_TENANT, "Default", null));
    }

    public Optional<Tenant> tenantBySlug(String slug) {
        return db.read(c -> one(c, "SELECT id, slug, name, default_region, created_at FROM tenant WHERE slug = ?", slug));
    }

    /** @return the tenant; cached, since every API call asks and tenants do not change once created */
    public Optional<Tenant> tenant(UUID id) {
        Tenant hit = tenantCache.get(id);
        if (hit != null) {
            return Optional.of(hit);
        }
        Optional<Tenant> t = db.read(c -> one(c, "SELECT id, slug, name, default_region, created_at FROM tenant WHERE id = ?", id));
        t.ifPresent(x -> tenantCache.put(id, x));
        return t;
    }

    /** @return the tenant's region for phone numbers written without a country code, or null */
    public String region(UUID tenantId) {
        return tenant(tenantId).map(Tenant::defaultRegion).orElse(null);
    }

    public List<Tenant> tenants() {
        return db.read(c -> {
            List<Tenant> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, slug, name, default_region, created_at FROM tenant ORDER BY created_at");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(tenantOf(rs));
                }
            }
            return out;
        });
    }

    public Tenant createTenant(String slug, String name, String defaultRegion) {
        List<io.rapport.core.validation.FieldError> errors = new ArrayList<>();
        if (slug == null || !SLUG.matcher(slug).matches()) {
            errors.add(new io.rapport.core.validation.FieldError("/slug", "is 2 to 63 lower-case letters, digits and dashes"));
        }
        if (name == null || name.isBlank() || name.length() > 200) {
            errors.add(new io.rapport.core.validation.FieldError("/name", "is required, at most 200 characters"));
        }
        if (defaultRegion != null && !java.util.Locale.getISOCountries(java.util.Locale.IsoCountryCode.PART1_ALPHA2).contains(defaultRegion)) {
            errors.add(new io.rapport.core.validation.FieldError("/defaultRegion", "is an ISO 3166 two-letter region such as FR or US"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        Tenant t = new Tenant(UUID.randomUUID(), slug, name, defaultRegion, OffsetDateTime.now(clock));
        try {
            db.tx(c -> {
                exec(c, "INSERT INTO tenant (id, slug, name, default_region, created_at) VALUES (?,?,?,?,?)", t.id(), t.slug(), t.name(), t.defaultRegion(), t.createdAt());
                return null;
            });
        } catch (DataAccessException e) {
            if (e.getCause() instanceof SQLException s && Db.isUniqueViolation(s)) {
                throw new ConflictException("/slug", "a tenant with slug '" + slug + "' exists");
            }
            throw e;
        }
        return t;
    }

    // --- users -------------------------------------------------------------------------------------------

    public boolean hasUsers() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM app_user");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        });
    }

    public User createUser(UUID tenantId, String username, char[] password, Role role, boolean operator) {
        List<io.rapport.core.validation.FieldError> errors = new ArrayList<>();
        if (username == null || !USERNAME.matcher(username).matches()) {
            errors.add(new io.rapport.core.validation.FieldError("/username", "is 2 to 100 letters, digits and . _ @ -"));
        }
        if (password == null || password.length < MIN_PASSWORD) {
            errors.add(new io.rapport.core.validation.FieldError("/password", "must be at least " + MIN_PASSWORD + " characters"));
        }
        if (role == null) {
            errors.add(new io.rapport.core.validation.FieldError("/role", "is one of admin, marketer, viewer"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        User u = new User(UUID.randomUUID(), tenantId, username, role, operator, OffsetDateTime.now(clock), null);
        String hash = Passwords.hash(password);
        try {
            db.tx(c -> {
                exec(c, "INSERT INTO app_user (id, tenant_id, username, password_hash, role, operator, created_at) VALUES (?,?,?,?,?,?,?)",
                        u.id(), tenantId, username, hash, role.name(), operator, u.createdAt());
                return null;
            });
        } catch (DataAccessException e) {
            if (e.getCause() instanceof SQLException s && Db.isUniqueViolation(s)) {
                throw new ConflictException("/username", "the username '" + username + "' is taken");
            }
            throw e;
        }
        return u;
    }

    public List<User> users(UUID tenantId) {
        return db.read(c -> {
            List<User> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + USER_COLUMNS + " FROM app_user WHERE tenant_id = ? ORDER BY username")) {
                ps.setObject(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(userOf(rs));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Disables a user of the tenant: they can no longer sign in or call the API. Their sessions are ended by
     * {@link Sessions#closeAll(String)}, which the caller runs too.
     */
    public User disableUser(UUID tenantId, String username) {
        int n = db.tx(c -> exec(c, "UPDATE app_user SET disabled_at = ? WHERE tenant_id = ? AND username = ? AND disabled_at IS NULL",
                OffsetDateTime.now(clock), tenantId, username));
        userCache.clear();
        if (n == 0) {
            throw new NotFoundException("no active user " + username);
        }
        return user(tenantId, username).orElseThrow();
    }

    /**
     * Checks a password for signing in; always pays for PBKDF2, and is throttled per username and address.
     *
     * @return the user if the password is right and the user is not disabled
     * @throws io.rapport.core.validation.TooManyAttemptsException after repeated failures ({@link SignInThrottle})
     */
    public Optional<User> checkPassword(String username, char[] password, String remote) {
        if (username == null || !USERNAME.matcher(username).matches() || password == null) {
            return Optional.empty(); // no such user can exist
        }
        throttle.begin(username, remote);
        Optional<User> user = Optional.empty();
        try {
            Optional<Object[]> row = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + USER_COLUMNS + ", password_hash FROM app_user WHERE username = ? AND disabled_at IS NULL")) {
                    ps.setString(1, username);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? Optional.of(new Object[] {userOf(rs), rs.getString(8)}) : Optional.<Object[]>empty();
                    }
                }
            });
            if (row.isEmpty()) {
                Passwords.verify(password, DUMMY_HASH); // the same time whether the user exists or not
            } else if (Passwords.verify(password, (String) row.get()[1])) {
                user = Optional.of((User) row.get()[0]);
            }
            return user;
        } finally {
            if (user.isPresent()) {
                throttle.succeeded(username, remote);
            } else {
                throttle.failed(username, remote);
            }
        }
    }

    /** @return the tenant's user of that name, disabled or not */
    public Optional<User> user(UUID tenantId, String username) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + USER_COLUMNS + " FROM app_user WHERE tenant_id = ? AND username = ?")) {
                ps.setObject(1, tenantId);
                ps.setString(2, username);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(userOf(rs)) : Optional.<User>empty();
                }
            }
        });
    }

    /** Enables a disabled user of the tenant again. */
    public User enableUser(UUID tenantId, String username) {
        int n = db.tx(c -> exec(c, "UPDATE app_user SET disabled_at = NULL WHERE tenant_id = ? AND username = ? AND disabled_at IS NOT NULL",
                tenantId, username));
        if (n == 0) {
            throw new NotFoundException("no disabled user " + username);
        }
        return user(tenantId, username).orElseThrow();
    }

    private static final String USER_COLUMNS = "id, tenant_id, username, role, operator, created_at, disabled_at";
    private static final String DUMMY_HASH = Passwords.hash("not a password of anyone".toCharArray());

    private static User userOf(ResultSet rs) throws SQLException {
        return new User(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), Role.valueOf(rs.getString(4)),
                rs.getBoolean(5), rs.getObject(6, OffsetDateTime.class), rs.getObject(7, OffsetDateTime.class));
    }

    public void changePassword(String username, char[] password) {
        if (password == null || password.length < MIN_PASSWORD) {
            throw new InvalidInputException("/password", "must be at least " + MIN_PASSWORD + " characters");
        }
        String hash = Passwords.hash(password);
        int n = db.tx(c -> exec(c, "UPDATE app_user SET password_hash = ? WHERE username = ?", hash, username));
        if (n == 0) {
            throw new NotFoundException("no user " + username);
        }
        userCache.clear();
    }

    /** @return the user's principal if the password is right (HTTP Basic, without a client address: tests and tools) */
    public Optional<Principal> authenticateUser(String username, char[] password) {
        return authenticateUser(username, password, null);
    }

    /**
     * Checks HTTP Basic credentials. A right pair is trusted for {@link #USER_CACHE_MS} without PBKDF2; anything else
     * goes through {@link #checkPassword} and its throttle.
     *
     * @return the user's principal if the password is right
     */
    public Optional<Principal> authenticateUser(String username, char[] password, String remote) {
        String cacheKey = Passwords.sha256(username + '\0' + new String(password));
        long now = System.currentTimeMillis();
        Cached hit = userCache.get(cacheKey);
        if (hit != null && hit.until() > now) {
            return Optional.of(hit.principal());
        }
        // requests that carry the same credentials at the same moment share one check: a client's parallel calls when its
        // cached entry expires are one attempt, not a burst the throttle would refuse
        CompletableFuture<Optional<Principal>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<Principal>> running = checking.putIfAbsent(cacheKey, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            Optional<Principal> p = checkPassword(username, password, remote).map(u -> new Principal(u.username(), u.tenantId(), u.role(), u.operator()));
            p.ifPresent(pr -> userCache.put(cacheKey, new Cached(pr, now + USER_CACHE_MS)));
            mine.complete(p);
            return p;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            checking.remove(cacheKey, mine);
        }
    }

    // --- API keys ----------------------------------------------------------------------------------------

    public NewApiKey createApiKey(UUID tenantId, String name) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new InvalidInputException("/name", "is required, at most 100 characters");
        }
        String prefix = Passwords.randomToken(8);
        String secret = KEY_PREFIX + prefix + "_" + Passwords.randomToken(32);
        ApiKey key = new ApiKey(UUID.randomUUID(), tenantId, name, prefix, OffsetDateTime.now(clock), null);
        db.tx(c -> exec(c, "INSERT INTO api_key (id, tenant_id, name, prefix, key_hash, created_at) VALUES (?,?,?,?,?,?)",
                key.id(), tenantId, name, prefix, Passwords.sha256(secret), key.createdAt()));
        return new NewApiKey(key, secret);
    }

    public List<ApiKey> apiKeys(UUID tenantId) {
        return db.read(c -> {
            List<ApiKey> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, tenant_id, name, prefix, created_at, revoked_at FROM api_key WHERE tenant_id = ? ORDER BY created_at")) {
                ps.setObject(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new ApiKey(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                                rs.getObject(5, OffsetDateTime.class), rs.getObject(6, OffsetDateTime.class)));
                    }
                }
            }
            return out;
        });
    }

    public void revokeApiKey(UUID tenantId, UUID keyId) {
        int n = db.tx(c -> exec(c, "UPDATE api_key SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL",
                OffsetDateTime.now(clock), tenantId, keyId));
        if (n == 0) {
            throw new NotFoundException("no active API key " + keyId);
        }
        keyCache.clear();
    }

    /** @return the key's principal if the key exists and is not revoked */
    public Optional<Principal> authenticateKey(String secret) {
        if (secret == null || !secret.startsWith(KEY_PREFIX) || secret.length() > 100) {
            return Optional.empty();
        }
        String hash = Passwords.sha256(secret);
        long now = System.currentTimeMillis();
        Cached hit = keyCache.get(hash);
        if (hit != null && hit.until() > now) {
            return Optional.of(hit.principal());
        }
        Optional<Principal> p = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant_id, name FROM api_key WHERE key_hash = ? AND revoked_at IS NULL")) {
                ps.setString(1, hash);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Principal("key:" + rs.getString(2), rs.getObject(1, UUID.class), null, false))
                            : Optional.<Principal>empty();
                }
            }
        });
        p.ifPresent(pr -> keyCache.put(hash, new Cached(pr, now + KEY_CACHE_MS)));
        return p;
    }

    // --- audit -------------------------------------------------------------------------------------------

    /** Records an admin action: who, what, on what, when. {@code detail} must hold no secret. */
    public void audit(UUID tenantId, String actor, String action, String target, String detail) {
        db.tx(c -> exec(c, "INSERT INTO audit_log (tenant_id, actor, action, target, detail, at) VALUES (?,?,?,?,?,?)",
                tenantId, actor, action, target, detail, OffsetDateTime.now(clock)));
    }

    /** An audit entry. */
    public record AuditEntry(long id, String actor, String action, String target, String detail, OffsetDateTime at) {
    }

    public List<AuditEntry> auditLog(UUID tenantId, int limit) {
        return auditLog(tenantId, Long.MAX_VALUE, limit);
    }

    /** @return up to {@code limit} entries older than entry {@code before}, newest first */
    public List<AuditEntry> auditLog(UUID tenantId, long before, int limit) {
        return db.read(c -> {
            List<AuditEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, actor, action, target, detail, at FROM audit_log WHERE tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?")) {
                ps.setObject(1, tenantId);
                ps.setLong(2, before);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AuditEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getObject(6, OffsetDateTime.class)));
                    }
                }
            }
            return out;
        });
    }

    // --- helpers -----------------------------------------------------------------------------------------

    private static Optional<Tenant> one(Connection c, String sql, Object arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(tenantOf(rs)) : Optional.empty();
            }
        }
    }

    private static Tenant tenantOf(ResultSet rs) throws SQLException {
        return new Tenant(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4), rs.getObject(5, OffsetDateTime.class));
    }

    private static int exec(Connection c, String sql, Object... args) throws SQLException {
        return Db.update(c, sql, args);
    }
}
