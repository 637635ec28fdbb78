package io.rapport.core.message;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A tenant's rules for every message that is not transactional, applied by the kernel before any channel is called:
 * <ul>
 * <li><b>quiet hours</b>: from {@code quietStart} to {@code quietEnd} (which may cross midnight) in the customer's
 * time zone, or {@code defaultZone} for a customer without one, a message is held and sent when they end;</li>
 * <li><b>frequency cap</b>: at most {@code capMessages} such messages per customer in any {@code capDays} days, on all
 * channels together; one more is rejected.</li>
 * </ul>
 * Null quiet hours or a null cap means none.
 */
public record SendPolicy(LocalTime quietStart, LocalTime quietEnd, ZoneId defaultZone, Integer capMessages, Integer capDays) {

    /** No quiet hours, no cap: what a tenant has until an admin sets a policy. */
    public static final SendPolicy NONE = new SendPolicy(null, null, ZoneId.of("UTC"), null, null);
    static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

    public SendPolicy {
        if ((quietStart == null) != (quietEnd == null)) {
            throw new IllegalArgumentException("quiet hours need a start and an end");
        }
        if ((capMessages == null) != (capDays == null)) {
            throw new IllegalArgumentException("a frequency cap needs a number of messages and of days");
        }
    }

    public boolean hasQuietHours() {
        return quietStart != null && !quietStart.equals(quietEnd);
    }

    public boolean hasCap() {
        return capMessages != null;
    }

    /** @return the zone a customer's quiet hours are read in: theirs if valid, else the tenant's default */
    public ZoneId zoneOf(String customerZone) {
        if (customerZone != null) {
            try {
                return ZoneId.of(customerZone);
            } catch (DateTimeException e) {
                // stored zones are validated; a zone that a newer tzdb renamed falls back to the default
            }
        }
        return defaultZone;
    }

    /** @return when a message may go out: {@code now}, or the end of the quiet hours it falls into */
    public OffsetDateTime allowedAt(OffsetDateTime now, String customerZone) {
        if (!hasQuietHours()) {
            return now;
        }
        ZonedDateTime local = now.atZoneSameInstant(zoneOf(customerZone));
        LocalTime t = local.toLocalTime();
        boolean crossesMidnight = quietStart.isAfter(quietEnd);
        boolean quiet = crossesMidnight ? !t.isBefore(quietStart) || t.isBefore(quietEnd) : !t.isBefore(quietStart) && t.isBefore(quietEnd);
        if (!quiet) {
            return now;
        }
        ZonedDateTime end = local.with(quietEnd).withSecond(0).withNano(0);
        if (!end.isAfter(local)) {
            end = end.plusDays(1);
        }
        // a gap (daylight saving) moves the local time forward; the instant is what counts
        return end.toOffsetDateTime().withOffsetSameInstant(now.getOffset());
    }

    /** @return the start of the frequency cap's window ending at {@code now} */
    public OffsetDateTime capWindowStart(OffsetDateTime now) {
        return now.minus(Duration.ofDays(capDays));
    }

    /** @return "21:00" */
    public static String format(LocalTime t) {
        return t == null ? null : HH_MM.format(t);
    }
}
