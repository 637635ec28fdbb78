package io.rapport.connector.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.rapport.api.customer.ConsentStatus;

class ValuesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2021-03-04|DMY|2021-03-04", "2021-03-04T10:11:12Z|DMY|2021-03-04", "2021-03-04T10:11:12.000+02:00|DMY|2021-03-04",
        "2021-03-04 10:11|DMY|2021-03-04", "2021-03-04 10:11:12|MDY|2021-03-04", "20210304|DMY|2021-03-04",
        "4.3.2021|MDY|2021-03-04", "04/03/2021|DMY|2021-03-04", "03/04/2021|MDY|2021-03-04", "3/14/2021|DMY|2021-03-14",
        "14/3/2021|MDY|2021-03-14", "3/14/2021 2:05 PM|MDY|2021-03-14", "2021/03/04|DMY|2021-03-04", "04-03-21|DMY|2021-03-04"})
    void dates(String value, DateOrder order, LocalDate expected) throws BadValueException {
        assertThat(Values.parseDate(value, order, List.of())).isEqualTo(expected);
    }

    @Test
    void dateTimes() throws BadValueException {
        ZoneId utc = ZoneOffset.UTC;
        assertThat(Values.parseDateTime("3/14/2021 2:05 PM", DateOrder.MDY, List.of(), utc))
                .isEqualTo(OffsetDateTime.of(2021, 3, 14, 14, 5, 0, 0, ZoneOffset.UTC));
        assertThat(Values.parseDateTime("3/14/2021 12:05 AM", DateOrder.MDY, List.of(), utc).getHour()).isZero();
        assertThat(Values.parseDateTime("19970101", DateOrder.YMD, List.of(), utc))
                .isEqualTo(OffsetDateTime.of(1997, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
        assertThat(Values.parseDateTime("2021-06-01 10:00", DateOrder.DMY, List.of(), ZoneId.of("Europe/Paris")).getOffset())
                .isEqualTo(ZoneOffset.ofHours(2));
        assertThat(Values.parseDateTime("2021-06-01T10:00:00-05:00", DateOrder.DMY, List.of(), utc).getOffset())
                .isEqualTo(ZoneOffset.ofHours(-5));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"2023-13-45 10:00", "31.02.1980", "13/45/1980", "not a date", "2021", "3/14/2021 13:00 PM"})
    void badDatesAreNamed(String value) {
        assertThatThrownBy(() -> Values.parseDate(value, DateOrder.MDY, List.of())).isInstanceOf(BadValueException.class)
                .hasMessage("'" + value + "' is not a date");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1234.56|false|1234.56", "1,234.56|false|1234.56", "1.234,56|false|1234.56", "1.234,56|true|1234.56", "1 234,56|true|1234.56",
        "1'234.56|false|1234.56", "$12.00|false|12.00", "12,00 €|true|12.00", "EUR 12|false|12", "£1,000|false|1000", "(12.50)|false|-12.50",
        "-3|false|-3", "12-|false|-12", "1,234|false|1234", "1,234|true|1.234", "1.234|true|1234", "1.234|false|1.234", "12,5|false|12.5",
        "0,125|false|0.125", "1,234,567|false|1234567", "1.234.567,5|true|1234567.5", "+7|false|7"})
    void numbers(String value, boolean decimalComma, String expected) throws BadValueException {
        assertThat(Values.parseNumber(value, decimalComma)).isEqualByComparingTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"abc", "1.2.3,4,5", "12abc", "--1", "n/a", "1,2.3.4"})
    void badNumbersAreNamed(String value) {
        assertThatThrownBy(() -> Values.parseNumber(value, false)).isInstanceOf(BadValueException.class)
                .hasMessage("'" + value + "' is not a number");
    }

    @Test
    void booleans() throws BadValueException {
        for (String t : List.of("true", "TRUE", "yes", "Y", "1", "x", "X")) {
            assertThat(Values.parseBoolean(t)).as(t).isTrue();
        }
        for (String f : List.of("false", "No", "n", "0")) {
            assertThat(Values.parseBoolean(f)).as(f).isFalse();
        }
        assertThat(Values.booleanOrNull("")).isNull();
        assertThatThrownBy(() -> Values.parseBoolean("maybe")).hasMessage("'maybe' is not yes or no");
    }

    @Test
    void consentStatuses() throws BadValueException {
        assertThat(Values.parseConsentStatus("Subscribed")).isEqualTo(ConsentStatus.GRANTED);
        assertThat(Values.parseConsentStatus("opt-in")).isEqualTo(ConsentStatus.GRANTED);
        assertThat(Values.parseConsentStatus("UNSUBSCRIBED")).isEqualTo(ConsentStatus.WITHDRAWN);
        assertThat(Values.parseConsentStatus("opted_out")).isEqualTo(ConsentStatus.WITHDRAWN);
        assertThatThrownBy(() -> Values.parseConsentStatus("pending")).hasMessageContaining("'pending' is not a consent status");
    }

    @Test
    void emails() {
        assertThat(Values.looksLikeEmail("zoe@example.com")).isTrue();
        assertThat(Values.looksLikeEmail("ZOE@EXAMPLE.CO.UK")).isTrue();
        for (String bad : List.of("bob@", "bob.example.com", "bob @example.com", "bob@@example.com", "@example.com", "bob@example")) {
            assertThat(Values.looksLikeEmail(bad)).as(bad).isFalse();
        }
    }

    @Test
    void attributeNamesAreNormalised() {
        assertThat(Target.normaliseName("  Date of Birth ")).isEqualTo("date_of_birth");
        assertThat(Target.normaliseName("Country/Region")).isEqualTo("country_region");
        assertThat(Target.normaliseName("Équipe préférée")).isEqualTo("equipe_preferee");
        assertThat(Target.normaliseName("x".repeat(150))).hasSize(Target.MAX_ATTRIBUTE_NAME);
    }
}
