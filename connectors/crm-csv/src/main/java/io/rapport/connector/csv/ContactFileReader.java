package io.rapport.connector.csv;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import io.rapport.api.imports.ContactRecord;

/**
 * Reads a contacts file in batches of {@link ContactRecord}s and refused rows, streaming: memory stays flat whatever
 * the file's size. Not thread-safe; close it.
 *
 * <pre>{@code
 * try (ContactFileReader r = ContactFileReader.open(job.file(), job.options(), job.linesDone())) {
 *     for (Batch<ContactRecord> b = r.next(ImportService.MAX_BATCH); !b.isEmpty(); b = r.next(ImportService.MAX_BATCH)) {
 *         imports.contacts(job.id(), b.records(), b.rejected(), b.lastLine(), null);
 *     }
 * }
 * }</pre>
 */
public final class ContactFileReader implements Closeable {

    private final ImportFile<ContactRecord> file;

    private ContactFileReader(ImportFile<ContactRecord> file) {
        this.file = file;
    }

    /**
     * Opens a file: detects its encoding, delimiter and preset unless the options name them, reads its header and
     * plans its columns.
     *
     * @param options   the {@link CsvOptions} keys
     * @param afterLine skip every record that starts on this line or before (0: read all): a resumed job's
     *                  {@code linesDone}
     * @throws IOException              when the file cannot be read or its header is malformed
     * @throws IllegalArgumentException naming the option when one is malformed
     */
    public static ContactFileReader open(Path file, Map<String, String> options, long afterLine) throws IOException {
        return new ContactFileReader(ImportFile.open(file, options, afterLine, Preset.Kind.CONTACTS, ContactFileReader::mapper));
    }

    /**
     * Reads the start of a file and maps it, without importing anything.
     *
     * @param rows how many rows to show
     */
    public static Preview<ContactRecord> preview(Path file, Map<String, String> options, int rows) throws IOException {
        try (ImportFile<ContactRecord> f = ImportFile.open(file, options, 0, Preset.Kind.CONTACTS, ContactFileReader::mapper)) {
            return f.preview(rows);
        }
    }

    /**
     * @param maxRows the most rows (records and refused rows together) to read, such as
     *                {@link io.rapport.api.imports.ImportService#MAX_BATCH}
     * @return the next batch; an empty one at the end of the file
     */
    public Batch<ContactRecord> next(int maxRows) throws IOException {
        return file.next(maxRows);
    }

    /** @return the file's encoding, delimiter, header, preset and column plan */
    public FileDescription description() {
        return file.description();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private static java.util.function.Function<CsvRecord, Mapped<ContactRecord>> mapper(MappingPlan plan, CsvOptions options,
                                                                                          java.time.OffsetDateTime fileTime) {
        return new ContactMapper(plan, options.timeZone(), fileTime)::map;
    }
}
