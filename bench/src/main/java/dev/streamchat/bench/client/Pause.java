package dev.streamchat.bench.client;

import java.util.concurrent.ThreadLocalRandom;

/** A pause of the calling (virtual) thread; an interrupt ends the run it belongs to. */
public final class Pause {

    private Pause() {}

    /**
     * The wait before the {@code attempt}-th attempt in a row (from 1) of PROTOCOL.md's reconnect rule: a random time
     * between 0 and {@code min(5 s, 200 ms x 2^attempt)} ("full jitter").
     */
    public static long jittered(int attempt) {
        long cap = Math.min(5000L, 200L << Math.min(Math.max(attempt, 1), 5));
        return ThreadLocalRandom.current().nextLong(cap + 1);
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
