package io.rapport.connector.csv;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import io.rapport.api.imports.OrderRecord;

/**
 * Reads an orders file in batches of {@link OrderRecord}s and refused rows, streaming, as {@link ContactFileReader}
 * does contacts. The CDNOW files read with {@code preset=cdnow} (detected from {@code CDNOW_master.txt}'s header;
 * {@code CDNOW_sample.txt} has none and needs {@code hasHeader=false} and
 * {@code columns=master_id,sample_id,date,cds,dollar_value}). Not thread-safe; close it.
 */
public final class OrderFileReader implements Closeable {

    private final ImportFile<OrderRecord> file;

    private OrderFileReader(ImportFile<OrderRecord> file) {
        this.file = file;
    }

    /** As {@link ContactFileReader#open}, for orders. */
    public static OrderFileReader open(Path file, Map<String, String> options, long afterLine) throws IOException {
        return new OrderFileReader(ImportFile.open(file, options, afterLine, Preset.Kind.ORDERS, OrderFileReader::mapper));
    }

    /** As {@link ContactFileReader#preview}, for orders. */
    public static Preview<OrderRecord> preview(Path file, Map<String, String> options, int rows) throws IOException {
        try (ImportFile<OrderRecord> f = ImportFile.open(file, options, 0, Preset.Kind.ORDERS, OrderFileReader::mapper)) {
            return f.preview(rows);
        }
    }

    /** As {@link ContactFileReader#next}, for orders. */
    public Batch<OrderRecord> next(int maxRows) throws IOException {
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

    private static java.util.function.Function<CsvRecord, Mapped<OrderRecord>> mapper(MappingPlan plan, CsvOptions options,
                                                                                      java.time.OffsetDateTime fileTime) {
        String currency = options.currency() != null ? options.currency() : plan.preset() == null ? null : plan.preset().currency();
        return new OrderMapper(plan, options.timeZone(), currency)::map;
    }
}
