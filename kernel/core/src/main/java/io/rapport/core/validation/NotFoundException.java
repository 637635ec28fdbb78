package io.rapport.core.validation;

/** The tenant has no such thing; REST answers 404. Never says whether another tenant has it. */
public final class NotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
