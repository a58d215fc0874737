package dev.streamchat.session.connection;

import dev.streamchat.session.answer.Client;
import dev.streamchat.session.delivery.Follower;
import dev.streamchat.session.delivery.FrameSink;
import dev.streamchat.session.delivery.LiveLateness;
import dev.streamchat.session.delivery.LogFrame;
import dev.streamchat.session.protocol.ServerFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.tracing.TraceContext;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;
import org.springframework.web.socket.handler.SessionLimitExceededException;
import org.springframework.web.socket.handler.WebSocketSessionDecorator;
import tools.jackson.databind.json.JsonMapper;

/**
 * One client connection: who it is, what it follows, and a bounded send buffer. Sends from any thread go through
 * Spring's {@link ConcurrentWebSocketSessionDecorator}; a client that lets the buffer overflow or a send block past
 * the time limit is closed with {@link #SLOW_CONSUMER} (a client whose socket is full may see only the connection
 * drop, since the close frame cannot reach it either) and recovers from the log when it comes back. The connection
 * speaks the protocol its client chose at the handshake: v2 gets consecutive chunks in CHUNKS frames, v1 a CHUNK
 * frame each. Calls to other services made for it stop when it closes. When the first frame of a batch of live chunks
 * has been written to the socket (not when it joins the buffer: a backlog that waits there, or behind a client that
 * reads slowly, is the live path running late), {@link LiveLateness} is told when those chunks were emitted.
 */
final class ChatConnection implements Client {

    /** Close code for a client too slow to keep up (Spring's "session not reliable"). */
    static final CloseStatus SLOW_CONSUMER = new CloseStatus(4500, "SLOW_CONSUMER: send buffer overflow");

    private static final Logger log = LoggerFactory.getLogger(ChatConnection.class);

    private final ConcurrentWebSocketSessionDecorator session;
    private final String sessionId;
    private final String userId;
    private final String bearerToken;
    private final @Nullable TraceContext traceParent;
    private final JsonMapper json;
    private final int sendTimeLimitMillis;
    private final int protocolVersion;
    private final int maxChunksFrameBytes;
    private final Counter closedAsSlow;
    private final LiveLateness lateness;
    /** Frames of live chunks in the send buffer, and when their oldest live message was emitted. */
    private final Map<WebSocketMessage<?>, Long> liveFrames = new ConcurrentHashMap<>();

    private final Map<String, Follower> following = new ConcurrentHashMap<>();
    private final StringBuilder partial = new StringBuilder();
    /** The threads in a call to another service for this connection; guarded by itself. */
    private final Set<Thread> calling = new HashSet<>();

    private boolean gone;
    private long windowStart = System.nanoTime();
    private long framesInWindow;
    private boolean oversized;

