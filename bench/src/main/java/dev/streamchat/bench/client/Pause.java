package dev.streamchat.bench.client;

/** A pause of the calling (virtual) thread; an interrupt ends the run it belongs to. */
public final class Pause {

    private Pause() {}

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
