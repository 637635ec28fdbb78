package io.rapport.spi.kpi;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;
import java.util.UUID;

/**
 * A period a KPI is computed for: {@code [from, to)} in the shop's time zone, a day, an ISO week (Monday to Sunday) or a
 * calendar month, of one shop, optionally restricted to the current members of a segment.
 *
 * @param tenantId    the shop
 * @param granularity day, week or month
 * @param start       the period's first day, in the shop's zone
 * @param from        the instant the period starts
 * @param to          the instant the next period starts
 * @param segmentId   a segment whose members alone count, or null for the whole shop
 * @since 0.1
 */
public record Period(UUID tenantId, Granularity granularity, LocalDate start, Instant from, Instant to, UUID segmentId) {

    /** How long a period is. */
    public enum Granularity {
        DAY,
        WEEK,
        MONTH
    }

    public Period {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("a period ends after it starts");
        }
    }
}
