package dev.streamchat.recovery.resume;

import org.jspecify.annotations.Nullable;

/** {@code POST /api/recovery}: the client holds chunks {@code 0..lastChunkIndex} of the answer ({@code -1}: none). */
public record RecoveryRequest(
        @Nullable String sessionId,
        @Nullable String messageId,
        @Nullable Integer lastChunkIndex) {

    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** Throws {@link IllegalArgumentException} naming the first bad field. */
    void validate() {
        if (sessionId == null || !ID.matcher(sessionId).matches()) {
            throw new IllegalArgumentException("sessionId must be 1 to 128 letters, digits or ._:-");
        }
        if (messageId == null || !ID.matcher(messageId).matches()) {
            throw new IllegalArgumentException("messageId must be 1 to 128 letters, digits or ._:-");
        }
        // below the largest int, so that the index after it is one too
        if (lastChunkIndex == null || lastChunkIndex < -1 || lastChunkIndex == Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "lastChunkIndex must be -1 (nothing received) to " + (Integer.MAX_VALUE - 1));
        }
    }
}
