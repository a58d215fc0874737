package dev.streamchat.recovery.resume;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What one tier holds of an answer from the asked index on, cut to one page. */
record TierAnswer(
        String tier,
        RecoveryStatus status,
        List<Frame> frames,
        @Nullable Integer totalChunks,
        @Nullable Integer nextIndex) {

    /**
     * The entries contiguous from {@code fromIndex} (up to the terminal one), at most {@code max}. COMPLETED when the
     * tier holds the answer's end: its terminal entry is among {@code frames}, or {@code knownTotal} says where it
     * is.
     */
    static TierAnswer page(String tier, List<Frame> frames, int fromIndex, int max, @Nullable Integer knownTotal) {
        var contiguous = new ArrayList<Frame>();
        for (Frame frame : frames) {
            if (frame.index() != fromIndex + contiguous.size()) {
                break;
            }
            contiguous.add(frame);
            if (!frame.isChunk()) {
                break;
            }
        }
        Integer total = !contiguous.isEmpty() && !contiguous.getLast().isChunk()
                ? Integer.valueOf(contiguous.getLast().index())
                : knownTotal;
        var status = total != null ? RecoveryStatus.COMPLETED : RecoveryStatus.RECOVERED;
        if (contiguous.size() > max) {
            return new TierAnswer(tier, status, List.copyOf(contiguous.subList(0, max)), total, fromIndex + max);
        }
        return new TierAnswer(tier, status, List.copyOf(contiguous), total, null);
    }

    int missing(int fromIndex) {
        return totalChunks == null ? -1 : Math.max(0, totalChunks - fromIndex);
    }
}
