package io.rapport.connector.csv;

import java.util.List;

import io.rapport.api.imports.Rejected;

/**
 * What one {@code next} call of a file reader gives: the records mapped, the rows refused, and the line of the last
 * row read (mapped or refused), which is where a job resumes. An empty batch (no records, no rejects) means the
 * end of the file.
 *
 * @param <T> {@link io.rapport.api.imports.ContactRecord} or {@link io.rapport.api.imports.OrderRecord}
 */
public record Batch<T>(List<T> records, List<Rejected> rejected, long lastLine) {

    public Batch {
        records = List.copyOf(records);
        rejected = List.copyOf(rejected);
    }

    /** @return true at the end of the file */
    public boolean isEmpty() {
        return records.isEmpty() && rejected.isEmpty();
    }

    /** @return records plus rejects: how many rows this batch read */
    public int size() {
        return records.size() + rejected.size();
    }
}
