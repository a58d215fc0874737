package dev.streamchat.recovery.resume;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The answer to one recovery: {@code frames} hold the entries from {@code fromIndex} on, in order, at most the
 * configured number; when more follow, {@code nextIndex} is where to continue (ask again with
 * {@code lastChunkIndex = nextIndex - 1}). {@code missing} is how many chunks the client lacked, or -1 while the
 * answer still streams. {@code tier} is {@code hot-log} or {@code database}.
 */
public record RecoveryResponse(
        String messageId,
        RecoveryStatus status,
        @Nullable String tier,
        int fromIndex,
        int missing,
        List<Frame> frames,
        @Nullable Integer nextIndex) {

    static RecoveryResponse empty(String messageId, RecoveryStatus status, int fromIndex) {
        return new RecoveryResponse(messageId, status, null, fromIndex, -1, List.of(), null);
    }
}
