package dev.streamchat.orchestrator.generation;

import dev.streamchat.orchestrator.provider.ChunkType;
import dev.streamchat.orchestrator.provider.ModelPiece;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * Turns a provider's pieces into chunks: pieces arriving within the coalescing window join into one chunk while they
 * share a type, and no chunk is longer than the limit (longer text is split, never across a surrogate pair).
 */
final class Chunking {

    private static final int MAX_PIECES_PER_WINDOW = 4096;

    private Chunking() {}

    static Flux<ModelPiece> chunks(Flux<ModelPiece> pieces, Duration window, int maxChars) {
        Flux<ModelPiece> storable = pieces.map(Chunking::storable);
        if (window.isZero() || window.isNegative()) {
            return storable.concatMapIterable(piece -> split(piece, maxChars));
        }
        return storable.bufferTimeout(MAX_PIECES_PER_WINDOW, window)
                .concatMapIterable(batch -> coalesce(batch, maxChars));
    }

    /**
     * A NUL character from the model becomes U+FFFD before its chunk gets an index: PostgreSQL's text cannot hold NUL,
     * so the hot log, the clients and the database all hold the same text.
     */
    static ModelPiece storable(ModelPiece piece) {
        if (piece.text().indexOf('\u0000') < 0) {
            return piece;
        }
        return new ModelPiece(
                piece.text().replace('\u0000', '\uFFFD'), piece.type(), piece.finishReason(), piece.completionTokens());
    }

    static List<ModelPiece> coalesce(List<ModelPiece> batch, int maxChars) {
        var chunks = new ArrayList<ModelPiece>();
        StringBuilder text = new StringBuilder();
        ChunkType type = null;
        for (ModelPiece piece : batch) {
            if (type != null && piece.type() != type) {
                chunks.addAll(split(new ModelPiece(text.toString(), type, null, null), maxChars));
                text.setLength(0);
            }
            type = piece.type();
            text.append(piece.text());
        }
        if (type != null && !text.isEmpty()) {
            chunks.addAll(split(new ModelPiece(text.toString(), type, null, null), maxChars));
        }
        return chunks;
    }

    static List<ModelPiece> split(ModelPiece piece, int maxChars) {
        String text = piece.text();
        if (text.length() <= maxChars) {
            return List.of(piece);
        }
        var parts = new ArrayList<ModelPiece>();
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(start + maxChars, text.length());
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            parts.add(new ModelPiece(text.substring(start, end), piece.type(), null, null));
            start = end;
        }
        return parts;
    }
}
