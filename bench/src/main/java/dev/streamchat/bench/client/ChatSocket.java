package dev.streamchat.bench.client;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One connection on the JDK's WebSocket client, without a thread of its own: frames are handed to the {@link Handler}
 * on the client's executor as they arrive, stamped with the receive time before they are parsed. It offers the
 * subprotocol {@code streamchat.v2} unless told to speak v1 ({@link #speak}); a CHUNKS frame of v2 is handed over as
 * the CHUNK frames it stands for, each with the frame's receive time.
 */
public final class ChatSocket {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static volatile String protocol = "v2";

    /** The protocol every connection opened from now on speaks: {@code v1} or {@code v2}. */
    public static void speak(String version) {
        if (!version.equals("v1") && !version.equals("v2")) {
            throw new IllegalArgumentException("--protocol is v1 or v2, not " + version);
        }
        protocol = version;
    }

    /** What a connection tells its owner. */
    public interface Handler {
        /**
         * A whole frame; {@code receivedMicros} is the wall clock (epoch µs, the clock the orchestrator stamps chunks
         * with on this machine), {@code receivedNanos} the monotonic clock.
         */
        void onFrame(ChatSocket socket, JsonNode frame, long receivedMicros, long receivedNanos);

        /** The connection ended: closed by the server ({@code code}), or lost ({@code error} not null). */
        void onClosed(ChatSocket socket, int code, @Nullable Throwable error);
    }

    private final Handler handler;
    private final ReentrantLock sending = new ReentrantLock();
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<JsonNode> welcome = new CompletableFuture<>();
    private volatile @Nullable WebSocket socket;
    private volatile boolean ended;

    private ChatSocket(Handler handler) {
        this.handler = handler;
    }

    /** The chat endpoint of a gateway or session-service base URL ({@code http://host:port}). */
    public static URI chatUri(String baseUrl, String token, @Nullable String sessionId) {
        String uri = baseUrl.replaceFirst("^http", "ws") + "/ws/chat?access_token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8);
        return URI.create(
                sessionId == null ? uri : uri + "&sessionId=" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8));
    }

    /** Opens a connection; the future completes with the socket once its WELCOME has arrived. */
    public static CompletableFuture<ChatSocket> open(HttpClient http, URI uri, Handler handler, Duration timeout) {
        var chat = new ChatSocket(handler);
        var builder = http.newWebSocketBuilder().connectTimeout(timeout);
        if (protocol.equals("v2")) {
            builder.subprotocols("streamchat.v2");
        }
        return builder.buildAsync(uri, chat.new Listener())
                .thenCompose(socket -> {
                    chat.socket = socket;
                    return chat.welcome;
                })
                .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        chat.abort();
                    }
                })
                .thenApply(ignored -> chat);
    }

    /** The WELCOME frame of this connection. */
    public JsonNode welcome() {
        return welcome.getNow(JSON.missingNode());
    }

    public String nodeId() {
        return welcome().path("nodeId").asString();
    }

    public boolean isOpen() {
        return !ended;
    }

    /** Sends a frame; one send at a time, as the JDK's client requires. */
    public void send(Map<String, ?> frame) {
        sendText(JSON.writeValueAsString(frame));
    }

    public void sendText(String text) {
        WebSocket open = socket;
        if (open == null || ended) {
            throw new IllegalStateException("not connected");
        }
        sending.lock();
        try {
            open.sendText(text, true).join();
        } finally {
            sending.unlock();
        }
    }

    public void sendBinary(byte[] bytes) {
        WebSocket open = socket;
        if (open == null || ended) {
            throw new IllegalStateException("not connected");
        }
        sending.lock();
        try {
            open.sendBinary(ByteBuffer.wrap(bytes), true).join();
        } finally {
            sending.unlock();
        }
    }

    /** Drops the connection without a close handshake, as a lost network would. */
    public void abort() {
        ended = true;
        WebSocket open = socket;
        if (open != null) {
            open.abort();
        }
    }

    /** Closes the connection politely. */
    public void close() {
        WebSocket open = socket;
        if (open != null && !ended) {
            ended = true;
            open.sendClose(WebSocket.NORMAL_CLOSURE, "done").whenComplete((ignored, error) -> open.abort());
        }
    }

    /** The wall clock in epoch microseconds. */
    public static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private final class Listener implements WebSocket.Listener {

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket;
            webSocket.request(1);
        }

        @Override
        public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            long micros = nowMicros();
            long nanos = System.nanoTime();
            if (!last) {
                partial.append(data);
                webSocket.request(1);
                return null;
            }
            String text;
            if (partial.isEmpty()) {
                text = data.toString();
            } else {
                text = partial.append(data).toString();
                partial.setLength(0);
            }
            webSocket.request(1);
            JsonNode frame = JSON.readTree(text);
            if (!welcome.isDone() && "WELCOME".equals(frame.path("type").asString())) {
                welcome.complete(frame);
                return null;
            }
            if (ended) {
                return null;
            }
            if ("CHUNKS".equals(frame.path("type").asString())) {
                String messageId = frame.path("messageId").asString();
                int from = frame.path("fromIndex").asInt();
                JsonNode chunks = frame.path("chunks");
                for (int i = 0; i < chunks.size(); i++) {
                    var chunk = (ObjectNode) chunks.get(i);
                    chunk.put("type", "CHUNK").put("messageId", messageId).put("index", from + i);
                    handler.onFrame(ChatSocket.this, chunk, micros, nanos);
                }
                return null;
            }
            handler.onFrame(ChatSocket.this, frame, micros, nanos);
            return null;
        }

        @Override
        public @Nullable CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            end(statusCode, null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end(-1, error);
        }

        private void end(int code, @Nullable Throwable error) {
            boolean wasOpen = !ended;
            ended = true;
            welcome.completeExceptionally(
                    error != null ? error : new IllegalStateException("closed with " + code + " before WELCOME"));
            if (wasOpen) {
                handler.onClosed(ChatSocket.this, code, error);
            }
        }
    }
}
