package dev.streamchat.session.answer;

import io.micrometer.tracing.BaggageInScope;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;

/** Names an answer in the current span and its baggage: from there on, Kafka headers and log lines carry it. */
public final class AnswerTrace {

    private AnswerTrace() {}

    public static BaggageInScope name(Tracer tracer, String messageId) {
        Span current = tracer.currentSpan();
        if (current != null) {
            current.tag("messageId", messageId);
        }
        return tracer.createBaggageInScope("messageId", messageId);
    }
}
