package dev.streamchat.orchestrator.generation;

/** The states of a row of {@code stream_sessions}. */
enum GenerationStatus {
    STREAMING,
    COMPLETED,
    FAILED,
    CANCELLED,
    INTERRUPTED
}
