package dev.streamchat.session.connection;

import dev.streamchat.session.delivery.Follower;
import dev.streamchat.session.delivery.FrameSink;
import dev.streamchat.session.delivery.HotLogReader;
import dev.streamchat.session.delivery.LiveFeeds;
import dev.streamchat.session.delivery.LogFrame;
import dev.streamchat.session.delivery.RecoveryClient;
import dev.streamchat.session.messaging.ChatCommand;
import dev.streamchat.session.messaging.ChatMessaging;
import dev.streamchat.session.messaging.DomainEvent;
import dev.streamchat.session.protocol.ClientFrame;
import dev.streamchat.session.protocol.ErrorCode;
import dev.streamchat.session.protocol.FrameReader;
import dev.streamchat.session.protocol.ProtocolException;
import dev.streamchat.session.protocol.ProtocolLimits;
import dev.streamchat.session.protocol.ProtocolProperties;
import dev.streamchat.session.protocol.ServerFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /ws/chat}: protocol v1 for one connection after another. Every bad frame is answered with an ERROR and
 * changes nothing; the connection stays open. Handlers run on virtual threads (Tomcat's, with
 * {@code spring.threads.virtual.enabled}).
 */
@Component
class ChatWebSocketHandler extends AbstractWebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(ChatWebSocketHandler.class);
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{8,128}");

    private final FrameReader frames;
    private final LiveFeeds feeds;
    private final HotLogReader hotLog;
    private final ChatMessaging messaging;
    private final ConnectionRegistry registry;
    private final MessageOwnership ownership;
    private final RecoveryClient recovery;
    private final UserResumeLimit resumeLimit;
    private final FrameTracing tracing;
    private final ProtocolProperties properties;
    private final ProtocolLimits limits;
    private final JsonMapper json;
    private final String nodeId;
    private final Map<String, ChatConnection> connections = new ConcurrentHashMap<>();
    private final Counter badFrames;
    private final Counter closedAsSlow;
    private final Counter chunksSent;

    ChatWebSocketHandler(
            FrameReader frames,
            LiveFeeds feeds,
            HotLogReader hotLog,
            ChatMessaging messaging,
            ConnectionRegistry registry,
            MessageOwnership ownership,
            RecoveryClient recovery,
            UserResumeLimit resumeLimit,
            FrameTracing tracing,
            ProtocolProperties properties,
            ProtocolLimits limits,
            JsonMapper json,
            MeterRegistry meters,
            @Value("${eureka.instance.instance-id:${spring.application.name}}") String nodeId) {
        this.frames = frames;
        this.feeds = feeds;
        this.hotLog = hotLog;
        this.messaging = messaging;
        this.registry = registry;
        this.ownership = ownership;
        this.recovery = recovery;
        this.resumeLimit = resumeLimit;
        this.tracing = tracing;
        this.properties = properties;
        this.limits = limits;
        this.json = json;
        this.nodeId = nodeId;
        this.badFrames = meters.counter("streamchat.frames.rejected");
        this.closedAsSlow = meters.counter("streamchat.connections.closed.slow");
        this.chunksSent = meters.counter("streamchat.chunks.sent");
        meters.gauge("streamchat.connections.active", connections, Map::size);
    }

    @Override
    public boolean supportsPartialMessages() {
        return true;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) {
        if (!(session.getPrincipal() instanceof JwtAuthenticationToken token)) {
            closeQuietly(session, CloseStatus.POLICY_VIOLATION.withReason("UNAUTHORIZED"));
            return;
        }
        String userId = token.getName();
        String sessionId = requestedSessionId(session);
        var connection = new ChatConnection(
                session,
                sessionId,
                userId,
                token.getToken().getTokenValue(),
                FrameTracing.handshakeContext(session.getAttributes()),
                json,
                (int) limits.current().sendTimeLimit().toMillis(),
                limits.current().sendBufferBytes(),
                ServerFrame.V2.equals(session.getAcceptedProtocol()) ? 2 : 1,
                properties.maxChunksFrameBytes(),
                closedAsSlow);
        ChatConnection previous = connections.put(session.getId(), connection);
        if (previous != null) {
            previous.close(CloseStatus.POLICY_VIOLATION);
        }
        try {
            registry.register(sessionId, userId, nodeId);
        } catch (RuntimeException e) {
            log.warn("Could not register session {}: {}", sessionId, e.toString());
        }
        // after registering: a client that has WELCOME is in the registry
        connection.send(ServerFrame.Welcome.of(sessionId, userId, nodeId, connection.protocolVersion()));
        try {
            messaging.sessionEvent(
                    DomainEvent.of("CONNECTED", sessionId, userId, null, null, nodeId, Map.of("sessionId", sessionId)));
        } catch (RuntimeException e) {
            log.warn("Could not send the CONNECTED event of session {}: {}", sessionId, e.toString());
        }
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        ChatConnection connection = connections.get(session.getId());
        if (connection == null) {
            return;
        }
        var assembled = connection.append(message.getPayload(), message.isLast(), properties.maxFrameChars());
        if (assembled == ChatConnection.FrameAssembly.INCOMPLETE || !admitted(connection)) {
            return;
        }
        if (assembled == ChatConnection.FrameAssembly.TOO_LARGE) {
            reject(
                    connection,
                    new ProtocolException(
                            ErrorCode.BAD_FRAME,
                            "a frame may hold at most " + properties.maxFrameChars() + " characters"));
            return;
        }
        try {
            ClientFrame frame = frames.read(assembled.text());
            tracing.run(connection, frame, () -> apply(connection, frame));
        } catch (ProtocolException e) {
            reject(connection, e);
        } catch (RuntimeException e) {
            log.error("Frame of session {} failed", connection.sessionId(), e);
            connection.send(ServerFrame.Error.of(ErrorCode.INTERNAL, "the frame could not be handled", null, true));
        }
    }

    @Override
    protected void handleBinaryMessage(WebSocketSession session, BinaryMessage message) {
        ChatConnection connection = connections.get(session.getId());
        if (connection != null && message.isLast() && admitted(connection)) {
            reject(connection, new ProtocolException(ErrorCode.BAD_FRAME, "protocol v1 speaks JSON text frames only"));
        }
    }

    private boolean admitted(ChatConnection connection) {
        // live: a change in config-repo applies to the next frame
        int limit = limits.current().maxFramesPerSecond();
        return switch (connection.admit(limit)) {
            case ADMITTED -> true;
            case FIRST_OVER -> {
                badFrames.increment();
                connection.send(ServerFrame.Error.of(
                        ErrorCode.RATE_LIMITED,
                        "at most " + limit + " frames per second; frames over it are dropped",
                        null,
                        true));
                yield false;
            }
            case OVER -> false;
        };
    }

    @Override
    public void handleTransportError(WebSocketSession session, Throwable exception) {
        log.debug("Transport error on {}: {}", session.getId(), exception.toString());
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        ChatConnection connection = connections.remove(session.getId());
        if (connection == null) {
            return;
        }
        connection.following().values().forEach(feeds::unfollow);
        try {
            registry.remove(connection.sessionId(), nodeId);
            messaging.sessionEvent(DomainEvent.of(
                    "DISCONNECTED",
                    connection.sessionId(),
                    connection.userId(),
                    null,
                    null,
                    nodeId,
                    Map.of("sessionId", connection.sessionId(), "closeCode", status.getCode())));
        } catch (RuntimeException e) {
            log.warn("Could not record the end of session {}: {}", connection.sessionId(), e.toString());
        }
    }

    Collection<ChatConnection> connections() {
        return connections.values();
    }

    /** Keeps the registry entries of this node's live connections from expiring. */
    @Scheduled(fixedDelayString = "${streamchat.protocol.registry-renewal:30s}")
    void renewRegistry() {
        connections.values().forEach(connection -> {
            try {
                registry.renew(connection.sessionId());
            } catch (RuntimeException e) {
                log.debug("Could not renew session {}: {}", connection.sessionId(), e.toString());
            }
        });
    }

    private void apply(ChatConnection connection, ClientFrame frame) {
        switch (frame) {
            case ClientFrame.ChatRequest request -> {
                try {
                    chatRequest(connection, request);
                } catch (ProtocolException e) {
                    throw e.forRequest(request.requestId());
                } catch (RuntimeException e) {
                    // Redis not answering, say: nothing was started, the same requestId may be sent again
                    log.error("CHAT_REQUEST {} failed", request.requestId(), e);
                    connection.send(ServerFrame.Error.of(
                                    ErrorCode.INTERNAL, "the request could not be handled; send it again", null, true)
                            .forRequest(request.requestId()));
                }
            }
            case ClientFrame.CancelStream cancel -> cancel(connection, cancel);
            case ClientFrame.Reconnect reconnect -> reconnect(connection, reconnect);
            case ClientFrame.Heartbeat heartbeat -> {
                connection.send(ServerFrame.HeartbeatAck.of());
                registry.heartbeat(connection.sessionId());
            }
        }
    }

    private void chatRequest(ChatConnection connection, ClientFrame.ChatRequest request) {
        String userId = connection.userId();
        int maxAnswers = limits.current().maxStreamsPerUser();
        if (ownership.answersUnderWay(userId) >= maxAnswers) {
            // refused before any row, key or event is written for it
            connection.send(ServerFrame.Error.of(
                            ErrorCode.RATE_LIMITED,
                            "at most " + maxAnswers + " answers at once; ask again when one has ended",
                            null,
                            true)
                    .forRequest(request.requestId()));
            return;
        }
        String conversationId =
                request.conversationId() == null ? UUID.randomUUID().toString() : request.conversationId();
        if (!ownership.claimConversation(conversationId, userId)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "conversation " + conversationId + " is not yours");
        }
        String messageId = UUID.randomUUID().toString();
        var known = ownership.rememberRequest(userId, request.requestId(), messageId, conversationId);
        if (known.isPresent()) {
            // the same request again (a retry): the same answer, followed from its first chunk
            connection.send(ServerFrame.StreamStarted.of(
                    request.requestId(), known.get().id(), known.get().conversationId()));
            follow(connection, known.get().id(), 0, false);
            return;
        }
        Follower follower;
        try (var traced = tracing.messageBaggage(messageId)) {
            ownership.claim(messageId, userId, conversationId);
            // held: no chunk may reach the client before its STREAM_STARTED
            follower = follow(connection, messageId, 0, true, liveLog(messageId));
            messaging.messageEvent(DomainEvent.of(
                    "MESSAGE_CREATED", messageId, userId, conversationId, messageId, nodeId, messagePayload(request)));
            messaging.send(ChatCommand.startStream(
                    messageId,
                    userId,
                    conversationId,
                    request.requestId(),
                    connection.sessionId(),
                    nodeId,
                    request.content(),
                    request.model(),
                    request.options()));
        } catch (RuntimeException e) {
            log.warn("StartStream for message {} not queued: {}", messageId, e.toString());
            stopFollowing(connection, messageId);
            try {
                // so that the same requestId sent again starts the answer instead of following one never queued
                ownership.forgetRequest(userId, request.requestId());
            } catch (RuntimeException redisToo) {
                log.warn("Request {} of {} stays remembered: {}", request.requestId(), userId, redisToo.toString());
            }
            connection.send(ServerFrame.Error.of(
                            ErrorCode.INTERNAL, "the request could not be queued; send it again", messageId, true)
                    .forRequest(request.requestId()));
            return;
        }
        // only once Kafka holds the command: a node dying before this point leaves the client without a message id
        // (it asks again with the same requestId), never with one whose answer nobody will write (the fault suite
        // found clients waiting forever for such answers after a session node was killed)
        connection.send(ServerFrame.StreamStarted.of(request.requestId(), messageId, conversationId));
        follower.release();
    }

    /** The backlog of an answer being written: its hot log only. */
    private Follower.Backlog liveLog(String messageId) {
        return from -> hotLog.read(messageId, from, -1);
    }

    private void cancel(ChatConnection connection, ClientFrame.CancelStream cancel) {
        var owner = ownedBy(connection, cancel.messageId());
        messaging.send(
                ChatCommand.cancelStream(cancel.messageId(), connection.userId(), owner.conversationId(), nodeId));
        log.info("Cancel of message {} queued", cancel.messageId());
    }

    private MessageOwnership.Owner ownedBy(ChatConnection connection, String messageId) {
        var owner = ownership
                .find(messageId)
                .orElseThrow(() -> new ProtocolException(ErrorCode.NOT_FOUND, "no answer " + messageId, messageId));
        if (!connection.userId().equals(owner.id())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "this answer is not yours", messageId);
        }
        return owner;
    }

    /**
     * DESIGN.md section 5: subscribe first (a held follower, cursor at {@code lastChunkIndex + 1}), then the backlog
     * through the same cursor, then the live frames kept meanwhile. The backlog comes from the hot log, read here with
     * the owner in one round trip, while it holds the answer from that index; else from recovery-service (the
     * database). An answer known here to be someone else's is FORBIDDEN; one unknown here is for recovery-service to
     * judge.
     */
    private void reconnect(ChatConnection connection, ClientFrame.Reconnect reconnect) {
        String messageId = reconnect.messageId();
        long retryAfter =
                resumeLimit.admit(connection.userId(), limits.current().maxResumesPerSecond());
        if (retryAfter > 0) {
            badFrames.increment();
            connection.send(ServerFrame.Recovery.rateLimited(messageId, reconnect.lastChunkIndex() + 1, retryAfter));
            return;
        }
        long started = System.nanoTime();
        int from = reconnect.lastChunkIndex() + 1;
        // held: it keeps what is published from here on and sends nothing until the backlog has passed its cursor
        var follower = follow(connection, messageId, from, true);
        HotLogReader.Resume stored;
        try {
            stored = hotLog.resume(messageId, from);
        } catch (RuntimeException e) {
            log.warn("Hot log not read for the resume of message {}: {}", messageId, e.toString());
            stored = null;
        }
        String owner;
        try {
            owner = stored == null
                    ? ownership.find(messageId).map(MessageOwnership.Owner::id).orElse("")
                    : stored.owner().isEmpty() ? stored.logOwner() : stored.owner();
        } catch (RuntimeException e) {
            stopFollowing(connection, messageId);
            throw e;
        }
        if (!owner.isEmpty() && !owner.equals(connection.userId())) {
            stopFollowing(connection, messageId);
            throw new ProtocolException(ErrorCode.FORBIDDEN, "this answer is not yours", messageId);
        }
        if (stored != null && resumeFromHotLog(connection, messageId, from, follower, stored, started)) {
            return;
        }
        try {
            var first = recover(connection, messageId, from - 1);
            if (!first.status().equals("RECOVERED") && !first.status().equals("COMPLETED")) {
                stopFollowing(connection, messageId);
                connection.send(ServerFrame.Recovery.of(messageId, first.status(), from, -1));
                return;
            }
            connection.send(ServerFrame.Recovery.of(messageId, first.status(), from, first.missing()));
            var page = first;
            while (follower.backlog(page.frames()) && page.nextIndex() != null) {
                page = recover(connection, messageId, page.nextIndex() - 1);
            }
            follower.release();
        } catch (HttpClientErrorException.BadRequest e) {
            stopFollowing(connection, messageId);
            throw new ProtocolException(
                    ErrorCode.VALIDATION, "lastChunkIndex is past the end of the answer", messageId);
        } catch (RuntimeException e) {
            log.warn("Recovery of message {} failed: {}", messageId, e.toString());
            stopFollowing(connection, messageId);
            connection.send(ServerFrame.Recovery.of(messageId, "ERROR", from, -1));
        }
    }

    /**
     * Serves a resume from what the hot log returned with the owner, when it holds the answer from {@code from} on:
     * RECOVERY, the backlog through the cursor (the rest of a long one read page by page), then the live frames kept
     * meanwhile. False, with nothing sent, when it does not (never there, expired, or it lost its start when Redis
     * restarted): then recovery-service answers.
     */
    private boolean resumeFromHotLog(
            ChatConnection connection,
            String messageId,
            int from,
            Follower follower,
            HotLogReader.Resume stored,
            long started) {
        if (stored.logOwner().isEmpty()) {
            return false;
        }
        var page = new ArrayList<LogFrame>();
        for (LogFrame frame : stored.frames()) {
            if (frame.index() != from + page.size()) {
                break;
            }
            page.add(frame);
            if (!frame.isChunk()) {
                break;
            }
        }
        Integer total = !page.isEmpty() && !page.getLast().isChunk()
                ? Integer.valueOf(page.getLast().index())
                : stored.totalChunks();
        if (total != null && from > total) {
            stopFollowing(connection, messageId);
            throw new ProtocolException(
                    ErrorCode.VALIDATION, "lastChunkIndex is past the end of the answer", messageId);
        }
        if (page.isEmpty() && (total != null || !stored.frames().isEmpty())) {
            // ended, or written past this index, yet the log holds nothing from it: the database has it
            return false;
        }
        String status = total != null ? "COMPLETED" : "RECOVERED";
        connection.send(ServerFrame.Recovery.of(messageId, status, from, total == null ? -1 : total - from));
        boolean following = follower.backlog(page);
        int last = page.isEmpty() ? from - 1 : page.getLast().index();
        if (following
                && stored.frames().size() == HotLogReader.PAGE
                && page.getLast().isChunk()) {
            var rest = hotLog.read(messageId, last + 1, -1);
            if (!rest.isEmpty()) {
                last = rest.getLast().index();
            }
            follower.backlog(rest);
        }
        follower.release();
        int chunks = (total == null ? last + 1 : Math.min(last + 1, total)) - from;
        announceRecovery(connection, messageId, from, status, chunks, started);
        return true;
    }

    /** A resume served here, as RECOVERED on {@code chat.session.events}: analytics counts it. */
    private void announceRecovery(
            ChatConnection connection, String messageId, int from, String status, int chunks, long started) {
        var payload = new HashMap<String, Object>();
        payload.put("sessionId", connection.sessionId());
        payload.put("fromIndex", from);
        payload.put("status", status);
        payload.put("chunks", chunks);
        payload.put("latencyMicros", (System.nanoTime() - started) / 1000);
        payload.put("tier", "hot-log");
        // recovery-service audits the resumes it did not serve itself by this
        payload.put("servedBy", "session-service");
        try {
            messaging.sessionEvent(DomainEvent.of(
                    "RECOVERED", connection.sessionId(), connection.userId(), null, messageId, nodeId, payload));
        } catch (RuntimeException e) {
            log.warn("RECOVERED of message {} not published: {}", messageId, e.toString());
        }
    }

    private RecoveryClient.Recovery recover(ChatConnection connection, String messageId, int lastChunkIndex) {
        return recovery.recover(connection.bearerToken(), connection.sessionId(), messageId, lastChunkIndex);
    }

    /** The backlog of a resumed answer: the hot log while it has the answer, recovery-service after that. */
    private Follower.Backlog backlog(ChatConnection connection, String messageId) {
        return from -> {
            var frames = hotLog.read(messageId, from, -1);
            boolean fromItsStart = frames.isEmpty() || frames.getFirst().index() == from;
            if (fromItsStart && (!frames.isEmpty() || hotLog.meta(messageId).isPresent())) {
                return frames;
            }
            // gone, or it lost its start (Redis restarted mid-answer): recovery-service asks the database
            return recover(connection, messageId, from - 1).frames();
        };
    }

    private void stopFollowing(ChatConnection connection, String messageId) {
        var follower = connection.following().remove(messageId);
        if (follower != null) {
            feeds.unfollow(follower);
        }
    }

    private Follower follow(ChatConnection connection, String messageId, int next, boolean held) {
        return follow(connection, messageId, next, held, backlog(connection, messageId));
    }

    private Follower follow(
            ChatConnection connection, String messageId, int next, boolean held, Follower.Backlog heldBacklog) {
        stopFollowing(connection, messageId);
        var sink = new FrameSink() {
            @Override
            public boolean send(ServerFrame frame) {
                boolean sent = connection.send(frame);
                if (sent && frame instanceof ServerFrame.Chunk) {
                    chunksSent.increment();
                }
                if (frame instanceof ServerFrame.Complete || frame instanceof ServerFrame.Error) {
                    connection.following().remove(messageId);
                }
                return sent;
            }

            @Override
            public boolean sendChunks(String messageId, List<LogFrame> chunks) {
                boolean sent = connection.sendChunks(messageId, chunks);
                if (sent) {
                    chunksSent.increment(chunks.size());
                }
                return sent;
            }

            @Override
            public boolean stalled() {
                return connection.stalled();
            }

            @Override
            public void closeAsSlow() {
                connection.closeAsSlow();
            }
        };
        var follower = held ? feeds.hold(messageId, next, sink, heldBacklog) : feeds.follow(messageId, next, sink);
        connection.following().put(messageId, follower);
        return follower;
    }

    private void reject(ChatConnection connection, ProtocolException e) {
        badFrames.increment();
        connection.send(ServerFrame.Error.of(e.code(), e.getMessage(), e.messageId(), false)
                .forRequest(e.requestId()));
    }

    private static Map<String, Object> messagePayload(ClientFrame.ChatRequest request) {
        var payload = new HashMap<String, Object>();
        payload.put("role", "user");
        payload.put("requestId", request.requestId());
        payload.put("content", request.content());
        if (request.model() != null) {
            payload.put("model", request.model());
        }
        return payload;
    }

    private static String requestedSessionId(WebSocketSession session) {
        String requested = session.getUri() == null
                ? null
                : UriComponentsBuilder.fromUri(session.getUri())
                        .build()
                        .getQueryParams()
                        .getFirst("sessionId");
        return requested != null && SESSION_ID.matcher(requested).matches()
                ? requested
                : UUID.randomUUID().toString();
    }

    private static void closeQuietly(WebSocketSession session, CloseStatus status) {
        try {
            session.close(status);
        } catch (Exception e) {
            log.debug("Close failed: {}", e.toString());
        }
    }
}
