package dev.streamchat.gateway.routing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import java.util.Optional;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * Carries the trace of the request the gateway received to the service it forwards it to, on every route, WebSocket
 * handshakes included. It replaces the gateway's own per-route client observation (switched off in config-repo): that
 * one is stopped by a response filter WebSocket routes never run, so its span was never reported and the session
 * node's spans pointed at a parent Zipkin never got.
 */
@Component
class TraceContextHeaders implements HttpHeadersFilter {

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
        if (server.isEmpty()) {
            return input;
        }
        HttpHeaders headers = HttpHeaders.copyOf(input);
        propagator.inject(server.get().context(), headers, (carrier, key, value) -> carrier.set(key, value));
        return headers;
    }

    @Override
    public boolean supports(Type type) {
        return type == Type.REQUEST;
    }
}
