package dev.streamchat.bench.client;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Where a client connects: through the gateway (which picks the node from the session id) or straight to the
 * session-service nodes. {@link #connect} can insist on a node other than the one the client just left.
 */
public final class Endpoint {

    private static final int ATTEMPTS = 60;

    private final HttpClient http;
    private final @Nullable String gateway;
    private final List<String> nodes;
    private final String name;

    private Endpoint(HttpClient http, @Nullable String gateway, List<String> nodes, String name) {
        this.http = http;
        this.gateway = gateway;
        this.nodes = List.copyOf(nodes);
        this.name = name;
    }

    /** Every connection through the gateway at {@code baseUrl}. */
    public static Endpoint gateway(HttpClient http, String baseUrl) {
        return new Endpoint(http, baseUrl, List.of(), "gateway");
    }

    /** Straight to the session-service nodes at {@code baseUrls}, bypassing the gateway. */
    public static Endpoint direct(HttpClient http, List<String> baseUrls) {
        return new Endpoint(http, null, baseUrls, "direct");
    }

    public String name() {
        return name;
    }

    /**
     * Opens a connection and waits for its WELCOME; with {@code avoidNode} set, only a connection to another node is
     * kept. Retries (a node that just died, a gateway that has not noticed yet) for about half a minute.
     */
    public ChatSocket connect(String token, ChatSocket.Handler handler, @Nullable String avoidNode) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            String base = gateway != null
                    ? gateway
                    : nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
            String sessionId = "bench-" + UUID.randomUUID();
            try {
                ChatSocket socket = ChatSocket.open(
                                http, ChatSocket.chatUri(base, token, sessionId), handler, Duration.ofSeconds(10))
                        .join();
                if (avoidNode == null || !socket.nodeId().equals(avoidNode)) {
                    return socket;
                }
                socket.close();
            } catch (CompletionException e) {
                last = e;
                // full jitter (PROTOCOL.md), so that the clients of a node that died do not come back in step
                Pause.sleep(Pause.jittered(attempt + 1));
            }
        }
        throw new IllegalStateException(
                "no connection" + (avoidNode == null ? "" : " to a node other than " + avoidNode) + " through " + name
                        + " in " + ATTEMPTS + " attempts",
                last);
    }
}
