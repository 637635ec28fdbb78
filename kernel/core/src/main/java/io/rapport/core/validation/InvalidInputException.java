package io.rapport.core.validation;

import java.util.List;

/** Bad input from outside; REST answers it with 400 and a problem+json body listing every error. */
public final class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<FieldError> errors;

    public InvalidInputException(List<FieldError> errors) {
        super(errors.isEmpty() ? "invalid input" : errors.get(0).field() + ": " + errors.get(0).detail());
        this.errors = List.copyOf(errors);
    }

    public InvalidInputException(String field, String detail) {
        this(List.of(new FieldError(field, detail)));
    }

    public List<FieldError> errors() {
        return errors;
    }
}
