package io.rapport.core.validation;

/** Too many failed attempts in a row (sign-in); REST answers 429 with {@code Retry-After}. */
public final class TooManyAttemptsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long retryAfterSeconds;

    public TooManyAttemptsException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
