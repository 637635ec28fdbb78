package io.rapport.connector.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rapport.api.customer.AttributeType;
import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.OrderRecord;
import io.rapport.api.imports.Rejected;

class MappingTest {

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("f" + System.nanoTime() + ".csv"), text, StandardCharsets.UTF_8);
    }

    private static String rows(String header, int n, java.util.function.IntFunction<String> row) {
        StringBuilder sb = new StringBuilder(header).append('\n');
        for (int i = 1; i <= n; i++) {
            sb.append(row.apply(i)).append('\n');
        }
        return sb.toString();
    }

    @Test
    void unknownColumnsBecomeAttributesOfTheInferredType() throws IOException {
        Path f = file(rows("email,Score,VIP,Joined On,Postcode,Notes", 5,
                i -> "u" + i + "@example.com," + (i * 1.5) + "," + (i % 2 == 0 ? "yes" : "no") + ",2021-01-0" + i + ",0" + i + "123,hello " + i));
        Preview<ContactRecord> p = ContactFileReader.preview(f, Map.of(), 10);
        assertThat(p.file().preset()).isNull();
        assertThat(p.file().mapping()).containsEntry("email", "email").containsEntry("Score", "attribute:score:NUMBER")
                .containsEntry("VIP", "attribute:vip:BOOLEAN").containsEntry("Joined On", "attribute:joined_on:DATE")
                .containsEntry("Postcode", "attribute:postcode:STRING").containsEntry("Notes", "attribute:notes:STRING");
        ContactRecord r = p.records().get(1);
        assertThat(r.attributes()).containsEntry("score", AttributeValue.of(new BigDecimal("3.0")))
                .containsEntry("vip", AttributeValue.of(true)).containsEntry("joined_on", AttributeValue.of(LocalDate.of(2021, 1, 2)))
                .containsEntry("postcode", AttributeValue.of("02123"));
        assertThat(p.rawRows().get(0)).containsExactly("u1@example.com", "1.5", "no", "2021-01-01", "01123", "hello 1");
    }

    @Test
    void aCustomMappingOverridesPresetAndInference() throws IOException {
        Path f = file(rows("Record ID,First Name,Email,Lifecycle Stage,Likes,Newsletter,Opted in at", 4,
                i -> i + ",Ann,a" + i + "@example.com,lead,\"red; blue\"," + (i == 2 ? "unsubscribed" : "subscribed") + ",2024-0" + i + "-01"));
        Map<String, String> options = Map.of(CsvOptions.MAPPING, "{\"Lifecycle Stage\":\"ignore\",\"Likes\":\"attribute:likes:LIST\","
                + "\"Newsletter\":\"consent:marketing:email\",\"Opted in at\":\"consentDate:marketing:email\",\"2\":\"lastName\"}");
        Preview<ContactRecord> p = ContactFileReader.preview(f, options, 10);
        assertThat(p.file().preset()).isEqualTo(Presets.HUBSPOT);
        ContactRecord r = p.records().get(1);
        assertThat(r.externalId()).isEqualTo("2");
        assertThat(r.lastName()).isEqualTo("Ann");
        assertThat(r.firstName()).isNull();
        assertThat(r.attributes()).doesNotContainKey("lifecycle_stage").containsEntry("likes", AttributeValue.of(List.of("red", "blue")));
        assertThat(r.consents()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(ConsentStatus.WITHDRAWN);
            assertThat(c.changedAt()).isEqualTo(OffsetDateTime.of(2024, 2, 1, 0, 0, 0, 0, ZoneOffset.UTC));
        });
    }

    @Test
    void aBadValueRefusesItsRowNamingValueAndColumnAndTheOthersGoOn() throws IOException {
        Path f = file("email,Score,Born\na@example.com,1,2000-01-01\nb@example.com,lots,2000-01-02\nc@example.com,3,2000-13-13\n"
                + "d@example.com,4,2000-01-04\n,,\nbob@,5,2000-01-05\n");
        Map<String, String> options = Map.of(CsvOptions.MAPPING, "{\"Score\":\"attribute:score:NUMBER\",\"Born\":\"attribute:born:DATE\"}");
        List<ContactRecord> records = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        try (ContactFileReader r = ContactFileReader.open(f, options, 0)) {
            Batch<ContactRecord> b = r.next(100);
            records.addAll(b.records());
            rejected.addAll(b.rejected());
            assertThat(b.lastLine()).isEqualTo(7);
            assertThat(r.next(100).isEmpty()).isTrue();
        }
        assertThat(records).extracting(ContactRecord::line).containsExactly(2L, 5L);
        assertThat(rejected).containsExactly(
                new Rejected(3, "Score", "'lots' is not a number (column 'Score')"),
                new Rejected(4, "Born", "'2000-13-13' is not a date (column 'Born')"),
                new Rejected(6, null, "the row has no external id, e-mail address or phone number"),
                new Rejected(7, "email", "'bob@' is not an e-mail address"));
    }

    @Test
    void mailchimpUnsubscribedAndCleanedFiles() throws IOException {
        String header = "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,LAST_CHANGED,LEID,EUID,NOTES,TAGS,";
        Path unsub = file(header + "UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER\n"
                + "a@example.com,A,B,2,,2020-01-01 10:00:00,2021-05-05 05:05:05,1,e1,,,2021-05-05 05:05:05,Spring,c1,NORMAL,\n");
        Path cleaned = file(header + "CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID\n"
                + "b@example.com,A,B,2,,2020-01-01 10:00:00,2021-05-05 05:05:05,1,e2,,,2021-05-05 05:05:05,Spring,c1\n");
        ContactRecord u = ContactFileReader.preview(unsub, Map.of(), 1).records().get(0);
        assertThat(u.consents()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(ConsentStatus.WITHDRAWN);
            assertThat(c.changedAt()).isEqualTo(OffsetDateTime.of(2021, 5, 5, 5, 5, 5, 0, ZoneOffset.UTC));
            assertThat(c.source()).isEqualTo("import:mailchimp");
        });
        ContactRecord c = ContactFileReader.preview(cleaned, Map.of(), 1).records().get(0);
        assertThat(c.consents()).isEmpty();
        assertThat(c.attributes().get("clean_time").type()).isEqualTo(AttributeType.DATE);
    }

    @Test
    void ordersWithEmailsCurrenciesAndItems() throws IOException {
        Path f = file("Order ID;Email;Date;SKU;Qty;Unit Price;Currency\nA-1;a@example.com;14.03.2021;X1;2;1.234,50;eur\n"
                + "A-2;b@example.com;15.03.2021;X2;0;1,00;EUR\nA-3;;16.03.2021;X3;1;2,00;EUR\n");
        Preview<OrderRecord> p = OrderFileReader.preview(f, Map.of(), 10);
        assertThat(p.file().preset()).isNull();
        assertThat(p.records()).singleElement().satisfies(o -> {
            assertThat(o.orderId()).isEqualTo("A-1");
            assertThat(o.amount()).isEqualByComparingTo("2469.00");
            assertThat(o.currency()).isEqualTo("EUR");
            assertThat(o.items()).containsExactly(new OrderRecord.Item("X1", null, 2, new BigDecimal("1234.50")));
            assertThat(o.orderedAt()).isEqualTo(OffsetDateTime.of(2021, 3, 14, 0, 0, 0, 0, ZoneOffset.UTC));
        });
        assertThat(p.rejected()).extracting(Rejected::reason)
                .containsExactly("'0' is not a quantity of at least 1", "the row has no customer id or e-mail address");
    }

    @Test
    void resumeAfterLineNGivesExactlyTheRemainingRecords() throws IOException {
        Path f = file(rows("id,email,note", 1000, i -> i + ",u" + i + "@example.com," + (i % 10 == 0 ? "\"two\nlines\"" : "x")));
        List<Long> all = lines(f, 0);
        assertThat(all).hasSize(1000);
        for (long after : List.of(0L, 1L, 2L, 500L, all.get(777), all.get(999), all.get(999) + 5)) {
            List<Long> rest = lines(f, after);
            assertThat(rest).isEqualTo(all.stream().filter(l -> l > after).toList());
        }
    }

    private static List<Long> lines(Path f, long after) throws IOException {
        List<Long> out = new ArrayList<>();
        try (ContactFileReader r = ContactFileReader.open(f, Map.of(), after)) {
            for (Batch<ContactRecord> b = r.next(37); !b.isEmpty(); b = r.next(37)) {
                b.records().forEach(c -> out.add(c.line()));
                assertThat(b.rejected()).isEmpty();
            }
        }
        return out;
    }
}
