package io.rapport.connector.csv;

import io.rapport.api.imports.Rejected;

/**
 * What mapping one record gave: a record or the reason it was refused.
 *
 * @param record   the record, or null when refused
 * @param rejected why it was refused, or null
 */
public record Mapped<T>(T record, Rejected rejected) {

    static <T> Mapped<T> ok(T record) {
        return new Mapped<>(record, null);
    }

    static <T> Mapped<T> refused(long line, String field, String reason) {
        return new Mapped<>(null, new Rejected(line, field, reason));
    }
}
