package io.rapport.core.validation;

/** The request contradicts what is stored (an identifier owned by another customer); REST answers 409. */
public final class ConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public ConflictException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
