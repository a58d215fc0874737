package dev.streamchat.bench.client;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One client following one answer, meant for a virtual thread of its own: asks, reads every frame until the terminal
 * one, drops its connection at the planned chunk and resumes on another node with {@code RECONNECT}, resumes the same
 * way when the server side goes away, and records what it saw in the shared {@link Measurements}. It checks the resume
 * invariant as it reads: every index once, in order, then one terminal frame.
 */
public final class StreamClient implements ChatSocket.Handler {

    /** What one stream asks for and how its client behaves. */
    public record Plan(
            String token,
            int chunks,
            int chunkIntervalMs,
            int dropAfterChunk,
            boolean measureLiveLatency,
            Duration frameTimeout,
            boolean interruptionExpected) {

        public static final int NO_DROP = -1;

        public Plan(String token, int chunks, int chunkIntervalMs, int dropAfterChunk, boolean live, Duration timeout) {
            this(token, chunks, chunkIntervalMs, dropAfterChunk, live, timeout, false);
        }
    }

    /** A frame, stamped when it arrived, and the connection it came on. */
    private record Received(ChatSocket from, JsonNode frame, long micros, long nanos) {}

    /** The connection went away (not by this client's own drop). */
    private record Closed(ChatSocket from) {}

    private final Endpoint endpoint;
    private final Plan plan;
    private final Measurements measurements;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private volatile @Nullable ChatSocket socket;
    private @Nullable String messageId;
    private int next;
    private boolean resuming;
    private long resumeOpenedNanos;
    private long reconnectSentNanos;
    private @Nullable JsonNode terminal;
    private int ownMissing;
    private int ownDuplicates;
    private boolean unplanned;
    private int recoveryRetries;
    private int requestRetries;
    private long askedNanos;
    private long firstRefusedNanos;
    private final String requestId = "r-" + UUID.randomUUID();
    private final String content = "benchmark " + UUID.randomUUID();
    private volatile long recoveredAtNanos;
    private boolean askedAgain;
    private long lastChunkNanos;

    public StreamClient(Endpoint endpoint, Plan plan, Measurements measurements) {
        this.endpoint = endpoint;
        this.plan = plan;
        this.measurements = measurements;
    }

    /** The answer's message id once STREAM_STARTED arrived. */
    public @Nullable String messageId() {
        return messageId;
    }

    public @Nullable JsonNode terminal() {
        return terminal;
    }

    /** The node this client is on now. */
    public String nodeId() {
        ChatSocket current = socket;
        return current == null ? "" : current.nodeId();
    }

