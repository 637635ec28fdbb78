package io.rapport.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.rapport.core.TestClock;
import org.junit.jupiter.api.Test;

class MinuteCountsTest {

    @Test
    void countsPerMinuteForTheLastHourPerTenant() {
        TestClock clock = new TestClock(Instant.parse("2026-11-22T10:00:30Z"));
        MinuteCounts counts = new MinuteCounts(clock);
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        counts.add(a, 3);
        counts.add(a, 2);
        counts.add(b, 7);
        counts.add(a, 0);
        clock.advance(Duration.ofMinutes(2));
        counts.add(a, 1);
        long[] last = counts.last(a);
        assertThat(last).hasSize(MinuteCounts.MINUTES);
        assertThat(last[59]).isEqualTo(1);
        assertThat(last[58]).isZero();
        assertThat(last[57]).isEqualTo(5);
        assertThat(counts.last(b)[57]).isEqualTo(7);
        assertThat(counts.last(UUID.randomUUID())).containsOnly(0);
        // an hour later the old minutes are gone, even where the ring's slot is reused
        clock.advance(Duration.ofMinutes(58));
        assertThat(counts.last(a)[0]).isZero();
        assertThat(counts.last(a)[1]).isEqualTo(1);
        clock.advance(Duration.ofMinutes(60));
        counts.add(a, 4);
        assertThat(counts.last(a)).containsOnly(0, 4);
        assertThat(java.util.Arrays.stream(counts.last(a)).sum()).isEqualTo(4);
    }
}
