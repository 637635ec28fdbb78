package io.rapport.api.imports;

import java.util.Objects;

/**
 * A record of a source that was not imported, and why: what a job's error report lists.
 *
 * @param line   where the record starts in its source
 * @param field  the column or field at fault, or null when the record as a whole is
 * @param reason in plain words, such as "'bob@' is not an e-mail address"
 * @since 0.1
 */
public record Rejected(long line, String field, String reason) {

    public Rejected {
        Objects.requireNonNull(reason, "reason");
    }
}