    /** Runs the stream to its end; failures are recorded in the measurements, never thrown. */
    public void run() {
        measurements.streams.incrementAndGet();
        try {
            socket = endpoint.connect(plan.token(), this, null);
            long sent = System.nanoTime();
            measurements.firstRequestNanos.accumulate(sent);
            ask();
            boolean firstChunk = true;
            while (terminal == null) {
                Object item = inbox.poll(plan.frameTimeout().toMillis(), TimeUnit.MILLISECONDS);
                if (item == null) {
                    throw new IllegalStateException("no frame for " + plan.frameTimeout() + " (next index " + next
                            + ", message " + messageId + ")");
                }
                if (item instanceof Closed closed) {
                    if (closed.from() == socket) {
                        measurements.unplannedResumes.incrementAndGet();
                        unplanned = true;
                        if (messageId == null) {
                            askAgain();
                        } else {
                            resume(false);
                        }
                    }
                    continue;
                }
                var received = (Received) item;
                if (received.from() != socket) {
                    // from a connection this client has left: whatever it still had in flight is not part of the run
                    continue;
                }
                JsonNode frame = received.frame();
                switch (frame.path("type").asString()) {
                    case "STREAM_STARTED" -> messageId = frame.path("messageId").asString();
                    case "CHUNK" -> {
                        if (firstChunk) {
                            firstChunk = false;
                            measurements.firstChunk.recordValue(Math.max(0, received.nanos() - sent));
                        }
                        chunk(frame, received);
                    }
                    case "RECOVERY" -> {
                        if (frame.path("messageId").asString("").equals(messageId)) {
                            recovery(frame);
                        } else {
                            measurements.protocolErrors.incrementAndGet();
                        }
                    }
                    case "ERROR" -> {
                        if (frame.path("messageId").asString("").equals(messageId)) {
                            terminal(frame, received);
                        } else if (messageId == null
                                && requestId.equals(frame.path("requestId").asString(""))) {
                            refused(frame);
                        } else {
                            // an answer to something else this connection sent (the fault suite's hostile frames)
                            measurements.protocolErrors.incrementAndGet();
                        }
                    }
                    case "COMPLETE" -> terminal(frame, received);
                    case "HEARTBEAT_ACK" -> {}
                    default -> throw new IllegalStateException("unexpected frame " + frame);
                }
            }
            if (!"COMPLETE".equals(terminal.path("type").asString())) {
                if (!plan.interruptionExpected()
                        || !"INTERRUPTED".equals(terminal.path("code").asString())) {
                    throw new IllegalStateException("answer ended with " + terminal);
                }
                measurements.interrupted.incrementAndGet();
            } else if (next != plan.chunks() || terminal.path("totalChunks").asInt() != plan.chunks()) {
                throw new IllegalStateException("answer " + messageId + " ended at " + next + " of " + plan.chunks());
            }
        } catch (RuntimeException e) {
            measurements.fail(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            measurements.fail("interrupted");
        } finally {
            if (socket != null) {
                socket.close();
            }
        }
        if (exact()) {
            measurements.exactStreams.incrementAndGet();
        }
    }

    /** Ended, with every chunk that exists received once, in order (all of them unless the answer was interrupted). */
    public boolean exact() {
        JsonNode end = terminal;
        return end != null
                && ownMissing == 0
                && ownDuplicates == 0
                && (next == plan.chunks()
                        || "INTERRUPTED".equals(end.path("code").asString()));
    }

    /** Chunks received (the next index expected). */
    public int received() {
        return next;
    }

    /** When this client got going again after a disruption (a lost connection, or its answer's error); 0 if never. */
    public long recoveredAtNanos() {
        return recoveredAtNanos;
    }

    /** The connection it streams on now (to send the fault suite's hostile frames on it). */
    public @Nullable ChatSocket socket() {
        return socket;
    }

    private void terminal(JsonNode frame, Received received) {
        terminal = frame;
        measurements.lastTerminalNanos.accumulate(received.nanos());
        measurements.lastTerminalMicros.accumulate(received.micros());
        if (!"COMPLETE".equals(frame.path("type").asString())) {
            recoveredAtNanos = received.nanos();
        }
    }

    private void chunk(JsonNode frame, Received received) {
        int index = frame.path("index").asInt();
        if (index < next) {
            ownDuplicates++;
            measurements.duplicates.incrementAndGet();
            return;
        }
        if (index > next) {
            ownMissing += index - next;
            measurements.missing.addAndGet(index - next);
            measurements.violations.incrementAndGet();
        }
        if (askedAgain) {
            askedAgain = false;
            recoveredAtNanos = received.nanos();
        }
        if (resuming) {
            resuming = false;
            measurements.resume.recordValue(Math.max(0, received.nanos() - resumeOpenedNanos));
            measurements.lastResumedNanos.accumulate(received.nanos());
            if (unplanned) {
                recoveredAtNanos = received.nanos();
            }
            measurements.reconnectToChunk.recordValue(Math.max(0, received.nanos() - reconnectSentNanos));
        } else if (plan.measureLiveLatency()) {
            long emitted =
                    frame.path("emittedAtMicros").asLong(frame.path("timestamp").asLong() * 1000);
            measurements.chunkLatency.recordValue(Math.max(0, received.micros() - emitted) * 1000);
        }
        measurements.chunks.incrementAndGet();
        if (lastChunkNanos != 0) {
            measurements.longestStallNanos.accumulate(received.nanos() - lastChunkNanos);
        }
        lastChunkNanos = received.nanos();
        next = index + 1;
        if (index == plan.dropAfterChunk() && next < plan.chunks()) {
            socket.abort();
            resume(true);
        }
    }

    private void ask() {
        askedNanos = System.nanoTime();
        socket.send(Map.of(
                "type",
                "CHAT_REQUEST",
                "requestId",
                requestId,
                "content",
                content,
                "options",
                Map.of("chunks", plan.chunks(), "chunkIntervalMs", plan.chunkIntervalMs())));
    }

    /**
     * The request itself was refused: asked again a moment later when the server says so, as a client would; five
     * times, or for a minute when the system says it is at capacity (it is catching up, and says so until it has).
     */
    private void refused(JsonNode frame) {
        long now = System.nanoTime();
        measurements.refusal.recordValue(Math.max(0, now - askedNanos));
        if (firstRefusedNanos == 0) {
            firstRefusedNanos = now;
        }
        boolean waitingOutCapacity = "CAPACITY".equals(frame.path("code").asString())
                && now - firstRefusedNanos < Duration.ofMinutes(1).toNanos();
        if (!frame.path("retryable").asBoolean() || (requestRetries >= 5 && !waitingOutCapacity)) {
            throw new IllegalStateException("request refused: " + frame);
        }
        requestRetries++;
        measurements.requestRetries.incrementAndGet();
        Pause.sleep(Pause.jittered(requestRetries));
        ask();
    }

    private void recovery(JsonNode frame) {
        String status = frame.path("status").asString();
        if ("ERROR".equals(status) && recoveryRetries < 5) {
            // retryable: a tier did not answer in time, or this user sent too many RECONNECTs (retryAfterMs); a client
            // asks again a moment later
            recoveryRetries++;
            measurements.recoveryRetries.incrementAndGet();
            Pause.sleep(Math.max(
                    Pause.jittered(recoveryRetries), frame.path("retryAfterMs").asLong(0)));
            socket.abort();
            resume(false);
            return;
        }
        if (frame.path("fromIndex").asInt() != next || !("RECOVERED".equals(status) || "COMPLETED".equals(status))) {
            measurements.violations.incrementAndGet();
            throw new IllegalStateException("expected RECOVERY from " + next + ", got " + frame);
        }
    }

    /**
     * The connection was lost before STREAM_STARTED (its node died with the request): the same request again on a new
     * connection, with the same requestId, which gets the same answer if the request had been queued (protocol v1).
     */
    private void askAgain() {
        socket = endpoint.connect(plan.token(), this, null);
        askedAgain = true;
        ask();
    }

    /**
     * Connects again and asks for everything after the last index held: on another node than the one it left when the
     * drop is the run's plan (resuming elsewhere is what is measured), else wherever the gateway sends it, as a real
     * client would (the node it left may be the only one alive: it closed a connection too slow for it, or answered
     * that a tier was not reachable in time).
     */
    private void resume(boolean onAnotherNode) {
        String left = socket == null ? null : socket.nodeId();
        boolean retry = resuming;
        if (!retry) {
            resumeOpenedNanos = System.nanoTime();
        }
        socket = endpoint.connect(plan.token(), this, onAnotherNode ? left : null);
        if (!retry) {
            measurements.resumes.incrementAndGet();
            if (left != null && !socket.nodeId().equals(left)) {
                measurements.resumesOnAnotherNode.incrementAndGet();
            }
        }
        resuming = true;
        reconnectSentNanos = System.nanoTime();
        socket.send(Map.of("type", "RECONNECT", "messageId", String.valueOf(messageId), "lastChunkIndex", next - 1));
    }

    @Override
    public void onFrame(ChatSocket from, JsonNode frame, long receivedMicros, long receivedNanos) {
        inbox.add(new Received(from, frame, receivedMicros, receivedNanos));
    }

    @Override
    public void onClosed(ChatSocket from, int code, @Nullable Throwable error) {
        inbox.add(new Closed(from));
    }
}
