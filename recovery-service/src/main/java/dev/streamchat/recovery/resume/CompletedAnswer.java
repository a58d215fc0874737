package dev.streamchat.recovery.resume;

import java.util.List;

/** An ended answer that a tier held whole: every frame from index 0, the terminal one last. Never changes. */
public record CompletedAnswer(String userId, List<Frame> frames) {

    int weight() {
        int weight = 64;
        for (Frame frame : frames) {
            weight += 64 + (frame.content() == null ? 0 : frame.content().length() * 2);
        }
        return weight;
    }
}
