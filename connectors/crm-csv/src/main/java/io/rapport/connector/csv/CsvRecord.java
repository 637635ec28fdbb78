package io.rapport.connector.csv;

import java.util.List;

/**
 * One record of a CSV file as read, before mapping.
 *
 * @param line   the physical line (1-based) where the record starts
 * @param fields the fields, unquoted; never null (partial when {@code error} is set)
 * @param error  why the record cannot be read (an unterminated quote, a field too long), or null
 */
public record CsvRecord(long line, List<String> fields, String error) {

    public CsvRecord {
        fields = List.copyOf(fields);
    }

    /** @return true when the record could not be read */
    public boolean failed() {
        return error != null;
    }

    /** @return the field at {@code index} (0-based), or null past the end */
    public String field(int index) {
        return index < fields.size() ? fields.get(index) : null;
    }
}
