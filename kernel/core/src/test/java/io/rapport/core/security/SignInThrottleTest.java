package io.rapport.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.rapport.core.TestClock;
import io.rapport.core.validation.TooManyAttemptsException;
import org.junit.jupiter.api.Test;

class SignInThrottleTest {

    private final TestClock clock = new TestClock();
    private final SignInThrottle throttle = new SignInThrottle(clock);

    @Test
    void attemptsInFlightCountSoThatABurstCannotSlipThrough() {
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            throttle.begin("mia", "10.0.0.1"); // five guesses sent at once, none answered yet
        }
        assertThatThrownBy(() -> throttle.begin("mia", "10.0.0.1")).isInstanceOf(TooManyAttemptsException.class);
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            throttle.failed("mia", "10.0.0.1");
        }
        assertThatThrownBy(() -> throttle.begin("mia", "10.0.0.1")).isInstanceOf(TooManyAttemptsException.class);
        throttle.begin("mia", "10.0.0.2");
    }

    @Test
    void theWaitDoublesUpToItsMaximumAndIsForgottenAfterAQuietHalfHour() {
        for (int i = 0; i < SignInThrottle.FREE_FAILURES + 12; i++) {
            clock.advance(SignInThrottle.MAX_LOCK);
            throttle.begin("mia", "a");
            throttle.failed("mia", "a");
        }
        assertThatThrownBy(() -> throttle.begin("mia", "a")).isInstanceOf(TooManyAttemptsException.class)
                .satisfies(e -> assertThat(((TooManyAttemptsException) e).retryAfterSeconds()).isEqualTo(SignInThrottle.MAX_LOCK.toSeconds()));
        clock.advance(SignInThrottle.FORGET_AFTER.plus(Duration.ofSeconds(1)));
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            throttle.begin("mia", "a");
            throttle.failed("mia", "a");
        }
    }

    @Test
    void theTableStaysBoundedWhateverTheUsernames() {
        for (int i = 0; i < SignInThrottle.MAX_ENTRIES * 3; i++) {
            throttle.begin("user" + i, "a");
            throttle.failed("user" + i, "a");
        }
        assertThat(throttle.size()).isLessThanOrEqualTo(SignInThrottle.MAX_ENTRIES + 1);
    }
}
