package io.rapport.connector.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.rapport.api.imports.ImportService;
import io.rapport.api.imports.OrderRecord;

/** The CDNOW transaction files of ../shared/data/cdnow read fully, with no reject. */
class CdnowTest {

    static Path cdnow(String name) {
        Path dir = Path.of("").toAbsolutePath();
        for (; dir != null; dir = dir.getParent()) {
            Path f = dir.resolve("shared/data/cdnow").resolve(name);
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        assumeTrue(false, "shared/data/cdnow/" + name + " is not beside this work tree");
        return null;
    }

    @Test
    void masterReadsAllTransactionsWithTheDetectedPreset() throws IOException {
        Path file = cdnow("CDNOW_master.txt");
        long records = 0;
        long rejected = 0;
        Set<String> customers = new HashSet<>();
        BigDecimal total = BigDecimal.ZERO;
        OrderRecord first = null;
        try (OrderFileReader r = OrderFileReader.open(file, Map.of(), 0)) {
            assertThat(r.description().preset()).isEqualTo(Presets.CDNOW);
            assertThat(r.description().delimiter()).isEqualTo("whitespace");
            assertThat(r.description().header()).containsExactly("customer_id", "date", "number_of_cds", "dollar_value");
            for (Batch<OrderRecord> b = r.next(ImportService.MAX_BATCH); !b.isEmpty(); b = r.next(ImportService.MAX_BATCH)) {
                assertThat(b.size()).isLessThanOrEqualTo(ImportService.MAX_BATCH);
                records += b.records().size();
                rejected += b.rejected().size();
                for (OrderRecord o : b.records()) {
                    if (first == null) {
                        first = o;
                    }
                    customers.add(o.customerExternalId());
                    total = total.add(o.amount());
                }
            }
        }
        assertThat(records).isEqualTo(69_659);
        assertThat(rejected).isZero();
        assertThat(customers).hasSize(23_570);
        assertThat(first.line()).isEqualTo(2);
        assertThat(first.orderId()).isNull();
        assertThat(first.customerExternalId()).isEqualTo("00001");
        assertThat(first.orderedAt()).isEqualTo(OffsetDateTime.of(1997, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
        assertThat(first.amount()).isEqualByComparingTo("11.77");
        assertThat(first.currency()).isEqualTo("USD");
        assertThat(first.items()).containsExactly(new OrderRecord.Item(null, null, 1, null));
        assertThat(total).isGreaterThan(BigDecimal.ZERO);
    }

    @Test
    void sampleWithoutHeaderReadsWithColumns() throws IOException {
        Path file = cdnow("CDNOW_sample.txt");
        Map<String, String> options = Map.of(CsvOptions.PRESET, Presets.CDNOW, CsvOptions.HAS_HEADER, "false",
                CsvOptions.COLUMNS, "master_id,sample_id,date,cds,dollar_value");
        long records = 0;
        long rejected = 0;
        OrderRecord first = null;
        try (OrderFileReader r = OrderFileReader.open(file, options, 0)) {
            for (Batch<OrderRecord> b = r.next(1000); !b.isEmpty(); b = r.next(1000)) {
                records += b.records().size();
                rejected += b.rejected().size();
                if (first == null) {
                    first = b.records().get(0);
                }
            }
        }
        assertThat(records).isEqualTo(6_919);
        assertThat(rejected).isZero();
        assertThat(first.line()).isEqualTo(1);
        assertThat(first.customerExternalId()).isEqualTo("00004");
        assertThat(first.items()).containsExactly(new OrderRecord.Item(null, null, 2, null));
        assertThat(first.amount()).isEqualByComparingTo("29.33");
        assertThat(first.orderedAt()).isEqualTo(OffsetDateTime.of(1997, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
    }

    @Test
    void resumingAfterALineReadsExactlyTheRest() throws IOException {
        Path file = cdnow("CDNOW_master.txt");
        long records = 0;
        long firstLine = 0;
        try (OrderFileReader r = OrderFileReader.open(file, Map.of(), 50_000)) {
            for (Batch<OrderRecord> b = r.next(ImportService.MAX_BATCH); !b.isEmpty(); b = r.next(ImportService.MAX_BATCH)) {
                if (firstLine == 0) {
                    firstLine = b.records().get(0).line();
                }
                records += b.records().size();
            }
        }
        assertThat(firstLine).isEqualTo(50_001);
        assertThat(records).isEqualTo(69_660 - 50_000);
    }
}
