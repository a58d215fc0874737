package dev.streamchat.gateway.routing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * Carries the trace of the request the gateway received to the service it forwards it to, on every route, WebSocket
 * handshakes included. It replaces the gateway's own per-route client observation (switched off in config-repo): that
 * one is stopped by a response filter WebSocket routes never run, so its span was never reported and the session
 * node's spans pointed at a parent Zipkin never got. The user id in the baggage it passes on is the token's subject.
 */
@Component
class TraceContextHeaders implements HttpHeadersFilter {

    static final String USER_ID = TraceContextHeaders.class.getName() + ".userId";
    private static final String BAGGAGE = "baggage";
    private static final String USER_FIELD = "userId";

    private final Propagator propagator;

    TraceContextHeaders(Propagator propagator) {
        this.propagator = propagator;
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        Optional<Span> server = ServerRequestObservationContext.findCurrent(exchange.getAttributes())
                .map(context -> context.<TracingObservationHandler.TracingContext>get(
                        TracingObservationHandler.TracingContext.class))
                .map(TracingObservationHandler.TracingContext::getSpan);
        HttpHeaders headers = HttpHeaders.copyOf(input);
        server.ifPresent(
                span -> propagator.inject(span.context(), headers, (carrier, key, value) -> carrier.set(key, value)));
        withUserFromToken(headers, exchange.getAttribute(USER_ID));
        return headers;
    }

    /**
     * The {@code userId} entry of the W3C {@code baggage} header, which every service puts in its log lines, is the
     * token's subject, never what the client sent: the client's own entry is dropped, and the authenticated user's
     * set (none for an anonymous request).
     */
    static void withUserFromToken(HttpHeaders headers, @Nullable String userId) {
        var entries = new ArrayList<String>();
        for (String header : headers.getOrEmpty(BAGGAGE)) {
            for (String entry : header.split(",")) {
                String name = entry.split("=", 2)[0].strip();
                if (!entry.isBlank() && !name.equalsIgnoreCase(USER_FIELD)) {
                    entries.add(entry.strip());
                }
            }
        }
        if (userId != null) {
            // percent-encoded, as W3C baggage values are
            entries.add(USER_FIELD + "="
                    + URLEncoder.encode(userId, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        if (entries.isEmpty()) {
            headers.remove(BAGGAGE);
        } else {
            headers.set(BAGGAGE, String.join(",", entries));
        }
    }

    @Override
    public boolean supports(Type type) {
        return type == Type.REQUEST;
    }
}
