package io.rapport.core.security;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import io.rapport.core.validation.TooManyAttemptsException;

/**
 * Slows down password guessing, for every way a password is checked (console sign-in and HTTP Basic). Attempts are
 * counted per username and client address: after {@link #FREE_FAILURES} failures in a row, each further attempt waits
 * twice as long as the one before, from {@link #FIRST_LOCK} up to {@link #MAX_LOCK}. A pair that fails nothing for
 * {@link #FORGET_AFTER} starts afresh, so that an attacker elsewhere cannot keep a user locked out, and a correct
 * password from the locked address waits like a wrong one.
 *
 * <p>An attempt is reserved before the password hash is computed, so that requests sent in parallel cannot all slip
 * through before the first failure is counted. The table holds at most {@link #MAX_ENTRIES} pairs (the oldest are
 * dropped first); it lives on each node.
 */
public final class SignInThrottle {

    static final int FREE_FAILURES = 5;
    static final Duration FIRST_LOCK = Duration.ofSeconds(15);
    static final Duration MAX_LOCK = Duration.ofMinutes(15);
    static final Duration FORGET_AFTER = Duration.ofMinutes(30);
    static final int MAX_ENTRIES = 10_000;

    /** failures in a row, attempts in progress, until when the pair waits, and when it last failed. */
    private record Entry(int failures, int pending, long lockedUntil, long lastFailure) {
    }

    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    public SignInThrottle(Clock clock) {
        this.clock = clock;
    }

    /**
     * Reserves one attempt for {@code username} from {@code remote}; follow it with {@link #failed} or {@link #succeeded}.
     *
     * @throws TooManyAttemptsException while the pair waits
     */
    public void begin(String username, String remote) {
        long now = clock.millis();
        String key = key(username, remote);
        long[] wait = {0};
        entries.compute(key, (k, e) -> {
            if (e == null || (e.pending() == 0 && now - e.lastFailure() > FORGET_AFTER.toMillis())) {
                e = new Entry(0, 0, 0, 0);
            }
            if (e.lockedUntil() > now) {
                wait[0] = e.lockedUntil() - now;
                return e;
            }
            if (e.failures() + e.pending() >= FREE_FAILURES && e.pending() > 0) {
                wait[0] = FIRST_LOCK.toMillis(); // a burst in flight: one at a time once the free attempts are used
                return e;
            }
            return new Entry(e.failures(), e.pending() + 1, e.lockedUntil(), e.lastFailure());
        });
        if (wait[0] > 0) {
            throw new TooManyAttemptsException("Too many failed sign-ins for '" + clip(username) + "'; try again later.", Math.max(1, (wait[0] + 999) / 1000));
        }
        if (entries.size() > MAX_ENTRIES) {
            trim(now);
        }
    }

    public void failed(String username, String remote) {
        long now = clock.millis();
        entries.computeIfPresent(key(username, remote), (k, e) -> {
            int failures = e.failures() + 1;
            long lock = 0;
            if (failures >= FREE_FAILURES) {
                lock = now + Math.min(FIRST_LOCK.toMillis() << Math.min(20, failures - FREE_FAILURES), MAX_LOCK.toMillis());
            }
            return new Entry(failures, Math.max(0, e.pending() - 1), lock, now);
        });
    }

    public void succeeded(String username, String remote) {
        entries.remove(key(username, remote));
    }

    int size() {
        return entries.size();
    }

    private void trim(long now) {
        entries.entrySet().removeIf(e -> e.getValue().pending() == 0 && now - e.getValue().lastFailure() > FORGET_AFTER.toMillis());
        if (entries.size() > MAX_ENTRIES) {
            entries.entrySet().stream().filter(e -> e.getValue().pending() == 0)
                    .sorted((a, b) -> Long.compare(a.getValue().lastFailure(), b.getValue().lastFailure()))
                    .limit(entries.size() - MAX_ENTRIES / 2).map(java.util.Map.Entry::getKey).toList().forEach(entries::remove);
        }
    }

    private static String key(String username, String remote) {
        return clip(username) + '\0' + (remote == null ? "" : remote);
    }

    private static String clip(String s) {
        return s == null ? "" : s.length() > 100 ? s.substring(0, 100) : s;
    }
}
