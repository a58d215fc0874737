package dev.streamchat.session.connection;

import dev.streamchat.session.answer.AnswerTrace;
import dev.streamchat.session.protocol.ClientFrame;
import io.micrometer.tracing.BaggageInScope;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

/**
 * A span per client frame that does something (CHAT_REQUEST, RECONNECT, CANCEL_STREAM), a child of the handshake's
 * trace, so that an answer's trace runs from the gateway through this node into Kafka and the services behind it. The
 * frame's session, user and message go along as baggage (into Kafka headers and every log line).
 */
@Component
class FrameTracing {

    private static final String PARENT = FrameTracing.class.getName() + ".parent";

    private final Tracer tracer;

    FrameTracing(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Keeps the handshake request's trace context with the connection. */
    HandshakeInterceptor handshakeInterceptor() {
        return new HandshakeInterceptor() {
            @Override
            public boolean beforeHandshake(
                    ServerHttpRequest request,
                    ServerHttpResponse response,
                    WebSocketHandler handler,
                    Map<String, Object> attributes) {
                Span current = tracer.currentSpan();
                if (current != null) {
                    attributes.put(PARENT, current.context());
                }
                return true;
            }

            @Override
            public void afterHandshake(
                    ServerHttpRequest request,
                    ServerHttpResponse response,
                    WebSocketHandler handler,
                    @Nullable Exception exception) {}
        };
    }

    static @Nullable TraceContext handshakeContext(Map<String, Object> attributes) {
        return attributes.get(PARENT) instanceof TraceContext context ? context : null;
    }

    /** Runs the frame's work in its own span (heartbeats run without one). */
    void run(ChatConnection connection, ClientFrame frame, Runnable work) {
        String type = frame.getClass().getSimpleName();
        if (frame instanceof ClientFrame.Heartbeat) {
            work.run();
            return;
        }
        var builder = tracer.spanBuilder().name("ws " + type).kind(Span.Kind.SERVER);
        if (connection.traceParent() != null) {
            builder.setParent(connection.traceParent());
        }
        Span span = builder.tag("ws.frame", type)
                .tag("sessionId", connection.sessionId())
                .start();
        String messageId = switch (frame) {
            case ClientFrame.Reconnect reconnect -> reconnect.messageId();
            case ClientFrame.CancelStream cancel -> cancel.messageId();
            default -> null;
        };
        try (Tracer.SpanInScope scope = tracer.withSpan(span);
                BaggageInScope session = tracer.createBaggageInScope("sessionId", connection.sessionId());
                BaggageInScope user = tracer.createBaggageInScope("userId", connection.userId())) {
            if (messageId != null) {
                try (BaggageInScope message = AnswerTrace.name(tracer, messageId)) {
                    work.run();
                }
            } else {
                work.run();
            }
        } catch (RuntimeException e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }
}
