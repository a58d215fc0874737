package dev.streamchat.session.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The live path's judgement alone, on a clock the test moves: more than a tenth of an interval's users getting live
 * chunks past the bound refuses; nine in ten within the lower bound, or too few users to judge, takes answers again;
 * one user's sends, however many and however late, count once.
 */
class LivePathDelayTests {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T12:00:00Z"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void aTenthOfAnIntervalsUsersPastTheBoundRefusesUntilNineInTenAreWithinTheLowerOne() {
        var delay = delay(Duration.ofSeconds(2));

        interval(delay, 45, Duration.ofMillis(100), 5, Duration.ofSeconds(3));
        assertThat(delay.refusing()).as("5 of 50 late: not more than a tenth").isFalse();

        interval(delay, 44, Duration.ofMillis(100), 6, Duration.ofSeconds(3));
        assertThat(delay.refusing()).as("6 of 50 late").isTrue();
        assertThat(delay.worst()).isEqualTo(Duration.ofSeconds(3));
        assertThat(meters.get("streamchat.capacity.refusing")
                        .tag("cause", "live-path")
                        .gauge()
                        .value())
                .isEqualTo(1.0);
        assertThat(meters.get("streamchat.live.delay").gauge().value()).isEqualTo(3.0);

        interval(delay, 40, Duration.ofMillis(100), 10, Duration.ofSeconds(1));
        assertThat(delay.refusing())
                .as("under the bound, but a fifth past the lower one")
                .isTrue();

        interval(delay, 46, Duration.ofMillis(100), 4, Duration.ofSeconds(1));
        assertThat(delay.refusing()).as("nine in ten within the lower bound").isFalse();
        assertThat(meters.get("streamchat.capacity.refusing")
                        .tag("cause", "live-path")
                        .gauge()
                        .value())
                .isZero();
    }

    @Test
    void oneUserReadingSlowlyOnManyConnectionsNeverTurnsTheOthersAway() {
        var delay = delay(Duration.ofSeconds(2));

        for (int i = 0; i < 1000; i++) {
            delay.sent("mallory", micros(now.get().minusSeconds(30)));
        }
        interval(delay, 9, Duration.ofMillis(50), 0, Duration.ZERO);

        assertThat(delay.refusing()).as("1 of 10 users late").isFalse();
        assertThat(delay.worst()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void anIntervalWithTooFewUsersTurnsNobodyAwayAndEndsARefusal() {
        var delay = delay(Duration.ofSeconds(2));

        interval(delay, 0, Duration.ZERO, LivePathDelay.FEWEST_TO_JUDGE - 1, Duration.ofSeconds(10));
        assertThat(delay.refusing()).isFalse();

        interval(delay, 0, Duration.ZERO, LivePathDelay.FEWEST_TO_JUDGE, Duration.ofSeconds(10));
        assertThat(delay.refusing()).isTrue();

        // answers were refused, the ones under way ended: a quiet interval
        interval(delay, 0, Duration.ZERO, 0, Duration.ZERO);
        assertThat(delay.refusing()).isFalse();
    }

    @Test
    void lateSendsFollowedByAQuietIntervalRefuseNobodyWhenNextAsked() {
        var delay = delay(Duration.ofSeconds(2));
        // late sends, then nobody asks for a while: judged only when the next request comes
        for (int user = 0; user < 30; user++) {
            delay.sent("user-" + user, micros(now.get().minusSeconds(10)));
        }
        now.set(now.get().plusSeconds(30));

        assertThat(delay.refusing()).isFalse();
        assertThat(delay.worst()).isZero();
    }

    @Test
    void aClockAheadOfThisNodesReadsAsNoDelayAndABoundOfZeroNeverRefuses() {
        var ahead = delay(Duration.ofSeconds(2));
        interval(ahead, 0, Duration.ZERO, 50, Duration.ofSeconds(-30));
        assertThat(ahead.refusing()).isFalse();
        assertThat(ahead.worst()).isZero();

        var off = delay(Duration.ZERO);
        interval(off, 0, Duration.ZERO, 50, Duration.ofMinutes(1));
        assertThat(off.refusing()).isFalse();
    }

    private LivePathDelay delay(Duration maxLiveDelay) {
        var properties = new CapacityProperties(
                List.of("persistence-service"),
                Duration.ofSeconds(5),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                maxLiveDelay,
                Duration.ofMillis(500));
        return new LivePathDelay(properties, meters, now::get);
    }

    /**
     * One poll interval: {@code onTime} users get chunks {@code onTimeDelay} after they were made, {@code late} others
     * {@code lateDelay} after; each user gets three batches, the first the latest.
     */
    private void interval(LivePathDelay delay, int onTime, Duration onTimeDelay, int late, Duration lateDelay) {
        for (int send = 0; send < 3; send++) {
            Duration sooner = Duration.ofMillis(send);
            for (int user = 0; user < onTime; user++) {
                delay.sent(
                        "on-time-" + user, micros(now.get().minus(onTimeDelay).plus(sooner)));
            }
            for (int user = 0; user < late; user++) {
                delay.sent("late-" + user, micros(now.get().minus(lateDelay).plus(sooner)));
            }
        }
        now.set(now.get().plusSeconds(1));
    }

    private static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
    }
}
