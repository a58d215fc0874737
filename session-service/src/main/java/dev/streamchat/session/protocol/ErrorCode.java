package dev.streamchat.session.protocol;

/** The error codes of protocol v1 (DESIGN.md section 4). */
public enum ErrorCode {
    BAD_FRAME,
    UNKNOWN_TYPE,
    VALIDATION,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    RATE_LIMITED,
    CAPACITY,
    PROVIDER_UNAVAILABLE,
    TIMEOUT,
    INTERRUPTED,
    INTERNAL
}
