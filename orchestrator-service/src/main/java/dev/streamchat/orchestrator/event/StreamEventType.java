package dev.streamchat.orchestrator.event;

/** The event types of {@code chat.stream.events} and, for {@link #CHUNKS_APPENDED}, of {@code chat.stream.chunks}. */
public enum StreamEventType {
    STREAM_STARTED,
    CHUNKS_APPENDED,
    STREAM_COMPLETED,
    STREAM_FAILED,
    STREAM_CANCELLED,
    STREAM_INTERRUPTED
}
