package io.rapport.connector.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.rapport.api.customer.AttributeType;
import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.Rejected;

/** Each committed export file reads with the counts {@link ExportFileGenerator} documents. */
class ExportFilesTest {

    static Path export(String name) {
        try {
            return Path.of(ExportFilesTest.class.getResource("/exports/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Everything one file gave. */
    record Read(FileDescription file, List<ContactRecord> records, List<Rejected> rejected) {

        Map<String, Integer> rejectsByReason() {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (Rejected r : rejected) {
                m.merge(reason(r), 1, Integer::sum);
            }
            return m;
        }

        ContactRecord atLine(long line) {
            return records.stream().filter(r -> r.line() == line).findFirst().orElseThrow();
        }
    }

    static String reason(Rejected r) {
        String s = r.reason();
        if (s.contains("is not an e-mail address")) {
            return ExportFileGenerator.BAD_EMAIL;
        }
        if (s.contains("no external id, e-mail address or phone number")) {
            return ExportFileGenerator.NO_IDENTIFIER;
        }
        if (s.contains("is not a date") || s.contains("is not a number")) {
            return ExportFileGenerator.BAD_VALUE;
        }
        if (s.contains("longer than")) {
            return ExportFileGenerator.TOO_LONG;
        }
        return s;
    }

    static Read read(Path file, Map<String, String> options) throws IOException {
        List<ContactRecord> records = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        try (ContactFileReader r = ContactFileReader.open(file, options, 0)) {
            long last = 0;
            for (Batch<ContactRecord> b = r.next(997); !b.isEmpty(); b = r.next(997)) {
                assertThat(b.lastLine()).isGreaterThan(last);
                last = b.lastLine();
                records.addAll(b.records());
                rejected.addAll(b.rejected());
            }
            return new Read(r.description(), records, rejected);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "hubspot-contacts.csv,     hubspot,    UTF-8,        true,  comma,     3000, 2947, 30, 14, 9, 0",
        "salesforce-contacts.csv,  salesforce, windows-1252, false, comma,     2500, 2456, 25, 11, 8, 0",
        "mailchimp-subscribed.csv, mailchimp,  UTF-8,        false, comma,     4000, 3928, 41, 18, 13, 0",
        "zoho-contacts.csv,        zoho,       UTF-8,        false, semicolon, 2000, 1965, 20, 9, 6, 0",
        "mautic-contacts.csv,      mautic,     UTF-8,        false, comma,     2200, 2160, 22, 10, 7, 1",
    })
    void eachExportReadsWithItsDocumentedCounts(String name, String preset, String encoding, boolean bom, String delimiter, int rows,
                                                int records, int badEmail, int noIdentifier, int badValue, int tooLong) throws IOException {
        Read read = read(export(name), Map.of());
        assertThat(read.file().preset()).isEqualTo(preset);
        assertThat(read.file().namespace()).isEqualTo(preset);
        assertThat(read.file().encoding()).isEqualTo(encoding);
        assertThat(read.file().bom()).isEqualTo(bom);
        assertThat(read.file().delimiter()).isEqualTo(delimiter);
        assertThat(read.records().size() + read.rejected().size()).isEqualTo(rows);
        assertThat(read.records()).hasSize(records);
        Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put(ExportFileGenerator.BAD_EMAIL, badEmail);
        expected.put(ExportFileGenerator.NO_IDENTIFIER, noIdentifier);
        expected.put(ExportFileGenerator.BAD_VALUE, badValue);
        if (tooLong > 0) {
            expected.put(ExportFileGenerator.TOO_LONG, tooLong);
        }
        assertThat(read.rejectsByReason()).isEqualTo(expected);
        assertThat(read.rejected()).allSatisfy(r -> assertThat(r.line()).isGreaterThan(1));
        assertThat(ExportFileGenerator.generate(tempDir).get(name))
                .isEqualTo(new ExportFileGenerator.Expected(rows, records, Map.copyOf(expected)));
    }

    @TempDir
    Path tempDir;

    @Test
    void theCommittedFilesAreWhatTheGeneratorWrites() throws IOException {
        ExportFileGenerator.generate(tempDir);
        for (String name : List.of(ExportFileGenerator.HUBSPOT_FILE, ExportFileGenerator.SALESFORCE_FILE, ExportFileGenerator.MAILCHIMP_FILE,
                ExportFileGenerator.ZOHO_FILE, ExportFileGenerator.MAUTIC_FILE)) {
            assertThat(Files.mismatch(tempDir.resolve(name), export(name))).as(name).isEqualTo(-1L);
            assertThat(Files.size(export(name))).as(name).isLessThan(1_500_000L);
        }
    }

    @Test
    void hubspotValuesAreMapped() throws IOException {
        Read read = read(export(ExportFileGenerator.HUBSPOT_FILE), Map.of());
        ContactRecord first = read.atLine(2);
        assertThat(first.externalId()).isEqualTo("51000007");
        assertThat(first.email()).contains("@");
        assertThat(first.attributes().get("create_date").type()).isEqualTo(AttributeType.DATE);
        assertThat(first.attributes().get("lifecycle_stage").type()).isEqualTo(AttributeType.STRING);
        assertThat(read.records()).anySatisfy(r -> assertThat(r.consents()).singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(ConsentStatus.WITHDRAWN)));
        assertThat(read.records()).allSatisfy(r -> assertThat(r.consents()).allSatisfy(c -> assertThat(c.source()).isEqualTo("import:hubspot")));
        // formula cells stay text
        assertThat(read.records()).anySatisfy(r -> assertThat(r.attributes().get("company_name")).isEqualTo(AttributeValue.of("=1+2")));
        // a quoted message with line breaks and doubled quotes
        assertThat(read.records()).filteredOn(r -> r.attributes().containsKey("message"))
                .anySatisfy(r -> assertThat(r.attributes().get("message").value().toString()).contains("said \"call back\",\nthen wrote:\n"));
        // duplicates: the e-mail address trimmed, the kernel lower-cases it
        assertThat(read.records()).anySatisfy(r -> assertThat(r.email()).isUpperCase().doesNotContain(" "));
    }

    @Test
    void salesforceLatin1AndUsDates() throws IOException {
        Read read = read(export(ExportFileGenerator.SALESFORCE_FILE), Map.of());
        assertThat(read.records()).anySatisfy(r -> assertThat(r.lastName()).isEqualTo("Müller"));
        assertThat(read.records()).anySatisfy(r -> assertThat(r.attributes().get("account_name").value()).isEqualTo("Weiß & Söhne"));
        assertThat(read.records()).allSatisfy(r -> assertThat(r.attributes().get("created_date").type()).isEqualTo(AttributeType.DATE));
        assertThat(read.records()).anySatisfy(r -> assertThat(r.consents()).anySatisfy(c -> {
            assertThat(c.channel()).isEqualTo("email");
            assertThat(c.status()).isEqualTo(ConsentStatus.WITHDRAWN);
        }));
        assertThat(read.records()).anySatisfy(r -> assertThat(r.consents()).anySatisfy(c -> assertThat(c.channel()).isEqualTo("phone")));
    }

    @Test
    void mailchimpSubscribedMeansGrantedAtConfirmTimeAndTagsAreSplit() throws IOException {
        Read read = read(export(ExportFileGenerator.MAILCHIMP_FILE), Map.of());
        ContactRecord first = read.atLine(2);
        assertThat(first.consents()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(ConsentStatus.GRANTED);
            assertThat(c.purpose()).isEqualTo("marketing");
            assertThat(c.changedAt().getSecond()).isEqualTo(59);
        });
        assertThat(first.timeZone()).isEqualTo("Europe/London");
        assertThat(read.records()).anySatisfy(r -> assertThat(r.tags()).containsExactlyInAnyOrder("VIP", "Blog"));
        assertThat(first.attributes().get("member_rating").type()).isEqualTo(AttributeType.NUMBER);
        assertThat(first.attributes()).doesNotContainKeys("optin_ip", "latitude");
    }

    @Test
    void zohoSemicolonsAndDecimalCommas() throws IOException {
        Read read = read(export(ExportFileGenerator.ZOHO_FILE), Map.of());
        assertThat(read.records()).allSatisfy(r -> assertThat(r.attributes().get("annual_spend").type()).isEqualTo(AttributeType.NUMBER));
        assertThat(read.records()).anySatisfy(r -> assertThat(((java.math.BigDecimal) r.attributes().get("annual_spend").value()).scale())
                .isEqualTo(2));
        assertThat(read.records()).anySatisfy(r -> assertThat(r.tags()).containsExactlyInAnyOrder("VIP", "Newsletter"));
        assertThat(read.records()).anySatisfy(r -> assertThat(r.attributes().get("date_of_birth").type()).isEqualTo(AttributeType.DATE));
    }

    @Test
    void mauticLocaleTimeZoneAndTheTooLongField() throws IOException {
        Read read = read(export(ExportFileGenerator.MAUTIC_FILE), Map.of());
        assertThat(read.records()).allSatisfy(r -> assertThat(r.locale()).isIn("fr_FR", "en_GB"));
        assertThat(read.rejected()).filteredOn(r -> r.reason().contains("longer than")).singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("column 13"));
    }
}
