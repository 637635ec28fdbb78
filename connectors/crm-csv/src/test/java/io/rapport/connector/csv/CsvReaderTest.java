package io.rapport.connector.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class CsvReaderTest {

    static List<CsvRecord> read(String text, Delimiter d) throws IOException {
        List<CsvRecord> out = new ArrayList<>();
        try (CsvReader r = new CsvReader(new StringReader(text), d)) {
            for (CsvRecord rec = r.next(); rec != null; rec = r.next()) {
                out.add(rec);
            }
        }
        return out;
    }

    @Test
    void quotedFieldsWithNewlinesDoubledQuotesAndDelimiters() throws IOException {
        List<CsvRecord> rs = read("a,b,c\r\n1,\"x, \"\"y\"\"\r\nz\",3\r\n4,5,6", Delimiter.COMMA);
        assertThat(rs).extracting(CsvRecord::line).containsExactly(1L, 2L, 4L);
        assertThat(rs.get(1).fields()).containsExactly("1", "x, \"y\"\nz", "3");
        assertThat(rs.get(2).fields()).containsExactly("4", "5", "6");
    }

    @Test
    void lineEndingsOfAllKindsAndEmptyLinesAreSkipped() throws IOException {
        List<CsvRecord> rs = read("a;b\n\n1;2\r\r\n3;4\r\n   \n5;6\n", Delimiter.SEMICOLON);
        assertThat(rs).extracting(CsvRecord::line).containsExactly(1L, 3L, 5L, 7L);
        assertThat(rs.get(3).fields()).containsExactly("5", "6");
    }

    @Test
    void emptyFieldsAndAQuotedEmptyRecordAreKept() throws IOException {
        List<CsvRecord> rs = read("a,,c,\n\"\"\n", Delimiter.COMMA);
        assertThat(rs.get(0).fields()).containsExactly("a", "", "c", "");
        assertThat(rs.get(1).fields()).containsExactly("");
    }

    @Test
    void anUnterminatedQuoteFailsItsRecordWithItsLine() throws IOException {
        List<CsvRecord> rs = read("a,b\n1,2\n3,\"never closed\n4,5\n", Delimiter.COMMA);
        assertThat(rs).hasSize(3);
        assertThat(rs.get(2).line()).isEqualTo(3);
        assertThat(rs.get(2).error()).contains("line 3").contains("never closed");
    }

    @Test
    void aFieldOver64KiBFailsItsRecordOnlyAndIsNotKept() throws IOException {
        String big = "x".repeat(CsvReader.MAX_FIELD + 10);
        List<CsvRecord> rs = read("a,b\n1,\"" + big + "\"\n2,ok\n3," + big + "\n4,ok\n", Delimiter.COMMA);
        assertThat(rs).hasSize(5);
        assertThat(rs.get(1).error()).contains("column 2").contains("longer than 65536");
        assertThat(rs.get(1).fields().get(1)).isEmpty();
        assertThat(rs.get(2).failed()).isFalse();
        assertThat(rs.get(2).fields()).containsExactly("2", "ok");
        assertThat(rs.get(3).failed()).isTrue();
        assertThat(rs.get(4).fields()).containsExactly("4", "ok");
    }

    @Test
    void strayQuotesAreText() throws IOException {
        assertThat(read("ab\"c,\"d\"e\n", Delimiter.COMMA).get(0).fields()).containsExactly("ab\"c", "de");
    }

    @Test
    void whitespaceModeSplitsOnRunsOfBlanks() throws IOException {
        List<CsvRecord> rs = read(" customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n\r\n\t00002\t19970112 1 12.00\r\n",
                Delimiter.WHITESPACE);
        assertThat(rs).hasSize(3);
        assertThat(rs.get(0).fields()).containsExactly("customer_id", "date", "number_of_cds", "dollar_value");
        assertThat(rs.get(2).line()).isEqualTo(4);
        assertThat(rs.get(2).fields()).containsExactly("00002", "19970112", "1", "12.00");
    }

    @Test
    void tabsAndPipes() throws IOException {
        assertThat(read("a\tb\n1\t2", Delimiter.TAB).get(1).fields()).containsExactly("1", "2");
        assertThat(read("a|b\n1|\"2|3\"", Delimiter.PIPE).get(1).fields()).containsExactly("1", "2|3");
    }
}
