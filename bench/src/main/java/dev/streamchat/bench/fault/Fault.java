package dev.streamchat.bench.fault;

import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.stack.Target;
import java.util.List;

/** One kind of failure the suite inflicts on a system under load, and how it puts things back afterwards. */
interface Fault {

    String name();

    /** Whether answers may end as INTERRUPTED under this fault (their generator dies with it). */
    default boolean interruptsAnswers() {
        return false;
    }

    /** Sets the stage before the streams start (routes an instance through a proxy, say). */
    default void prepare(Target target) {}

    /** Inflicts the fault while {@code clients} stream; returns the clients it touched directly (may be empty). */
    List<StreamClient> inject(Target target, List<StreamClient> clients);

    /** Puts the system back (restarts what was killed); called once the streams have ended. */
    default void heal(Target target) {}

    /** What the system did under this fault that it promises not to, beside the streams' own failures. */
    default List<String> findings() {
        return List.of();
    }
}
