package dev.streamchat.bench.client;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What a run of streams measured, shared by its clients: latencies in nanoseconds (HdrHistogram, 3 significant
 * digits), the counts of the resume invariant, and the clock readings that bound the run.
 */
public final class Measurements {

    /** Emit (orchestrator) to receive (client), for chunks received live, in ns (µs resolution: the wall clock). */
    public final Histogram chunkLatency = histogram();
    /** CHAT_REQUEST sent to first CHUNK received. */
    public final Histogram firstChunk = histogram();
    /** New connection opened to the first missing chunk received, per resume. */
    public final Histogram resume = histogram();
    /** RECONNECT sent to the first missing chunk received, per resume. */
    public final Histogram reconnectToChunk = histogram();

    /** CHAT_REQUEST sent to its refusal (a retryable ERROR with the request's id), per refusal. */
    public final Histogram refusal = histogram();

    public final AtomicLong chunks = new AtomicLong();
    public final AtomicLong missing = new AtomicLong();
    public final AtomicLong duplicates = new AtomicLong();
    public final AtomicLong violations = new AtomicLong();
    public final AtomicLong exactStreams = new AtomicLong();
    public final AtomicLong streams = new AtomicLong();
    public final AtomicLong resumes = new AtomicLong();
    public final AtomicLong resumesOnAnotherNode = new AtomicLong();
    public final AtomicLong unplannedResumes = new AtomicLong();
    /** RECOVERY answers with status ERROR that the client asked again. */
    public final AtomicLong recoveryRetries = new AtomicLong();
    /** CHAT_REQUESTs refused as retryable (ERROR with the request's id) and sent again. */
    public final AtomicLong requestRetries = new AtomicLong();
    /** Answers that ended as INTERRUPTED (their generator died), where the run expected it. */
    public final AtomicLong interrupted = new AtomicLong();
    /** ERROR frames about something else than the answer (answers to hostile frames). */
    public final AtomicLong protocolErrors = new AtomicLong();

    public final LongAccumulator firstRequestNanos = new LongAccumulator(Math::min, Long.MAX_VALUE);
    /** The longest wait of any client between two chunks of its answer (a stall the client saw), in ns. */
    public final LongAccumulator longestStallNanos = new LongAccumulator(Math::max, 0);

    public final LongAccumulator lastTerminalNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
    public final LongAccumulator lastTerminalMicros = new LongAccumulator(Math::max, Long.MIN_VALUE);
    /** When the last resume got its first missing chunk. */
    public final LongAccumulator lastResumedNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);

    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    private static Histogram histogram() {
        // auto-resizing: a stall of minutes is recorded as it is, not clipped
        return new ConcurrentHistogram(3);
    }

    public void fail(String failure) {
        failures.add(failure);
    }

    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Wall time from the first request to the last terminal frame, in seconds. */
    public double seconds() {
        long from = firstRequestNanos.get();
        long to = lastTerminalNanos.get();
        return from == Long.MAX_VALUE || to == Long.MIN_VALUE ? 0 : (to - from) / 1e9;
    }

    /** Chunks received per second over {@link #seconds()}. */
    public double chunksPerSecond() {
        double seconds = seconds();
        return seconds == 0 ? 0 : chunks.get() / seconds;
    }
}
