package dev.streamchat.bench.client;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A client that comes back for an answer it held up to {@code lastChunkIndex}: opens a connection, sends
 * {@code RECONNECT}, reads the rest to the terminal frame and checks it is exactly the rest.
 */
public final class OneResume implements ChatSocket.Handler {

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final AtomicLong firstChunkNanos = new AtomicLong();

    /** What one resume took, in ns, and where the rest came from. */
    public record Timing(long openToChunkNanos, long reconnectToChunkNanos) {}

    /**
     * Resumes once; records into {@code measured} (resume histograms, counts), returns the timing. A RECOVERY with
     * status ERROR (retryable: a tier did not answer in time) is asked again after a short pause, as a client would,
     * and counted; the time is still measured from the first connection.
     */
    public static Timing resume(
            Endpoint endpoint, String token, String messageId, int lastChunkIndex, int chunks, Measurements measured) {
        long opened = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(endpoint, token, messageId, lastChunkIndex, chunks, measured, opened);
            } catch (RetryableRecovery e) {
                measured.recoveryRetries.incrementAndGet();
                if (attempt == 5) {
                    throw new IllegalStateException("resuming " + messageId + ": " + e.getMessage());
                }
                Pause.sleep(200L * attempt);
            }
        }
    }

    private static final class RetryableRecovery extends RuntimeException {
        RetryableRecovery(String message) {
            super(message, null, false, false);
        }
    }

    private static Timing attempt(
            Endpoint endpoint,
            String token,
            String messageId,
            int lastChunkIndex,
            int chunks,
            Measurements measured,
            long opened) {
        var handler = new OneResume();
        ChatSocket socket = endpoint.connect(token, handler, null);
        try {
            long sent = System.nanoTime();
            socket.send(Map.of("type", "RECONNECT", "messageId", messageId, "lastChunkIndex", lastChunkIndex));
            int next = lastChunkIndex + 1;
            long firstAt = 0;
            while (true) {
                JsonNode frame = handler.frames.poll(30, TimeUnit.SECONDS);
                if (frame == null) {
                    throw new IllegalStateException("no frame for 30 s resuming " + messageId + " at " + next);
                }
                String type = frame.path("type").asString();
                if (type.equals("RECOVERY")) {
                    if ("ERROR".equals(frame.path("status").asString())) {
                        throw new RetryableRecovery(frame.toString());
                    }
                    if (frame.path("fromIndex").asInt() != lastChunkIndex + 1) {
                        measured.violations.incrementAndGet();
                    }
                } else if (type.equals("CHUNK")) {
                    if (firstAt == 0) {
                        firstAt = handler.firstChunkNanos.get();
                    }
                    int index = frame.path("index").asInt();
                    if (index < next) {
                        measured.duplicates.incrementAndGet();
                    } else {
                        measured.missing.addAndGet(index - next);
                        next = index + 1;
                        measured.chunks.incrementAndGet();
                    }
                } else if (type.equals("COMPLETE")) {
                    measured.missing.addAndGet(chunks - next);
                    break;
                } else {
                    throw new IllegalStateException("resuming " + messageId + ": " + frame);
                }
            }
            measured.resumes.incrementAndGet();
            measured.resume.recordValue(firstAt - opened);
            measured.reconnectToChunk.recordValue(firstAt - sent);
            return new Timing(firstAt - opened, firstAt - sent);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            socket.close();
        }
    }

    @Override
    public void onFrame(ChatSocket socket, JsonNode frame, long receivedMicros, long receivedNanos) {
        if ("CHUNK".equals(frame.path("type").asString())) {
            firstChunkNanos.compareAndSet(0, receivedNanos);
        }
        frames.add(frame);
    }

    @Override
    public void onClosed(ChatSocket socket, int code, @Nullable Throwable error) {}
}