    ChatConnection(
            WebSocketSession session,
            String sessionId,
            String userId,
            String bearerToken,
            @Nullable TraceContext traceParent,
            JsonMapper json,
            int sendTimeLimitMillis,
            int sendBufferBytes,
            int protocolVersion,
            int maxChunksFrameBytes,
            Counter closedAsSlow,
            LiveLateness lateness) {
        this.session = new ConcurrentWebSocketSessionDecorator(
                new WrittenFrames(session), sendTimeLimitMillis, sendBufferBytes);
        this.sessionId = sessionId;
        this.userId = userId;
        this.bearerToken = bearerToken;
        this.traceParent = traceParent;
        this.json = json;
        this.sendTimeLimitMillis = sendTimeLimitMillis;
        this.protocolVersion = protocolVersion;
        this.maxChunksFrameBytes = maxChunksFrameBytes;
        this.closedAsSlow = closedAsSlow;
        this.lateness = lateness;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public String userId() {
        return userId;
    }

    @Override
    public String bearerToken() {
        return bearerToken;
    }

    /** When the token the client connected with expires; null when it does not. */
    @Nullable
    Instant tokenExpiresAt() {
        return session.getPrincipal() instanceof JwtAuthenticationToken token
                ? token.getToken().getExpiresAt()
                : null;
    }

    /** The trace of the handshake: the parent of every frame's span. */
    @Nullable
    TraceContext traceParent() {
        return traceParent;
    }

    @Override
    public Map<String, Follower> following() {
        return following;
    }

    @Override
    public <T> T whileConnected(Supplier<T> call) {
        Thread current = Thread.currentThread();
        synchronized (calling) {
            if (gone) {
                throw new CancellationException("the client went away");
            }
            calling.add(current);
        }
        try {
            return call.get();
        } catch (RuntimeException e) {
            if (isGone()) {
                var cancelled = new CancellationException("the client went away");
                cancelled.initCause(e);
                throw cancelled;
            }
            throw e;
        } finally {
            synchronized (calling) {
                calling.remove(current);
            }
            // no interrupt comes after the thread left the set: the one it may have had is cleared here
            Thread.interrupted();
        }
    }

    /** The connection has closed: every call made for it is interrupted, and none is made from here on. */
    void closed() {
        synchronized (calling) {
            gone = true;
            calling.forEach(Thread::interrupt);
        }
        liveFrames.clear();
    }

    private boolean isGone() {
        synchronized (calling) {
            return gone;
        }
    }

    int protocolVersion() {
        return protocolVersion;
    }

    /**
     * v2: the chunks in as few CHUNKS frames as {@code max-chunks-frame-bytes} allows (a chunk larger than that goes
     * alone); v1: a CHUNK frame each.
     */
    @Override
    public boolean sendChunks(String messageId, List<LogFrame> chunks, long liveSinceMicros) {
        if (protocolVersion < 2) {
            long since = liveSinceMicros;
            for (LogFrame chunk : chunks) {
                if (!send(
                        ServerFrame.Chunk.of(
                                messageId,
                                chunk.index(),
                                String.valueOf(chunk.content()),
                                String.valueOf(chunk.chunkType()),
                                chunk.emittedAtMicrosOrMillis()),
                        since)) {
                    return false;
                }
                since = FrameSink.NOT_LIVE;
            }
            return true;
        }
        long since = liveSinceMicros;
        var items = new ArrayList<ServerFrame.Chunks.Item>(chunks.size());
        int fromIndex = chunks.getFirst().index();
        int bytes = ServerFrame.Chunks.OVERHEAD + messageId.length();
        for (LogFrame chunk : chunks) {
            var item = ServerFrame.Chunks.Item.of(
                    String.valueOf(chunk.content()),
                    String.valueOf(chunk.chunkType()),
                    chunk.emittedAtMicrosOrMillis());
            int size = item.encodedBytes();
            if (!items.isEmpty() && bytes + size > maxChunksFrameBytes) {
                if (!send(ServerFrame.Chunks.of(messageId, fromIndex, List.copyOf(items)), since)) {
                    return false;
                }
                since = FrameSink.NOT_LIVE;
                fromIndex += items.size();
                items.clear();
                bytes = ServerFrame.Chunks.OVERHEAD + messageId.length();
            }
            items.add(item);
            bytes += size;
        }
        return send(ServerFrame.Chunks.of(messageId, fromIndex, items), since);
    }

    @Override
    public boolean send(ServerFrame frame) {
        return send(frame, FrameSink.NOT_LIVE);
    }

    private boolean send(ServerFrame frame, long liveSinceMicros) {
        if (!session.isOpen()) {
            return false;
        }
        var message = new TextMessage(json.writeValueAsString(frame));
        if (liveSinceMicros != FrameSink.NOT_LIVE) {
            liveFrames.put(message, liveSinceMicros);
        }
        try {
            session.sendMessage(message);
            return true;
        } catch (SessionLimitExceededException e) {
            log.info("Closing session {} of {}: {}", sessionId, userId, e.getMessage());
            closedAsSlow.increment();
            close(SLOW_CONSUMER);
            return false;
        } catch (IOException | IllegalStateException e) {
            log.debug("Could not send to session {}: {}", sessionId, e.toString());
            return false;
        }
    }

    @Override
    public boolean stalled() {
        return session.getTimeSinceSendStarted() > sendTimeLimitMillis;
    }

    @Override
    public void closeAsSlow() {
        log.info("Closing session {} of {}: the client does not keep up", sessionId, userId);
        closedAsSlow.increment();
        close(SLOW_CONSUMER);
    }

    void close(CloseStatus status) {
        try {
            session.close(status);
        } catch (IOException | IllegalStateException e) {
            log.debug("Closing session {}: {}", sessionId, e.toString());
        }
    }

    /**
     * Adds one part of a text frame; returns the whole frame once its last part is in, or null. A frame over the
     * limit is thrown away as it arrives and reported once, at its last part.
     */
    FrameAssembly append(String part, boolean last, int maxChars) {
        if (!oversized) {
            if (partial.length() + part.length() > maxChars) {
                oversized = true;
                partial.setLength(0);
            } else {
                partial.append(part);
            }
        }
        if (!last) {
            return FrameAssembly.INCOMPLETE;
        }
        if (oversized) {
            oversized = false;
            return FrameAssembly.TOO_LARGE;
        }
        String frame = partial.toString();
        partial.setLength(0);
        return new FrameAssembly(frame);
    }

    /**
     * Counts a frame against the limit of this second: admitted, the first frame over it in this second (the one that
     * gets the RATE_LIMITED answer), or another one over it.
     */
    synchronized FrameAdmission admit(int perSecond) {
        long now = System.nanoTime();
        if (now - windowStart >= 1_000_000_000L) {
            windowStart = now;
            framesInWindow = 0;
        }
        framesInWindow++;
        if (framesInWindow <= perSecond) {
            return FrameAdmission.ADMITTED;
        }
        return framesInWindow == perSecond + 1L ? FrameAdmission.FIRST_OVER : FrameAdmission.OVER;
    }

    enum FrameAdmission {
        ADMITTED,
        FIRST_OVER,
        OVER
    }

    /** The socket's side of the send buffer: a frame of live chunks written, and how late it was. */
    private final class WrittenFrames extends WebSocketSessionDecorator {

        WrittenFrames(WebSocketSession socket) {
            super(socket);
        }

        @Override
        public void sendMessage(WebSocketMessage<?> message) throws IOException {
            super.sendMessage(message);
            Long liveSince = liveFrames.remove(message);
            if (liveSince != null) {
                lateness.sent(userId, liveSince);
            }
        }
    }

    /** The outcome of {@link #append}. */
    record FrameAssembly(String text) {
        static final FrameAssembly INCOMPLETE = new FrameAssembly("");
        static final FrameAssembly TOO_LARGE = new FrameAssembly("");
    }
}
