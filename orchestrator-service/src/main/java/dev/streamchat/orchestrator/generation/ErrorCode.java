package dev.streamchat.orchestrator.generation;

/**
 * How an answer can fail: the {@code code} of its terminal {@code ERROR} entry, of its {@code STREAM_FAILED} or
 * {@code STREAM_INTERRUPTED} event and of its row (the client protocol's error codes, DESIGN.md section 4).
 */
public enum ErrorCode {
    /** The request is wrong: an unknown model, options out of range, a request the provider refused. */
    VALIDATION,
    /** The user has as many answers under way as allowed. */
    RATE_LIMITED,
    /** This instance runs as many answers as it may. */
    CAPACITY,
    /** The provider failed, or its circuit breaker is open. */
    PROVIDER_UNAVAILABLE,
    /** The model was silent too long, or the answer took longer than allowed. */
    TIMEOUT,
    /** The instance that ran the answer stopped; a lease sweeper ended it. */
    INTERRUPTED,
    /** The system failed (the hot log did not take the answer, the start failed). */
    INTERNAL
}
