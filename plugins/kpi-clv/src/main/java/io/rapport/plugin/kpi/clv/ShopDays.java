package io.rapport.plugin.kpi.clv;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

import io.rapport.spi.kpi.Period;

/**
 * Days in the shop's zone, as the kernel counts them. A {@link Period} carries its first day and the instant it
 * starts, so the shop's UTC offset at the period's start is their difference; the modules take days at that offset
 * (a daylight-saving change inside the data moves an order near midnight by a day, at most).
 */
final class ShopDays {

    private ShopDays() {
    }

    /** @return the shop's offset from UTC at the period's start */
    static ZoneOffset offset(Period p) {
        long seconds = Duration.between(p.from(), p.start().atStartOfDay(ZoneOffset.UTC).toInstant()).getSeconds();
        return ZoneOffset.ofTotalSeconds((int) seconds);
    }

    /** @return the day of an instant at the offset */
    static LocalDate day(Instant at, ZoneOffset offset) {
        return at.atOffset(offset).toLocalDate();
    }

    /** @return the last day before an exclusive end, at the offset */
    static LocalDate lastDayBefore(Instant end, ZoneOffset offset) {
        return day(end.minusNanos(1), offset);
    }
}
