package dev.streamchat.orchestrator.event;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Consecutive chunks of one answer gathered into one {@code CHUNKS_APPENDED} event: {@code {fromIndex, chunks:
 * [{content, chunkType, emittedAtMicros}, ...]}}, the chunk at position {@code i} of the list being index
 * {@code fromIndex + i}. The broker, persistence-service and PostgreSQL then pay per batch what they paid per chunk.
 * A batch is handed to its sender when it is full (chunks or characters) and when its owner {@linkplain #flush
 * flushes} it. Not thread-safe: its generation's lock guards it.
 */
public final class ChunkBatch {

    private final int maxChunks;
    private final int maxChars;
    private final BiConsumer<Integer, Map<String, Object>> sender;
    private final List<Map<String, Object>> chunks = new ArrayList<>();
    private int fromIndex;
    private int chars;

    ChunkBatch(int maxChunks, int maxChars, BiConsumer<Integer, Map<String, Object>> sender) {
        this.maxChunks = maxChunks;
        this.maxChars = maxChars;
        this.sender = sender;
    }

    /** Adds the chunk at {@code index}, which must follow the last one added. */
    public void add(int index, String content, String chunkType, long emittedAtMicros) {
        if (!chunks.isEmpty() && chars + content.length() > maxChars) {
            flush();
        }
        if (chunks.isEmpty()) {
            fromIndex = index;
        } else if (index != fromIndex + chunks.size()) {
            throw new IllegalArgumentException(
                    "chunk " + index + " does not follow chunk " + (fromIndex + chunks.size() - 1));
        }
        var chunk = new LinkedHashMap<String, Object>(4);
        chunk.put("content", content);
        chunk.put("chunkType", chunkType);
        chunk.put("emittedAtMicros", emittedAtMicros);
        chunks.add(chunk);
        chars += content.length();
        if (chunks.size() >= maxChunks || chars >= maxChars) {
            flush();
        }
    }

    public boolean isEmpty() {
        return chunks.isEmpty();
    }

    /** Hands what the batch holds to its sender (the index of its first chunk and the event's payload), if anything. */
    public void flush() {
        if (chunks.isEmpty()) {
            return;
        }
        var payload = new LinkedHashMap<String, Object>(2);
        payload.put("fromIndex", fromIndex);
        payload.put("chunks", List.copyOf(chunks));
        chunks.clear();
        chars = 0;
        sender.accept(fromIndex, payload);
    }
}
