package io.rapport.connector.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * An open CSV file: its detected encoding and delimiter, its header, and its records one at a time. The first
 * {@value #SAMPLE_ROWS} records are read ahead (a sample to infer column types from, the same whatever line a job
 * resumes after); the rest stream.
 */
final class CsvSource implements Closeable {

    /** How many records the sample holds. */
    static final int SAMPLE_ROWS = 200;

    private final Encodings.Detected encoding;
    private final Delimiter delimiter;
    private final List<String> header;
    private final List<CsvRecord> sample;
    private final Deque<CsvRecord> ahead;
    private final CsvReader reader;

    private CsvSource(Encodings.Detected encoding, Delimiter delimiter, List<String> header, List<CsvRecord> sample, CsvReader reader) {
        this.encoding = encoding;
        this.delimiter = delimiter;
        this.header = header;
        this.sample = sample;
        this.ahead = new ArrayDeque<>(sample);
        this.reader = reader;
    }

    /**
     * Opens a file: detects its encoding and delimiter (unless the options name them), reads its header (or takes
     * the {@code columns} option) and its sample.
     *
     * @throws IOException when the file cannot be read or its header is malformed
     */
    static CsvSource open(Path file, CsvOptions options) throws IOException {
        byte[] bytes = new byte[Encodings.SAMPLE_BYTES];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(bytes, 0, bytes.length);
        }
        Encodings.Detected enc = Encodings.detect(bytes, n, options.encoding());
        Delimiter delimiter = options.delimiter();
        if (delimiter == null) {
            String text = new String(bytes, enc.bomLength(), n - enc.bomLength(), enc.charset());
            delimiter = Delimiters.sniff(text, n == bytes.length);
        }
        InputStream in = Files.newInputStream(file);
        CsvReader reader;
        try {
            in.skipNBytes(enc.bomLength());
            CharsetDecoder decoder = enc.charset().newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            reader = new CsvReader(new InputStreamReader(in, decoder), delimiter);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        try {
            List<String> header = new ArrayList<>();
            if (options.hasHeader()) {
                CsvRecord h = reader.next();
                if (h != null) {
                    if (h.failed()) {
                        throw new IOException("the header on line " + h.line() + " cannot be read: " + h.error());
                    }
                    for (String s : h.fields()) {
                        header.add(s.replace("\uFEFF", "").trim());
                    }
                }
            }
            for (int i = 0; i < options.columns().size(); i++) {
                if (i < header.size()) {
                    header.set(i, options.columns().get(i));
                } else {
                    header.add(options.columns().get(i));
                }
            }
            List<CsvRecord> sample = new ArrayList<>();
            CsvRecord r;
            while (sample.size() < SAMPLE_ROWS && (r = reader.next()) != null) {
                sample.add(r);
            }
            return new CsvSource(enc, delimiter, List.copyOf(header), List.copyOf(sample), reader);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /** @return the next record, or null at the end */
    CsvRecord next() throws IOException {
        CsvRecord r = ahead.poll();
        return r != null ? r : reader.next();
    }

    Encodings.Detected encoding() {
        return encoding;
    }

    Delimiter delimiter() {
        return delimiter;
    }

    List<String> header() {
        return header;
    }

    List<CsvRecord> sample() {
        return sample;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
