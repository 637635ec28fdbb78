package io.rapport.connector.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rapport.api.imports.ContactRecord;

/** Encodings, delimiters and presets found from a file's start. */
class DetectionTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static final String TEXT = "Email,First Name,Last Name\nzoe@example.com,Zoë,Müller\n";

    @Test
    void utf8WithAndWithoutBomUtf16WithBomAndLatin1() throws IOException {
        Path plain = write("plain.csv", TEXT.getBytes(StandardCharsets.UTF_8));
        Path bom = write("bom.csv", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, TEXT.getBytes(StandardCharsets.UTF_8)));
        Path le = write("le.csv", concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, TEXT.getBytes(StandardCharsets.UTF_16LE)));
        Path be = write("be.csv", concat(new byte[] {(byte) 0xFE, (byte) 0xFF}, TEXT.getBytes(StandardCharsets.UTF_16BE)));
        Path latin = write("latin.csv", TEXT.getBytes(StandardCharsets.ISO_8859_1));
        for (Path p : List.of(plain, bom, le, be, latin)) {
            Preview<ContactRecord> pv = ContactFileReader.preview(p, Map.of(), 5);
            assertThat(pv.file().header()).as(p.toString()).containsExactly("Email", "First Name", "Last Name");
            assertThat(pv.records()).singleElement().satisfies(r -> {
                assertThat(r.firstName()).isEqualTo("Zoë");
                assertThat(r.lastName()).isEqualTo("Müller");
            });
        }
        assertThat(ContactFileReader.preview(latin, Map.of(), 1).file().encoding()).isEqualTo("windows-1252");
        assertThat(ContactFileReader.preview(bom, Map.of(), 1).file().bom()).isTrue();
        assertThat(ContactFileReader.preview(le, Map.of(), 1).file().encoding()).isEqualTo("UTF-16LE");
    }

    @Test
    void anExplicitEncodingWins() throws IOException {
        Path latin = write("latin.csv", TEXT.getBytes(StandardCharsets.ISO_8859_1));
        Preview<ContactRecord> pv = ContactFileReader.preview(latin, Map.of(CsvOptions.ENCODING, "UTF-8"), 5);
        assertThat(pv.records().get(0).firstName()).isEqualTo("Zo\uFFFD");
    }

    @Test
    void utf8ValidationToleratesACharacterCutAtTheSampleEnd() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertThat(Encodings.isUtf8(new byte[] {'a', euro[0], euro[1]}, 3, true)).isTrue();
        assertThat(Encodings.isUtf8(new byte[] {'a', euro[0], euro[1]}, 3, false)).isFalse();
        assertThat(Encodings.isUtf8(new byte[] {'a', (byte) 0xE9, 'b'}, 3, true)).isFalse();
        assertThat(Encodings.detect(new byte[] {'a', (byte) 0xE9, 'b'}, 3, null).charset()).isEqualTo(Charset.forName("windows-1252"));
    }

    @Test
    void delimitersAreSniffed() {
        assertThat(Delimiters.sniff("a,b,c\n1,2,3\n", false)).isEqualTo(Delimiter.COMMA);
        assertThat(Delimiters.sniff("a;b;c\n1,5;2,5;3\n", false)).isEqualTo(Delimiter.SEMICOLON);
        assertThat(Delimiters.sniff("a\tb\tc\n1\t2\t3\n", false)).isEqualTo(Delimiter.TAB);
        assertThat(Delimiters.sniff("a|b|c\n1|2|3\n", false)).isEqualTo(Delimiter.PIPE);
        assertThat(Delimiters.sniff("\"a,x\";b\n\"1,2\";3\n", false)).isEqualTo(Delimiter.SEMICOLON);
        assertThat(Delimiters.sniff(" id  date value\n 1 19970101 2.5\n", false)).isEqualTo(Delimiter.WHITESPACE);
        assertThat(Delimiters.sniff("email\nzoe@example.com\n", false)).isEqualTo(Delimiter.COMMA);
    }

    @Test
    void anExplicitDelimiterWins() throws IOException {
        Path p = write("p.csv", "email;name\nzoe@example.com;Zoe\n".getBytes(StandardCharsets.UTF_8));
        Preview<ContactRecord> pv = ContactFileReader.preview(p, Map.of(CsvOptions.DELIMITER, ","), 5);
        assertThat(pv.file().delimiter()).isEqualTo("comma");
        assertThat(pv.file().header()).containsExactly("email;name");
    }

    @Test
    void presetsAreDetectedFromTheirHeadersAndNotFromGenericOnes() {
        assertThat(Presets.detect(List.of("Record ID", "First Name", "Last Name", "Email", "Phone Number", "Lifecycle Stage"),
                Preset.Kind.CONTACTS)).map(Preset::name).contains(Presets.HUBSPOT);
        assertThat(Presets.detect(List.of("Contact ID", "First Name", "Last Name", "Email", "Mobile", "Email Opt Out"), Preset.Kind.CONTACTS))
                .map(Preset::name).contains(Presets.SALESFORCE);
        assertThat(Presets.detect(List.of("Id", "FirstName", "LastName", "Email", "HasOptedOutOfEmail"), Preset.Kind.CONTACTS))
                .map(Preset::name).contains(Presets.SALESFORCE);
        assertThat(Presets.detect(List.of("Email Address", "First Name", "Last Name", "MEMBER_RATING", "OPTIN_TIME", "LEID", "EUID"),
                Preset.Kind.CONTACTS)).map(Preset::name).contains(Presets.MAILCHIMP);
        assertThat(Presets.detect(List.of("Record Id", "Contact Owner", "First Name", "Last Name", "Email", "Email Opt Out", "Created Time"),
                Preset.Kind.CONTACTS)).map(Preset::name).contains(Presets.ZOHO);
        assertThat(Presets.detect(List.of("id", "firstname", "lastname", "email", "mobile", "phone", "points", "stage"), Preset.Kind.CONTACTS))
                .map(Preset::name).contains(Presets.MAUTIC);
        assertThat(Presets.detect(List.of("customer_id", "date", "number_of_cds", "dollar_value"), Preset.Kind.ORDERS))
                .map(Preset::name).contains(Presets.CDNOW);
        assertThat(Presets.detect(List.of("email", "first name", "last name"), Preset.Kind.CONTACTS)).isEmpty();
        assertThat(Presets.detect(List.of("foo", "bar"), Preset.Kind.CONTACTS)).isEmpty();
        assertThat(Presets.detect(List.of("customer_id", "date", "number_of_cds", "dollar_value"), Preset.Kind.CONTACTS)).isEmpty();
    }

    @Test
    void aMalformedOptionIsNamed() {
        assertThatThrownBy(() -> CsvOptions.parse(Map.of(CsvOptions.PRESET, "pipedrive"))).hasMessageContaining("'pipedrive' is not a preset");
        assertThatThrownBy(() -> CsvOptions.parse(Map.of(CsvOptions.DELIMITER, "#"))).hasMessageContaining("'#' is not a delimiter");
        assertThatThrownBy(() -> CsvOptions.parse(Map.of(CsvOptions.DATE_ORDER, "DDMM"))).hasMessageContaining("'DDMM' is not a date order");
        assertThatThrownBy(() -> CsvOptions.parse(Map.of(CsvOptions.MAPPING, "{\"a\":\"attribute:x:MONEY\"}")))
                .hasMessageContaining("'MONEY' is not STRING");
        assertThatThrownBy(() -> CsvOptions.parse(Map.of(CsvOptions.MAPPING, "[1]"))).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> CsvOptions.parse(Map.of(CsvOptions.HAS_HEADER, "false"))).hasMessageContaining("'columns'");
        assertThatThrownBy(() -> CsvOptions.parse(Map.of(CsvOptions.ENCODING, "klingon"))).hasMessageContaining("'klingon'");
    }

    @Test
    void optionsRoundTrip() {
        CsvOptions o = CsvOptions.parse(Map.of(CsvOptions.PRESET, "HubSpot", CsvOptions.MAPPING, "{\"Score\": \"attribute:score:NUMBER\"}",
                CsvOptions.DELIMITER, "tab", CsvOptions.ENCODING, "utf-8", CsvOptions.DATE_ORDER, "mdy", CsvOptions.CURRENCY, "eur"));
        assertThat(o.preset()).isEqualTo(Presets.HUBSPOT);
        assertThat(o.mapping()).containsEntry("Score", "attribute:score:NUMBER");
        assertThat(o.delimiter()).isEqualTo(Delimiter.TAB);
        assertThat(o.dateOrder()).isEqualTo(DateOrder.MDY);
        assertThat(o.currency()).isEqualTo("EUR");
        assertThat(CsvOptions.parse(o.toMap())).isEqualTo(o);
    }
}
