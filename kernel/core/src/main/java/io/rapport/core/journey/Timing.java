package io.rapport.core.journey;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;

import io.rapport.core.message.SendPolicy;

/**
 * The decisions the engine and the dry run share, so that a dry run shows what the engine will do: when a time of day
 * next comes in a zone, when quiet hours end, and which arm of a split a customer takes.
 */
final class Timing {

    private Timing() {
    }

    /** @return the first instant after {@code now} at which it is {@code time} in {@code zone} */
    static OffsetDateTime nextTimeOfDay(OffsetDateTime now, LocalTime time, ZoneId zone) {
        ZonedDateTime local = now.atZoneSameInstant(zone);
        ZonedDateTime at = local.with(time).withSecond(time.getSecond()).withNano(0);
        if (!at.isAfter(local)) {
            at = at.plusDays(1).with(time);
        }
        return at.toOffsetDateTime().withOffsetSameInstant(now.getOffset());
    }

    /** @return {@code now} outside the journey's quiet hours in {@code zone}, else when they end: as the shop's own quiet hours are read */
    static OffsetDateTime afterQuiet(OffsetDateTime now, Journey.Quiet quiet, ZoneId zone) {
        return quiet == null ? now : new SendPolicy(quiet.start(), quiet.end(), zone, null, null).allowedAt(now, null);
    }

    /**
     * @return the arm a run takes at a split: a hash of the run and step, so that the same run takes the same arm if
     *         the step is repeated after a crash, and arms get their percentages over many runs
     */
    static Journey.Arm arm(List<Journey.Arm> arms, UUID runId, int seq) {
        int bucket = bucket(runId + ":" + seq);
        int upTo = 0;
        for (Journey.Arm a : arms) {
            upTo += a.percent();
            if (bucket < upTo) {
                return a;
            }
        }
        return arms.get(arms.size() - 1);
    }

    /** @return 0-99, uniform over keys */
    static int bucket(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return (int) Long.remainderUnsigned(ByteBuffer.wrap(h).getLong(), 100);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
