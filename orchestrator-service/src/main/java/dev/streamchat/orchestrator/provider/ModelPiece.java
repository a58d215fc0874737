package dev.streamchat.orchestrator.provider;

import org.jspecify.annotations.Nullable;

/**
 * One streamed piece of a model's answer, as read from a Spring AI {@code ChatResponse}: text (may be empty on the
 * pieces that only carry the finish reason or the usage), its type, and what the provider says at the end.
 */
public record ModelPiece(
        String text,
        ChunkType type,
        @Nullable String finishReason,
        @Nullable Integer completionTokens) {}
