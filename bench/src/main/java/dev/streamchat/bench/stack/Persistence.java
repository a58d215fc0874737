package dev.streamchat.bench.stack;

import dev.streamchat.bench.client.ChatSocket;
import dev.streamchat.bench.client.Pause;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** How long persistence-service takes to hold every answer of a run whole. */
public final class Persistence {

    private Persistence() {}

    /** An answer to wait for: its message id, its user's token, its chunk count. */
    public record Answer(String messageId, String token, int chunks) {}

    /**
     * Polls until every answer is stored whole; returns the time from {@code lastTerminalMicros} (the last terminal
     * frame a client received) to the moment the last answer was found whole, in ms (0 if already there).
     */
    public static double lagMillis(Target target, List<Answer> answers, long lastTerminalMicros, Duration timeout) {
        var pending = new ArrayList<>(answers);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty()) {
            pending.removeIf(answer -> target.stored(answer.messageId(), answer.token(), answer.chunks()));
            if (pending.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pending.size() + " answers not stored whole after " + timeout);
            }
            Pause.sleep(50);
        }
        return Math.max(0, ChatSocket.nowMicros() - lastTerminalMicros) / 1000.0;
    }
}
