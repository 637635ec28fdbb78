package io.rapport.connector.csv;

import java.util.List;

import io.rapport.api.imports.Rejected;

/**
 * The start of a file, read and mapped, for an import wizard.
 *
 * @param file     the detected encoding, delimiter, header, preset and column plan
 * @param rawRows  the first rows as read, one list of fields per row
 * @param records  the same rows mapped (those that map)
 * @param rejected the same rows refused, and why
 */
public record Preview<T>(FileDescription file, List<List<String>> rawRows, List<T> records, List<Rejected> rejected) {

    public Preview {
        rawRows = rawRows.stream().map(List::copyOf).toList();
        records = List.copyOf(records);
        rejected = List.copyOf(rejected);
    }
}
