package io.rapport.connector.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming RFC 4180 reader: one record at a time, never the whole input in memory. Quoted fields may hold
 * delimiters, line breaks and doubled quotes; line breaks may be {@code \r\n}, {@code \n} or {@code \r}; empty (and
 * blank) lines are skipped. Each record knows the physical line where it starts. A field longer than
 * {@value #MAX_FIELD} characters, a record longer than {@value #MAX_RECORD} characters or with more than
 * {@value #MAX_FIELDS} fields, and a quote never closed, make that record a failed one (its characters past the
 * limit are dropped, not kept) and reading goes on with the next. Lenient where RFC 4180 is silent: a quote inside an
 * unquoted field, or text right after a closing quote, is kept as text. In {@link Delimiter#WHITESPACE} mode fields
 * are separated by runs of blanks and nothing is quoted.
 */
public final class CsvReader implements Closeable {

    /** The longest field, in characters (64 KiB). */
    public static final int MAX_FIELD = 64 * 1024;
    /** The longest record, in characters (1 MiB). */
    public static final int MAX_RECORD = 1024 * 1024;
    /** The most fields in one record. */
    public static final int MAX_FIELDS = 10_000;

    private static final int EOF = -1;

    private final Reader in;
    private final Delimiter delimiter;
    private final char[] buf = new char[16 * 1024];
    private int pos;
    private int limit;
    private long line = 1;

    /** @param in read from its current position, which is line 1 */
    public CsvReader(Reader in, Delimiter delimiter) {
        this.in = in;
        this.delimiter = delimiter;
    }

    /** @return the next record, or null at the end of the input */
    public CsvRecord next() throws IOException {
        while (true) {
            int c = peek();
            if (c == EOF) {
                return null;
            }
            CsvRecord r = delimiter == Delimiter.WHITESPACE ? readBlankSeparated() : readQuoted();
            if (r != null) {
                return r;
            }
        }
    }

    /** @return the line the next record will start on (or past it, across empty lines) */
    public long line() {
        return line;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** @return a record, or null for an empty or blank line (consumed) */
    private CsvRecord readQuoted() throws IOException {
        long start = line;
        char sep = delimiter.separator();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        Limits limits = new Limits();
        boolean inQuotes = false;
        boolean wasQuoted = false;
        boolean anyQuoted = false;
        while (true) {
            int c = read();
            if (c == EOF) {
                if (inQuotes) {
                    limits.fail("a quoted field starting on line " + start + " is never closed");
                }
                break;
            }
            if (inQuotes) {
                if (c == '"') {
                    if (peek() == '"') {
                        read();
                        limits.append(field, '"', fields.size());
                    } else {
                        inQuotes = false;
                    }
                } else if (c == '\r' || c == '\n') {
                    newline(c);
                    limits.append(field, '\n', fields.size());
                } else {
                    limits.append(field, (char) c, fields.size());
                }
                continue;
            }
            if (c == sep) {
                addField(fields, field, limits);
                wasQuoted = false;
            } else if (c == '\r' || c == '\n') {
                newline(c);
                break;
            } else if (c == '"' && field.length() == 0 && !wasQuoted && !limits.dropping(fields.size())) {
                inQuotes = true;
                wasQuoted = true;
                anyQuoted = true;
            } else {
                limits.append(field, (char) c, fields.size());
            }
        }
        addField(fields, field, limits);
        if (!anyQuoted && limits.error == null && fields.size() == 1 && fields.get(0).isBlank()) {
            return null;
        }
        return new CsvRecord(start, fields, limits.error);
    }

    private CsvRecord readBlankSeparated() throws IOException {
        long start = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        Limits limits = new Limits();
        while (true) {
            int c = read();
            if (c == EOF) {
                break;
            }
            if (c == '\r' || c == '\n') {
                newline(c);
                break;
            }
            if (c == ' ' || c == '\t') {
                if (field.length() > 0) {
                    addField(fields, field, limits);
                }
            } else {
                limits.append(field, (char) c, fields.size());
            }
        }
        if (field.length() > 0) {
            addField(fields, field, limits);
        }
        if (fields.isEmpty() && limits.error == null) {
            return null;
        }
        return new CsvRecord(start, fields, limits.error);
    }

    private void addField(List<String> fields, StringBuilder field, Limits limits) {
        if (fields.size() < MAX_FIELDS) {
            fields.add(field.toString());
        } else {
            limits.fail("more than " + MAX_FIELDS + " fields");
        }
        field.setLength(0);
    }

    private void newline(int c) throws IOException {
        if (c == '\r' && peek() == '\n') {
            read();
        }
        line++;
    }

    private int peek() throws IOException {
        if (pos >= limit && !fill()) {
            return EOF;
        }
        return buf[pos];
    }

    private int read() throws IOException {
        if (pos >= limit && !fill()) {
            return EOF;
        }
        return buf[pos++];
    }

    private boolean fill() throws IOException {
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) {
            limit = pos = 0;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    /** The size limits of one record and its first error. */
    private static final class Limits {
        private String error;
        private int recordChars;
        private int droppingField = -1;

        void append(StringBuilder field, char c, int fieldIndex) {
            if (droppingField == fieldIndex || recordChars > MAX_RECORD) {
                return;
            }
            if (field.length() >= MAX_FIELD) {
                fail("the field in column " + (fieldIndex + 1) + " is longer than " + MAX_FIELD + " characters");
                droppingField = fieldIndex;
                field.setLength(0);
                return;
            }
            if (++recordChars > MAX_RECORD) {
                fail("the record is longer than " + MAX_RECORD + " characters");
                field.setLength(0);
                return;
            }
            field.append(c);
        }

        boolean dropping(int fieldIndex) {
            return droppingField == fieldIndex;
        }

        void fail(String why) {
            if (error == null) {
                error = why;
            }
        }
    }
}
