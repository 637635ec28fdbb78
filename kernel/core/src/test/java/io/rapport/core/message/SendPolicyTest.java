package io.rapport.core.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

class SendPolicyTest {

    static final SendPolicy NIGHT = new SendPolicy(LocalTime.of(21, 0), LocalTime.of(8, 0), ZoneId.of("Europe/Paris"), null, null);
    static final SendPolicy LUNCH = new SendPolicy(LocalTime.of(12, 0), LocalTime.of(14, 0), ZoneId.of("UTC"), null, null);

    static OffsetDateTime utc(String s) {
        return OffsetDateTime.parse(s + "Z");
    }

    @Test
    void outsideQuietHoursAMessageGoesNow() {
        assertThat(SendPolicy.NONE.allowedAt(utc("2026-11-22T23:00:00"), null)).isEqualTo(utc("2026-11-22T23:00:00"));
        // 10:00 UTC is 11:00 in Paris (winter)
        assertThat(NIGHT.allowedAt(utc("2026-11-22T10:00:00"), null)).isEqualTo(utc("2026-11-22T10:00:00"));
        assertThat(LUNCH.allowedAt(utc("2026-11-22T11:59:59"), null)).isEqualTo(utc("2026-11-22T11:59:59"));
        assertThat(LUNCH.allowedAt(utc("2026-11-22T14:00:00"), null)).isEqualTo(utc("2026-11-22T14:00:00"));
    }

    @Test
    void insideQuietHoursItWaitsForTheirEndInTheCustomersZone() {
        // 21:30 in Paris -> 08:00 the next morning in Paris (07:00 UTC in winter)
        assertThat(NIGHT.allowedAt(utc("2026-11-22T20:30:00"), null)).isEqualTo(utc("2026-11-23T07:00:00"));
        // 06:59 in Paris -> 08:00 the same morning
        assertThat(NIGHT.allowedAt(utc("2026-11-22T05:59:00"), null)).isEqualTo(utc("2026-11-22T07:00:00"));
        assertThat(LUNCH.allowedAt(utc("2026-11-22T12:00:00"), null)).isEqualTo(utc("2026-11-22T14:00:00"));
        // the customer's own zone wins over the tenant's: 20:30 UTC is 15:30 in New York, not quiet there
        assertThat(NIGHT.allowedAt(utc("2026-11-22T20:30:00"), "America/New_York")).isEqualTo(utc("2026-11-22T20:30:00"));
        // 03:00 UTC is 22:00 in New York: held until 08:00 there (13:00 UTC)
        assertThat(NIGHT.allowedAt(utc("2026-11-23T03:00:00"), "America/New_York")).isEqualTo(utc("2026-11-23T13:00:00"));
        // an unknown zone falls back to the tenant's
        assertThat(NIGHT.allowedAt(utc("2026-11-22T20:30:00"), "Mars/Olympus")).isEqualTo(utc("2026-11-23T07:00:00"));
    }

    @Test
    void theEndOfQuietHoursFollowsDaylightSaving() {
        // the night before Paris moves to summer time (29 March 2026): 08:00 local is 06:00 UTC
        assertThat(NIGHT.allowedAt(utc("2026-03-28T22:00:00"), null)).isEqualTo(utc("2026-03-29T06:00:00"));
        // quiet hours ending inside the gap (02:00-03:00 does not exist that night) end at the first instant after it
        SendPolicy gap = new SendPolicy(LocalTime.of(1, 0), LocalTime.of(2, 30), ZoneId.of("Europe/Paris"), null, null);
        assertThat(gap.allowedAt(utc("2026-03-29T00:15:00"), null)).isEqualTo(utc("2026-03-29T01:30:00"));
    }

    @Test
    void halfARuleIsRefused() {
        assertThatThrownBy(() -> new SendPolicy(LocalTime.NOON, null, ZoneId.of("UTC"), null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SendPolicy(null, null, ZoneId.of("UTC"), 3, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new SendPolicy(LocalTime.NOON, LocalTime.NOON, ZoneId.of("UTC"), null, null).hasQuietHours()).isFalse();
    }
}
