package dev.streamchat.session.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LagClockTests {

    private static final TopicPartition PARTITION = new TopicPartition("chat.stream.chunks", 0);

    private final LagClock clock = new LagClock(10_000);

    @Test
    void aGroupThatHasTakenEverythingIsNotBehind() {
        clock.end(PARTITION, 10, 1_000);

        assertThat(clock.lagMillis(PARTITION, 10, 9_000)).isZero();
        assertThat(clock.lagMillis(new TopicPartition("unseen", 0), 0, 9_000)).isZero();
    }

    @Test
    void theLagIsTheTimeSinceTheEndWasFirstSeenPastTheNextRecordToTake() {
        clock.end(PARTITION, 10, 1_000);
        clock.end(PARTITION, 10, 1_500);
        clock.end(PARTITION, 20, 2_000);

        assertThat(clock.lagMillis(PARTITION, 5, 3_000)).isEqualTo(2_000);
        assertThat(clock.lagMillis(PARTITION, 10, 5_000)).isEqualTo(3_000);
        assertThat(clock.lagMillis(PARTITION, 19, 5_000)).isEqualTo(3_000);
    }

    @Test
    void aLagLongerThanTheHorizonReadsAsAtLeastTheHorizon() {
        clock.end(PARTITION, 10, 0);
        clock.end(PARTITION, 20, 5_000);
        clock.end(PARTITION, 30, 20_000);

        assertThat(clock.lagMillis(PARTITION, 5, 20_000)).isGreaterThanOrEqualTo(10_000);
        assertThat(clock.lagMillis(PARTITION, 25, 20_000)).isZero();
    }

    @Test
    void aPartitionMadeAgainStartsOver() {
        clock.end(PARTITION, 100, 0);
        clock.end(PARTITION, 3, 8_000);

        assertThat(clock.lagMillis(PARTITION, 0, 9_000)).isEqualTo(1_000);
    }

    @Test
    void partitionsNoGroupReadsAreForgotten() {
        clock.end(PARTITION, 10, 0);
        clock.retain(Set.of());

        assertThat(clock.lagMillis(PARTITION, 0, 5_000)).isZero();
    }
}
