package dev.streamchat.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of the chat protocol for tests, on the JDK's WebSocket client: sends frames, queues every frame it receives,
 * and remembers how the connection closed. It speaks v1 unless it offers subprotocols ({@code streamchat.v2}).
 */
public final class ProtocolClient implements AutoCloseable {

    /** The subprotocol of protocol v2. */
    public static final String V2 = "streamchat.v2";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket socket;
    private volatile boolean paused;

    private ProtocolClient(URI uri, @Nullable String bearer, String... subprotocols) {
        var builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        // a handshake that gets no answer fails instead of hanging the test run
        this.socket = builder.buildAsync(uri, new Listener())
                .orTimeout(15, TimeUnit.SECONDS)
                .join();
    }

    /** Connects, with the token as a bearer header when not null, offering the subprotocols in order, if any. */
    public static ProtocolClient connect(URI uri, @Nullable String bearer, String... subprotocols) {
        return new ProtocolClient(uri, bearer, subprotocols);
    }

    /** The subprotocol the server chose at the handshake; empty when none. */
    public String subprotocol() {
        return socket.getSubprotocol();
    }

    /**
     * The chunks of a frame, each as its CHUNK frame would be ({@code messageId, index, content, chunkType, timestamp,
     * emittedAtMicros}): the items of a CHUNKS frame (protocol v2), at {@code fromIndex, fromIndex + 1, ...}, or a
     * CHUNK frame itself; none for any other frame.
     */
    public static List<JsonNode> chunks(JsonNode frame) {
        if (type(frame).equals("CHUNK")) {
            return List.of(frame);
        }
        if (!type(frame).equals("CHUNKS")) {
            return List.of();
        }
        var chunks = new ArrayList<JsonNode>();
        int from = frame.path("fromIndex").asInt();
        JsonNode items = frame.path("chunks");
        for (int i = 0; i < items.size(); i++) {
            var chunk = JSON.createObjectNode();
            chunk.put("type", "CHUNK");
            chunk.put("messageId", frame.path("messageId").asString());
            chunk.put("index", from + i);
            items.get(i).properties().forEach(field -> chunk.set(field.getKey(), field.getValue()));
            chunks.add(chunk);
        }
        return chunks;
    }

    /** The HTTP status the handshake was refused with, or 101 when it was accepted. */
    public static int handshakeStatus(URI uri, @Nullable String bearer) {
        try (var client = connect(uri, bearer)) {
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }

    public ProtocolClient send(Map<String, ?> frame) {
        return sendText(JSON.writeValueAsString(frame));
    }

    public ProtocolClient sendText(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    public ProtocolClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** The next frame received, waiting at most the given time. */
    public JsonNode next(Duration timeout) {
        try {
            JsonNode frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError(
                        "no frame within " + timeout + (closed.isDone() ? "; closed " + closed.join() : ""));
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public JsonNode next() {
        return next(Duration.ofSeconds(10));
    }

    /** Frames up to and including the first one that matches. */
    public List<JsonNode> until(Predicate<JsonNode> last, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        var received = new ArrayList<JsonNode>();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode frame = next(Duration.ofNanos(Math.max(left, 1)));
            received.add(frame);
            if (last.test(frame)) {
                return received;
            }
        }
    }

    /** Frames up to and including the terminal frame (COMPLETE, or ERROR naming a message) of a message. */
    public List<JsonNode> untilTerminal(String messageId, Duration timeout) {
        return until(
                frame -> messageId.equals(frame.path("messageId").asString())
                        && (type(frame).equals("COMPLETE") || type(frame).equals("ERROR")),
                timeout);
    }

    public static String type(JsonNode frame) {
        return frame.path("type").asString();
    }

    /** The close code, once closed. */
    public int awaitClose(Duration timeout) {
        return closed.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Stops reading from the socket, as a client that cannot keep up: the server's sends back up. */
    public void pauseReading() {
        paused = true;
    }

    /** Reads again after {@link #pauseReading()}. */
    public void resumeReading() {
        if (paused) {
            paused = false;
            socket.request(1);
        }
    }

    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                socket.abort();
            }
        }
    }

    private final class Listener implements WebSocket.Listener {

        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                frames.add(JSON.readTree(text.toString()));
                text.setLength(0);
            }
            if (!paused) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }
}
