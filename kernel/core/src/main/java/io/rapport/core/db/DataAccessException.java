package io.rapport.core.db;

/** A database failure the caller cannot repair; REST answers it with 503 or 500. */
public final class DataAccessException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
