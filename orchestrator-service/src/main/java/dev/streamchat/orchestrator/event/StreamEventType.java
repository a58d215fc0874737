package dev.streamchat.orchestrator.event;

/** The event types of {@code chat.stream.events}. */
public enum StreamEventType {
    STREAM_STARTED,
    CHUNK_RECEIVED,
    STREAM_COMPLETED,
    STREAM_FAILED,
    STREAM_CANCELLED,
    STREAM_INTERRUPTED
}
