package dev.streamchat.session.delivery;

/**
 * Told how late the live path runs: each time a connection of {@code userId} writes a frame of live chunks to its
 * socket, when the oldest live message they came in was emitted (epoch microseconds, the orchestrator's clock).
 */
@FunctionalInterface
public interface LiveLateness {

    /** Nobody listens. */
    LiveLateness NONE = (userId, emittedAtMicros) -> {};

    void sent(String userId, long emittedAtMicros);
}
