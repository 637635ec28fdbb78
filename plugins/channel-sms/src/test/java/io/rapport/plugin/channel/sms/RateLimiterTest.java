package io.rapport.plugin.channel.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    /** A clock that only moves when someone waits on it, or when a send takes time. */
    static final class FakeTicker implements RateLimiter.Ticker {
        long now = 1_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void parkNanos(long nanos) {
            now += nanos;
        }
    }

    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    static int busiestSecond(List<Long> times) {
        int most = 0;
        for (int i = 0; i < times.size(); i++) {
            int n = 0;
            for (int j = i; j < times.size() && times.get(j) - times.get(i) < SECOND; j++) {
                n++;
            }
            most = Math.max(most, n);
        }
        return most;
    }

    @Test
    void noOneSecondWindowHoldsMoreThanTheRate() {
        for (int rate : new int[] {1, 3, 7, 10, 30, 100}) {
            FakeTicker clock = new FakeTicker();
            RateLimiter limiter = new RateLimiter(rate, clock);
            List<Long> sent = new ArrayList<>();
            for (int i = 0; i < rate * 5; i++) {
                limiter.run(() -> sent.add(clock.now));
            }
            assertThat(busiestSecond(sent)).as("rate %d", rate).isLessThanOrEqualTo(rate).isGreaterThanOrEqualTo((int) (rate * 0.97));
            for (int i = 1; i < sent.size(); i++) {
                assertThat(sent.get(i) - sent.get(i - 1)).isGreaterThanOrEqualTo(limiter.intervalNanos());
            }
        }
    }

    @Test
    void aLateSendDoesNotSlowTheAverageButNoWindowEverHoldsMoreThanTheRate() {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = new RateLimiter(10, clock);
        List<Long> ended = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            limiter.run(() -> {
                // every seventh send is slow to get its bytes out (a busy machine, a full socket buffer)
                clock.now += TimeUnit.MILLISECONDS.toNanos(n % 7 == 3 ? 80 : 2);
                return ended.add(clock.now);
            });
        }
        assertThat(busiestSecond(ended)).isLessThanOrEqualTo(10);
        double seconds = (ended.get(ended.size() - 1) - ended.get(0)) / 1e9;
        assertThat((ended.size() - 1) / seconds).as("the average rate").isGreaterThan(9.5);
        for (int i = 1; i < ended.size(); i++) {
            assertThat(ended.get(i) - ended.get(i - 1)).as("never a clump").isGreaterThanOrEqualTo(limiter.minGapNanos());
        }
    }

    @Test
    void afterAnIdleTimeTheScheduleRestartsWithoutABurst() {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = new RateLimiter(10, clock);
        for (int i = 0; i < 5; i++) {
            limiter.run(() -> null);
        }
        clock.now += TimeUnit.SECONDS.toNanos(30);
        List<Long> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            limiter.run(() -> sent.add(clock.now));
        }
        assertThat(sent.get(4) - sent.get(0)).as("at most one slot is owed").isGreaterThanOrEqualTo(3 * limiter.intervalNanos());
        for (int i = 1; i < sent.size(); i++) {
            assertThat(sent.get(i) - sent.get(i - 1)).isGreaterThanOrEqualTo(limiter.minGapNanos());
        }
    }

    @Test
    void theIntervalIsRoundedUpSoThatTheRateIsNeverExceeded() {
        assertThat(new RateLimiter(3, new FakeTicker()).intervalNanos()).isEqualTo(340_000_000L);
        assertThat(new RateLimiter(7, new FakeTicker()).intervalNanos()).isEqualTo(145_714_286L);
        assertThat(new RateLimiter(10, new FakeTicker()).intervalNanos()).isEqualTo(102_000_000L);
    }

    @Test
    void theExpectedWaitCountsTheSpacingLeft() {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = new RateLimiter(4, clock);
        assertThat(limiter.expectedWaitNanos()).isZero();
        limiter.run(() -> null);
        assertThat(limiter.expectedWaitNanos()).isEqualTo(255_000_000L);
        clock.now += 100_000_000L;
        assertThat(limiter.expectedWaitNanos()).isEqualTo(155_000_000L);
        assertThatThrownBy(() -> new RateLimiter(0, clock)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFailedSendStillTakesItsTurn() {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = new RateLimiter(2, clock);
        assertThatThrownBy(() -> limiter.run(() -> {
            throw new java.io.IOException("broken pipe");
        })).hasMessage("broken pipe");
        long before = clock.now;
        limiter.run(() -> null);
        assertThat(clock.now - before).isEqualTo(510_000_000L);
    }
}
