package dev.streamchat.session.answer;

import dev.streamchat.session.delivery.Follower;
import dev.streamchat.session.delivery.FrameSink;
import java.util.Map;
import java.util.function.Supplier;

/** One client connection, as the use cases see it: who it is, where its frames go, and what it follows. */
public interface Client extends FrameSink {

    String sessionId();

    String userId();

    /** The token the client connected with: other services are asked with it, for this user's data only. */
    String bearerToken();

    /** The answers this connection follows, by message id. */
    Map<String, Follower> following();

    /**
     * Runs a call to another service for this client. When the client goes away meanwhile, the calling thread is
     * interrupted (a blocking call on a virtual thread gives up at once) and this throws
     * {@link java.util.concurrent.CancellationException}; so does a call asked for after it went away.
     */
    <T> T whileConnected(Supplier<T> call);
}
