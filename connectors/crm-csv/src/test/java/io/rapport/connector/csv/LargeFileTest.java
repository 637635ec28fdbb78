package io.rapport.connector.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.ImportService;

/** A 1,000,000-row file streams: the heap after a collection stays far below what holding the file would take. */
class LargeFileTest {

    private static final int ROWS = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void aMillionRowsStreamWithFlatMemory() throws IOException {
        Path file = dir.resolve("big.csv");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("Record ID,First Name,Last Name,Email,Phone Number,Lifecycle Stage,Create Date,Message\n");
            for (int i = 1; i <= ROWS; i++) {
                w.write(i + ",First" + i + ",Last" + i + ",user" + i + "@example.com,+4420794" + (i % 100000) + ",lead,2023-01-0" + (1 + i % 9)
                        + " 10:00," + (i % 1000 == 0 ? "\"multi\nline, \"\"quoted\"\"\"" : "plain text " + i) + "\n");
            }
        }
        long size = Files.size(file);
        assertThat(size).isGreaterThan(80_000_000L);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        long peak = 0;
        long records = 0;
        long batches = 0;
        try (ContactFileReader r = ContactFileReader.open(file, Map.of(), 0)) {
            for (Batch<ContactRecord> b = r.next(ImportService.MAX_BATCH); !b.isEmpty(); b = r.next(ImportService.MAX_BATCH)) {
                records += b.records().size();
                assertThat(b.rejected()).isEmpty();
                if (++batches % 40 == 0) {
                    System.gc();
                    peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed() - baseline);
                }
            }
        }
        assertThat(records).isEqualTo(ROWS);
        // holding the file as Java strings would take several times its size; a batch of 5,000 records takes a few MB
        assertThat(peak).isLessThan(size / 2);
    }
}
