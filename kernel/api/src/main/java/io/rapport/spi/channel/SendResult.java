package io.rapport.spi.channel;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Channel} did with a message.
 *
 * @param outcome           sent, retry later, or rejected
 * @param reason            for a retry or a rejection: a sentence an admin can act on; null when sent
 * @param providerMessageId the provider's id for the message when sent, or null
 * @param retryAfter        for a retry: how long the provider asked to wait, or null for the kernel's backoff
 * @since 0.1
 */
public record SendResult(Outcome outcome, String reason, String providerMessageId, Duration retryAfter) {

    /** The three ways a send ends. */
    public enum Outcome {
        /** The provider accepted the message; delivery updates may follow as events. */
        SENT,
        /** A temporary failure (timeout, 5xx, rate limit): the kernel tries again with backoff. */
        RETRY_LATER,
        /** A permanent failure (bad address, 4xx): the kernel does not try again. */
        REJECTED,
        /**
         * The address does not exist or refuses this sender for good (a hard bounce, such as SMTP 550 5.1.1): the
         * kernel rejects the message, records {@code message.bounced} and suppresses the customer on this channel.
         *
         * @since 0.2
         */
        BOUNCED
    }

    public SendResult {
        Objects.requireNonNull(outcome, "outcome");
        if (outcome != Outcome.SENT && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("a retry or a rejection needs a reason");
        }
    }

    /** @return a result for a message the provider accepted */
    public static SendResult sent(String providerMessageId) {
        return new SendResult(Outcome.SENT, null, providerMessageId, null);
    }

    /** @return a result asking the kernel to try again, after {@code retryAfter} if not null */
    public static SendResult retryLater(String reason, Duration retryAfter) {
        return new SendResult(Outcome.RETRY_LATER, reason, null, retryAfter);
    }

    /** @return a result for a message that will never be delivered */
    public static SendResult rejected(String reason) {
        return new SendResult(Outcome.REJECTED, reason, null, null);
    }

    /** @return a hard bounce, for the reason the provider gave (the address will not be tried again on this channel) */
    public static SendResult bounced(String reason) {
        return new SendResult(Outcome.BOUNCED, reason, null, null);
    }
}
