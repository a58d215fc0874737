package dev.streamchat.session.connection;

import dev.streamchat.session.answer.AnswerFollowing;
import dev.streamchat.session.answer.SessionNode;
import dev.streamchat.session.delivery.LiveLateness;
import dev.streamchat.session.messaging.ChatMessaging;
import dev.streamchat.session.messaging.DomainEvent;
import dev.streamchat.session.protocol.ProtocolLimits;
import dev.streamchat.session.protocol.ProtocolProperties;
import dev.streamchat.session.protocol.ServerFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import tools.jackson.databind.json.JsonMapper;

/**
 * The connections of this node, from the handshake to the close: each in the registry while it lives, announced with
 * CONNECTED and DISCONNECTED, and its answers unfollowed and its calls to other services stopped when it goes.
 */
@Component
class Connections {

    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    private final Map<String, ChatConnection> open = new ConcurrentHashMap<>();
    private final ConnectionRegistry registry;
    private final ChatMessaging messaging;
    private final AnswerFollowing following;
    private final ProtocolProperties properties;
    private final ProtocolLimits limits;
    private final JsonMapper json;
    private final SessionNode node;
    private final Counter closedAsSlow;
    private final LiveLateness lateness;

    Connections(
            ConnectionRegistry registry,
            ChatMessaging messaging,
            AnswerFollowing following,
            ProtocolProperties properties,
            ProtocolLimits limits,
            JsonMapper json,
            SessionNode node,
            LiveLateness lateness,
            MeterRegistry meters) {
        this.registry = registry;
        this.messaging = messaging;
        this.following = following;
        this.properties = properties;
        this.limits = limits;
        this.json = json;
        this.node = node;
        this.lateness = lateness;
        this.closedAsSlow = meters.counter("streamchat.connections.closed.slow");
        meters.gauge("streamchat.connections.active", open, Map::size);
    }

    /**
     * A connection for an authenticated handshake, registered and welcomed; null, with the connection closed, for
     * one without a token.
     */
    @Nullable
    ChatConnection open(WebSocketSession session, String sessionId) {
        if (!(session.getPrincipal() instanceof JwtAuthenticationToken token)) {
            try {
                session.close(CloseStatus.POLICY_VIOLATION.withReason("UNAUTHORIZED"));
            } catch (Exception e) {
                log.debug("Close failed: {}", e.toString());
            }
            return null;
        }
        String userId = token.getName();
        var current = limits.current();
        var connection = new ChatConnection(
                session,
                sessionId,
                userId,
                token.getToken().getTokenValue(),
                FrameTracing.handshakeContext(session.getAttributes()),
                json,
                (int) current.sendTimeLimit().toMillis(),
                current.sendBufferBytes(),
                ServerFrame.V2.equals(session.getAcceptedProtocol()) ? 2 : 1,
                properties.maxChunksFrameBytes(),
                closedAsSlow,
                lateness);
        ChatConnection previous = open.put(session.getId(), connection);
        if (previous != null) {
            previous.close(CloseStatus.POLICY_VIOLATION);
        }
        try {
            registry.register(sessionId, userId, node.id());
        } catch (RuntimeException e) {
            log.warn("Could not register session {}: {}", sessionId, e.toString());
        }
        // after registering: a client that has WELCOME is in the registry
        connection.send(ServerFrame.Welcome.of(sessionId, userId, node.id(), connection.protocolVersion()));
        try {
            messaging.sessionEvent(DomainEvent.of(
                    "CONNECTED", sessionId, userId, null, null, node.id(), Map.of("sessionId", sessionId)));
        } catch (RuntimeException e) {
            log.warn("Could not send the CONNECTED event of session {}: {}", sessionId, e.toString());
        }
        return connection;
    }

    @Nullable
    ChatConnection get(WebSocketSession session) {
        return open.get(session.getId());
    }

    /** The connection has closed: what it followed and what it waits for stop, and it leaves the registry. */
    void closed(WebSocketSession session, CloseStatus status) {
        ChatConnection connection = open.remove(session.getId());
        if (connection == null) {
            return;
        }
        connection.closed();
        following.stopAll(connection);
        try {
            registry.remove(connection.sessionId(), node.id());
            messaging.sessionEvent(DomainEvent.of(
                    "DISCONNECTED",
                    connection.sessionId(),
                    connection.userId(),
                    null,
                    null,
                    node.id(),
                    Map.of("sessionId", connection.sessionId(), "closeCode", status.getCode())));
        } catch (RuntimeException e) {
            log.warn("Could not record the end of session {}: {}", connection.sessionId(), e.toString());
        }
    }

    Collection<ChatConnection> all() {
        return open.values();
    }

    /** Keeps the registry entries of this node's live connections from expiring. */
    @Scheduled(fixedDelayString = "${streamchat.protocol.registry-renewal:30s}")
    void renewRegistry() {
        open.values().forEach(connection -> {
            try {
                registry.renew(connection.sessionId());
            } catch (RuntimeException e) {
                log.debug("Could not renew session {}: {}", connection.sessionId(), e.toString());
            }
        });
    }
}
