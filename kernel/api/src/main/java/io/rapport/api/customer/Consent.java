package io.rapport.api.customer;

import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * A customer's latest decision for one purpose over one channel. The history of decisions is on the
 * timeline as {@code consent.changed} events.
 *
 * @param purpose   what messages are for, such as {@link #PURPOSE_MARKETING}
 * @param channel   the channel type, such as {@code email} or {@code sms}
 * @param status    granted or withdrawn
 * @param source    where the decision came from (a form, an import, an unsubscribe link)
 * @param changedAt when the customer made the decision
 * @since 0.1
 */
public record Consent(String purpose, String channel, ConsentStatus status, String source, OffsetDateTime changedAt) {

    /** Newsletters, campaigns and journeys that sell. */
    public static final String PURPOSE_MARKETING = "marketing";
    /** Receipts, password resets and other messages a customer needs for a service they use. */
    public static final String PURPOSE_TRANSACTIONAL = "transactional";
    /** Surveys such as NPS, CSAT and CES. */
    public static final String PURPOSE_SURVEYS = "surveys";

    public Consent {
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(changedAt, "changedAt");
    }
}
