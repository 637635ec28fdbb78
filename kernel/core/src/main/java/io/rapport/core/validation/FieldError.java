package io.rapport.core.validation;

/**
 * One thing wrong with a request.
 *
 * @param field  where, as a JSON pointer into the request body (for example {@code /events/3/customer/email})
 * @param detail what is wrong, in a sentence a person can act on
 */
public record FieldError(String field, String detail) {
}
