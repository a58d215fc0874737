package dev.streamchat.session.capacity;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * How long ago the first record a consumer group has not taken was written, from the partitions' end offsets seen over
 * time: a record at offset {@code o} was written before the first moment the end offset was seen past {@code o}. Only
 * offsets are read (no record is fetched); the figure is low by at most one poll interval. Not thread-safe.
 */
final class LagClock {

    /** The end offset a partition had when it was first seen at that offset. */
    private record Seen(long atMillis, long endOffset) {}

    private final Map<TopicPartition, ArrayDeque<Seen>> ends = new HashMap<>();
    private final long horizonMillis;

    /** Keeps what was seen over {@code horizonMillis}: lags longer than that read as at least that long. */
    LagClock(long horizonMillis) {
        this.horizonMillis = horizonMillis;
    }

    /** The end offset of {@code partition} at {@code nowMillis}. */
    void end(TopicPartition partition, long endOffset, long nowMillis) {
        var seen = ends.computeIfAbsent(partition, ignored -> new ArrayDeque<>());
        if (!seen.isEmpty() && endOffset < seen.peekLast().endOffset()) {
            // the partition was made again: what was seen of it before says nothing now
            seen.clear();
        }
        if (seen.isEmpty() || endOffset > seen.peekLast().endOffset()) {
            seen.addLast(new Seen(nowMillis, endOffset));
        }
        // the oldest kept is the last one at or before the horizon, so a lag past the horizon reads as past it
        while (seen.size() > 1) {
            Seen oldest = seen.removeFirst();
            if (seen.peekFirst().atMillis() > nowMillis - horizonMillis) {
                seen.addFirst(oldest);
                break;
            }
        }
    }

    /** How long the record at {@code committed} (the next one the group will take) has waited, in ms; 0 if none. */
    long lagMillis(TopicPartition partition, long committed, long nowMillis) {
        var seen = ends.get(partition);
        if (seen == null) {
            return 0;
        }
        for (Seen end : seen) {
            if (end.endOffset() > committed) {
                return Math.max(0, nowMillis - end.atMillis());
            }
        }
        return 0;
    }

    /** Forgets the partitions no group reads any more. */
    void retain(Set<TopicPartition> partitions) {
        ends.keySet().retainAll(partitions);
    }
}
