package dev.streamchat.bench.stack;

import dev.streamchat.bench.client.ChatSocket;
import dev.streamchat.bench.client.Pause;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/** How long persistence-service takes to hold every answer of a run whole. */
public final class Persistence {

    private Persistence() {}

    /** An answer to wait for: its message id, its user's token, its chunk count. */
    public record Answer(String messageId, String token, int chunks) {}

    /**
     * Polls until every answer is stored whole; returns the time from {@code lastTerminalMicros} (the last terminal
     * frame a client received) to the moment the last answer was found whole, in ms (0 if already there). Each round
     * asks for the answers in turn only until one is not whole yet: asking for every pending answer every 50 ms cost
     * the gateway, persistence-service and PostgreSQL more than the chunks did, and runs count that CPU.
     */
    public static double lagMillis(Target target, List<Answer> answers, long lastTerminalMicros, Duration timeout) {
        var pending = new ArrayDeque<>(answers);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty()) {
            while (!pending.isEmpty()) {
                Answer next = pending.peek();
                if (!target.stored(next.messageId(), next.token(), next.chunks())) {
                    break;
                }
                pending.poll();
            }
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
