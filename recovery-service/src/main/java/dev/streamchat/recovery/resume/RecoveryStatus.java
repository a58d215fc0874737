package dev.streamchat.recovery.resume;

/** DESIGN.md section 4. */
public enum RecoveryStatus {
    /** The chunks after the client's index that exist so far; the answer is still streaming (or its end not yet stored). */
    RECOVERED,
    /** The rest of an ended answer, up to and including its terminal entry, from a tier that holds all of it. */
    COMPLETED,
    /** No such answer for this caller. */
    NOT_FOUND,
    /** The answer existed (its owner is known) but no tier holds it any more. */
    EXPIRED,
    /** The tiers could not be asked (Redis and persistence-service both failing); try again. */
    ERROR
}
