package dev.streamchat.session.connection;

import dev.streamchat.session.answer.AnswerCancels;
import dev.streamchat.session.answer.AnswerRequests;
import dev.streamchat.session.answer.AnswerResumes;
import dev.streamchat.session.protocol.ClientFrame;
import dev.streamchat.session.protocol.ErrorCode;
import dev.streamchat.session.protocol.FrameReader;
import dev.streamchat.session.protocol.ProtocolException;
import dev.streamchat.session.protocol.ProtocolLimits;
import dev.streamchat.session.protocol.ProtocolProperties;
import dev.streamchat.session.protocol.ServerFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code /ws/chat}: puts each client frame together, holds it to the connection's frame rate, reads it and hands it to
 * its use case (request, cancel, resume) in the frame's span. Every bad frame is answered with an ERROR and changes
 * nothing; the connection stays open. Handlers run on virtual threads (Tomcat's, with
 * {@code spring.threads.virtual.enabled}).
 */
@Component
class ChatWebSocketHandler extends AbstractWebSocketHandler {

    private static final Logger log = LoggerFactory.getLogger(ChatWebSocketHandler.class);
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{8,128}");

    private final Connections connections;
    private final FrameReader frames;
    private final FrameTracing tracing;
    private final AnswerRequests requests;
    private final AnswerCancels cancels;
    private final AnswerResumes resumes;
    private final ConnectionRegistry registry;
    private final ProtocolProperties properties;
    private final ProtocolLimits limits;
    private final Counter badFrames;

    ChatWebSocketHandler(
            Connections connections,
            FrameReader frames,
            FrameTracing tracing,
            AnswerRequests requests,
            AnswerCancels cancels,
            AnswerResumes resumes,
            ConnectionRegistry registry,
            ProtocolProperties properties,
            ProtocolLimits limits,
            MeterRegistry meters) {
        this.connections = connections;
        this.frames = frames;
        this.tracing = tracing;
        this.requests = requests;
        this.cancels = cancels;
        this.resumes = resumes;
        this.registry = registry;
        this.properties = properties;
        this.limits = limits;
        this.badFrames = meters.counter("streamchat.frames.rejected");
    }

    @Override
    public boolean supportsPartialMessages() {
        return true;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) {
        connections.open(session, requestedSessionId(session));
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        ChatConnection connection = connections.get(session);
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
        ChatConnection connection = connections.get(session);
        if (connection != null && message.isLast() && admitted(connection)) {
            reject(connection, new ProtocolException(ErrorCode.BAD_FRAME, "protocol v1 speaks JSON text frames only"));
        }
    }

    @Override
    public void handleTransportError(WebSocketSession session, Throwable exception) {
        log.debug("Transport error on {}: {}", session.getId(), exception.toString());
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        connections.closed(session, status);
    }

    private void apply(ChatConnection connection, ClientFrame frame) {
        switch (frame) {
            case ClientFrame.ChatRequest request -> requests.request(connection, request);
            case ClientFrame.CancelStream cancel -> cancels.cancel(connection, cancel);
            case ClientFrame.Reconnect reconnect -> resumes.resume(connection, reconnect);
            case ClientFrame.Heartbeat heartbeat -> {
                connection.send(ServerFrame.HeartbeatAck.of());
                registry.heartbeat(connection.sessionId());
            }
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

    private void reject(ChatConnection connection, ProtocolException e) {
        badFrames.increment();
        connection.send(ServerFrame.Error.of(e.code(), e.getMessage(), e.messageId(), false)
                .forRequest(e.requestId()));
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
}
