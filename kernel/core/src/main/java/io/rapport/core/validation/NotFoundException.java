package io.rapport.core.validation;

/**
 * The tenant has no such thing; REST answers 404. Never says whether another tenant has it. A {@link java.util.NoSuchElementException},
 * as the API's services promise.
 */
public final class NotFoundException extends java.util.NoSuchElementException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
