package dev.streamchat.orchestrator.generation;

import dev.streamchat.orchestrator.event.ChunkBatch;
import dev.streamchat.orchestrator.event.StreamEvent;
import dev.streamchat.orchestrator.event.StreamEventPublisher;
import dev.streamchat.orchestrator.event.StreamEventType;
import dev.streamchat.orchestrator.hotlog.HotLog;
import dev.streamchat.orchestrator.hotlog.LogFrame;
import dev.streamchat.orchestrator.provider.ModelPiece;
import dev.streamchat.orchestrator.provider.ModelProvider;
import dev.streamchat.orchestrator.provider.ModelRequest;
import dev.streamchat.orchestrator.provider.ProviderRefusal;
import io.micrometer.tracing.Span;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.Message;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * One running generation: the single writer of its message. Every chunk goes, in this order, to an index, the hot
 * log (which publishes it live) and a batch of chunk events ({@link ChunkBatch}: sent when full, after the linger time,
 * and before the terminal event). Exactly one terminal entry ends it (completed, failed,
 * cancelled, timed out), whichever comes first. Every entry is written by one thread, the writer, in index order: a
 * cancel, the deadline or a refusal asks it to end the answer ({@link #stop}) and returns at once, even while the
 * writer waits for Redis. A lease
 * sweeper that took this generation for dead may have ended the message instead: the hot log then refuses this
 * generation's entries and it stops ({@link #abandon}).
 */
final class Generation {

    /**
     * Where chunks are written (hot log, then Kafka): a virtual thread per generation while it has chunks to write. A
     * shared pool of platform threads (boundedElastic, 20 here) drains one generation's whole backlog before the
     * next, so under load an answer waited for others to finish before its first chunk, and one slow Redis reply
     * held up every answer on that thread.
     */
    private static final ExecutorService EMITTERS = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * The most chunks written in one hot-log round trip. A chunk waits for nothing: the writer takes what has piled up
     * while the previous write was under way, one chunk when the model is slower than Redis, more when it is faster
     * (a model at full speed, a slow Redis), so the round trips and their CPU do not grow with the model's speed.
     */
    static final int MAX_BATCH = 128;

    private static final Logger log = LoggerFactory.getLogger(Generation.class);

    private final ChatCommand command;
    private final ModelProvider provider;
    private final @Nullable String model;
    private final GenerationProperties properties;
    private final HotLog hotLog;
    private final StreamEventPublisher events;
    private final String nodeId;
    private final Consumer<Outcome> onFinished;
    private final @Nullable Span trace;

    private final ReentrantLock lock = new ReentrantLock();
    /** What the model sent and the writer has not taken yet: chunks, then one {@link End}. */
    private final Queue<Object> inbox = new ConcurrentLinkedQueue<>();

    /**
     * An end asked for from outside the writer (a cancel, the deadline, a refusal): the writer does it next, dropping
     * the chunks not in the hot log yet, also while it waits for Redis. So the caller never waits for a hot-log write,
     * and the answer's entries still come from one thread, in index order.
     */
    private final AtomicReference<@Nullable Runnable> stop = new AtomicReference<>();

    private final AtomicBoolean writing = new AtomicBoolean();
    private final ChunkBatch durable;
    private final MessageDigest digest = sha256();
    private final long startedAt = System.currentTimeMillis();
    private int nextIndex;
    private int wordCount;
    private @Nullable Instant firstChunkAt;
    private @Nullable String finishReason;
    private @Nullable Integer providerTokens;
    private boolean finished;
    private volatile @Nullable Disposable subscription;
    private @Nullable Disposable deadline;
    private @Nullable Disposable lingering;
    /** Chunks whose hot-log write an end interrupted: written again with the terminal entry (a repeat is a no-op). */
    private List<LogFrame> unsettled = List.of();

    Generation(
            ChatCommand command,
            ModelProvider provider,
            @Nullable String model,
            GenerationProperties properties,
            HotLog hotLog,
            StreamEventPublisher events,
            String nodeId,
            @Nullable Span trace,
            Consumer<Outcome> onFinished) {
        this.trace = trace;
        this.command = command;
        this.provider = provider;
        this.model = model;
        this.properties = properties;
        this.hotLog = hotLog;
        this.events = events;
        this.nodeId = nodeId;
        this.onFinished = onFinished;
        this.durable = events.chunkBatch(this::sendChunks);
    }

    String messageId() {
        return command.messageId();
    }

    /** Subscribes to the provider; returns at once. */
    void start(List<Message> messages, Map<String, Object> options) {
        // the idle timeout measures the model's silence only: below it, an unbounded buffer keeps asking the model
        // for more, so a slow hot log or broker (this service's own back-pressure) never reads as a silent model
        var pieces = provider.stream(new ModelRequest(messages, model, options))
                .timeout(properties.idleTimeout())
                .onBackpressureBuffer()
                .doOnNext(this::remember)
                .filter(piece -> !piece.text().isEmpty());
        lock.lock();
        try {
            if (finished) {
                return;
            }
            deadline = Schedulers.parallel()
                    .schedule(
                            () -> fail(
                                    ErrorCode.TIMEOUT, "the answer took longer than " + properties.maxDuration(), true),
                            properties.maxDuration().toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
            subscription = Chunking.chunks(pieces, provider.coalesceWindow(), properties.maxChunkChars())
                    .subscribe(this::offer, error -> offer(new End(error)), () -> offer(new End(null)));
            if (stop.get() != null) {
                // stopped while subscribing: the writer may have missed this subscription
                subscription.dispose();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Asks the writer to end the answer as cancelled at the chunk it reached; returns at once. */
    void cancel() {
        requestStop(this::cancelled);
    }

    /** Asks the writer to end the answer with an error at the chunk it reached; returns at once. */
    void fail(ErrorCode code, String message, boolean retryable) {
        requestStop(() -> failNow(code, message, retryable));
    }

    private void requestStop(Runnable end) {
        if (stop.compareAndSet(null, end)) {
            Disposable model = subscription;
            if (model != null) {
                model.dispose();
            }
            offer(STOP);
        }
    }

    /** Wakes the writer for a {@link #stop}. */
    private static final Object STOP = new Object();

    /** The writer gave up a hot-log write because an end was asked for. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    private void cancelled() {
        terminate(
                GenerationStatus.CANCELLED,
                StreamEventType.STREAM_CANCELLED,
                total -> LogFrame.complete(messageId(), total, "CANCELLED", tokenCount(), contentSha256(), now()),
                null,
                null);
    }

    private void failNow(ErrorCode code, String message, boolean retryable) {
        terminate(
                GenerationStatus.FAILED,
                StreamEventType.STREAM_FAILED,
                total -> LogFrame.error(messageId(), total, code.name(), message, retryable, now()),
                code.name(),
                message);
    }

    private void remember(ModelPiece piece) {
        if (piece.finishReason() != null) {
            finishReason = piece.finishReason();
        }
        if (piece.completionTokens() != null) {
            providerTokens = piece.completionTokens();
        }
    }

    /** The end of the model's stream: {@code error} null when it completed. */
    private record End(@Nullable Throwable error) {}

    /** From the model's thread: queues the chunk or the end, and starts the writer unless it is at work. */
    private void offer(Object item) {
        inbox.add(item);
        if (writing.compareAndSet(false, true)) {
            EMITTERS.execute(this::write);
        }
    }

    /**
     * The writer: everything queued, in order, as many chunks per hot-log round trip as have piled up; an end asked
     * for from outside before anything else.
     */
    private void write() {
        do {
            try {
                var batch = new ArrayList<ModelPiece>();
                Object item;
                while ((item = inbox.peek()) != null) {
                    if (stop.get() != null) {
                        throw new Stopped();
                    }
                    if (item == STOP) {
                        inbox.poll();
                        continue;
                    }
                    if (item instanceof ModelPiece chunk) {
                        inbox.poll();
                        batch.add(chunk);
                        if (batch.size() == MAX_BATCH) {
                            emit(batch);
                            batch.clear();
                        }
                        continue;
                    }
                    if (!batch.isEmpty()) {
                        emit(batch);
                        batch.clear();
                    }
                    inbox.poll();
                    end((End) item);
                }
                if (!batch.isEmpty()) {
                    emit(batch);
                }
                if (stop.get() != null) {
                    throw new Stopped();
                }
            } catch (Stopped e) {
                inbox.clear();
                Runnable end = stop.get();
                if (end != null) {
                    end.run();
                }
            } catch (RuntimeException e) {
                inbox.clear();
                failed(e);
            }
            writing.set(false);
        } while (!inbox.isEmpty() && writing.compareAndSet(false, true));
    }

    private void end(End end) {
        if (end.error() == null) {
            completed();
        } else {
            failed(end.error());
        }
    }

    private void emit(List<ModelPiece> chunks) {
        lock.lock();
        try {
            if (finished) {
                return;
            }
            long emittedAtMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
            var frames = new ArrayList<LogFrame>(chunks.size());
            for (int i = 0; i < chunks.size(); i++) {
                ModelPiece chunk = chunks.get(i);
                frames.add(LogFrame.chunk(
                        messageId(), nextIndex + i, chunk.text(), chunk.type().name(), emittedAtMicros));
            }
            try {
                append(frames, properties.liveRetention(), true);
            } catch (HotLog.EndedByAnother e) {
                abandon();
                return;
            } catch (Stopped e) {
                // the write may have landed and been seen live: the end is written after these chunks, with them
                unsettled = frames;
                settle(chunks, emittedAtMicros);
                throw e;
            }
            settle(chunks, emittedAtMicros);
        } finally {
            lock.unlock();
        }
    }

    /** Counts chunks that are in the hot log (or go there with the end) and adds them to the chunk events. */
    private void settle(List<ModelPiece> chunks, long emittedAtMicros) {
        for (ModelPiece chunk : chunks) {
            int index = nextIndex++;
            digest.update(chunk.text().getBytes(StandardCharsets.UTF_8));
            wordCount += words(chunk.text());
            if (index == 0) {
                firstChunkAt = Instant.ofEpochMilli(emittedAtMicros / 1000);
            }
            durable.add(index, chunk.text(), chunk.type().name(), emittedAtMicros);
        }
        if (!durable.isEmpty() && lingering == null) {
            lingering = Schedulers.parallel()
                    .schedule(
                            () -> EMITTERS.execute(this::sendLingering),
                            events.chunkLinger().toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** The chunk events that waited for the linger time, sent unless the answer's end sent them already. */
    private void sendLingering() {
        lock.lock();
        try {
            lingering = null;
            durable.flush();
        } finally {
            lock.unlock();
        }
    }

    /** Sends the chunk events still waiting: before the terminal event, so a consumer mostly sees them first. */
    private void sendWaitingChunks() {
        if (lingering != null) {
            lingering.dispose();
            lingering = null;
        }
        durable.flush();
    }

    private void sendChunks(int fromIndex, Map<String, Object> payload) {
        int count = ((List<?>) payload.get("chunks")).size();
        try {
            events.publishChunks(
                    event(
                            StreamEvent.chunksEventId(messageId(), fromIndex, count),
                            StreamEventType.CHUNKS_APPENDED,
                            now(),
                            payload),
                    trace);
        } catch (RuntimeException e) {
            log.error("Could not send chunks {} to {} of message {}", fromIndex, fromIndex + count - 1, messageId(), e);
        }
    }

    /**
     * Writes entries to the hot log, asking again while Redis does not answer, for at most {@code hot-log-outage}: the
     * answer waits (its provider's pieces are queued) instead of failing. A write that timed out may still have
     * landed; the fixed stream ids make the repeat a no-op, so nothing is written twice and no chunk a client saw goes
     * without its chunk event.
     */
    private void append(List<LogFrame> frames, Duration retention, boolean stoppable) {
        long deadline = System.nanoTime() + properties.hotLogOutage().toNanos();
        int first = frames.getFirst().index();
        for (int attempt = 1; ; attempt++) {
            try {
                int added = hotLog.appendAll(frames, HotLog.GENERATION, retention);
                if (added < frames.size() && attempt == 1) {
                    log.warn(
                            "Hot log of message {} already held {} of entries {} to {}",
                            messageId(),
                            frames.size() - added,
                            first,
                            frames.getLast().index());
                }
                if (attempt > 1) {
                    log.info("Hot log took entry {} of message {} at attempt {}", first, messageId(), attempt);
                }
                return;
            } catch (HotLog.EndedByAnother e) {
                throw e;
            } catch (RuntimeException e) {
                if (stoppable && stop.get() != null) {
                    throw new Stopped();
                }
                if (System.nanoTime() > deadline) {
                    throw new HotLogUnavailable(properties.hotLogOutage(), e);
                }
                if (attempt == 1) {
                    log.warn(
                            "Hot log did not take entry {} of message {}; asking again: {}",
                            first,
                            messageId(),
                            e.toString());
                }
                try {
                    Thread.sleep(Math.min(100L * attempt, 1000L));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new HotLogUnavailable(properties.hotLogOutage(), e);
                }
            }
        }
    }

    /** Redis did not take a hot-log entry in time: the system failed, not the provider (its breaker is untouched). */
    static final class HotLogUnavailable extends RuntimeException {
        HotLogUnavailable(Duration waited, Throwable cause) {
            super("the hot log did not answer for " + waited, cause);
        }
    }

    private void failed(Throwable error) {
        Optional<Integer> refusal = ProviderRefusal.of(error);
        if (error instanceof HotLogUnavailable) {
            log.error("Message {} ends at chunk {}: {}", messageId(), nextIndex, error.getMessage());
            failNow(ErrorCode.INTERNAL, "the answer could not be stored; ask again", true);
        } else if (error instanceof TimeoutException) {
            failNow(ErrorCode.TIMEOUT, "the model sent nothing for " + properties.idleTimeout(), true);
        } else if (error instanceof IllegalArgumentException) {
            failNow(ErrorCode.VALIDATION, error.getMessage(), false);
        } else if (refusal.isPresent()) {
            log.info("Provider {} refused message {}: {}", provider.name(), messageId(), error.toString());
            failNow(ErrorCode.VALIDATION, "the model refused the request (HTTP " + refusal.get() + ")", false);
        } else {
            log.warn("Provider {} failed message {} at chunk {}", provider.name(), messageId(), nextIndex, error);
            failNow(ErrorCode.PROVIDER_UNAVAILABLE, "the model failed at chunk " + nextIndex, true);
        }
    }

    private void completed() {
        if (finishReason == null) {
            // a stream cut short (a dropped connection) ends without the provider's finish reason
            failNow(
                    ErrorCode.PROVIDER_UNAVAILABLE,
                    "the model's stream ended at chunk " + nextIndex + " without finishing",
                    true);
            return;
        }
        terminate(
                GenerationStatus.COMPLETED,
                StreamEventType.STREAM_COMPLETED,
                total -> LogFrame.complete(messageId(), total, finishReason, tokenCount(), contentSha256(), now()),
                null,
                null);
    }

    private void terminate(
            GenerationStatus status,
            StreamEventType eventType,
            java.util.function.IntFunction<LogFrame> terminalFrame,
            @Nullable String errorCode,
            @Nullable String errorMessage) {
        LogFrame frame;
        lock.lock();
        try {
            if (finished) {
                return;
            }
            finished = true;
            if (subscription != null) {
                subscription.dispose();
            }
            if (deadline != null) {
                deadline.dispose();
            }
            frame = terminalFrame.apply(nextIndex);
            var entries = new ArrayList<LogFrame>(unsettled);
            entries.add(frame);
            unsettled = List.of();
            try {
                append(entries, properties.completedRetention(), false);
                hotLog.updateMeta(messageId(), Map.of("status", status.name(), "totalChunks", "" + nextIndex));
            } catch (HotLog.EndedByAnother e) {
                abandon();
                return;
            } catch (RuntimeException e) {
                log.error("Could not write the end of message {} to the hot log", messageId(), e);
            }
            sendWaitingChunks();
            var payload = new HashMap<String, Object>();
            payload.put("totalChunks", nextIndex);
            payload.put("tokenCount", tokenCount());
            payload.put("contentSha256", contentSha256());
            payload.put("durationMs", frame.timestamp() - startedAt);
            payload.put("provider", provider.name());
            if (firstChunkAt != null) {
                payload.put("firstChunkAt", firstChunkAt.toEpochMilli());
            }
            if (frame.finishReason() != null) {
                payload.put("finishReason", frame.finishReason());
            }
            if (errorCode != null) {
                payload.put("code", errorCode);
                payload.put("message", errorMessage);
                payload.put("retryable", Boolean.TRUE.equals(frame.retryable()));
            }
            try {
                events.publish(
                        event(StreamEvent.terminalEventId(messageId()), eventType, frame.timestamp(), payload), trace);
            } catch (RuntimeException e) {
                log.error("Could not send the {} event of message {}", eventType, messageId(), e);
            }
        } finally {
            lock.unlock();
        }
        finish(new Outcome(
                this,
                status,
                frame.totalChunks() == null ? 0 : frame.totalChunks(),
                tokenCount(),
                frame.finishReason(),
                errorCode,
                status == GenerationStatus.FAILED ? null : contentSha256(),
                firstChunkAt));
    }

    /**
     * A sweeper took this generation for dead (its lease lapsed while it or Redis stood still) and ended the message as
     * INTERRUPTED at the chunk the hot log held: this generation stops and writes and sends nothing more of it. Called
     * with the lock held.
     */
    private void abandon() {
        finished = true;
        sendWaitingChunks();
        if (subscription != null) {
            subscription.dispose();
        }
        if (deadline != null) {
            deadline.dispose();
        }
        log.warn(
                "Message {} was ended by a lease sweeper at chunk {} or before; this generation stops",
                messageId(),
                nextIndex);
        finish(new Outcome(
                this,
                GenerationStatus.INTERRUPTED,
                nextIndex,
                tokenCount(),
                null,
                ErrorCode.INTERRUPTED.name(),
                null,
                firstChunkAt));
    }

    private void finish(Outcome outcome) {
        if (trace != null) {
            trace.end();
        }
        onFinished.accept(outcome);
    }

    StreamEvent event(String eventId, StreamEventType type, long timestamp, Map<String, Object> payload) {
        return new StreamEvent(
                eventId,
                type.name(),
                StreamEvent.SCHEMA_VERSION,
                messageId(),
                command.userId(),
                conversationId(),
                messageId(),
                nodeId,
                timestamp,
                payload);
    }

    String conversationId() {
        return command.conversationId() == null ? messageId() : command.conversationId();
    }

    String providerName() {
        return provider.name();
    }

    String userId() {
        return command.userId();
    }

    private int tokenCount() {
        return providerTokens != null ? providerTokens : wordCount;
    }

    private String contentSha256() {
        try {
            return HexFormat.of().formatHex(((MessageDigest) digest.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Words in a text: runs of non-whitespace (a loop: a regex split compiled its pattern for every chunk). */
    static int words(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How a generation ended. */
    record Outcome(
            Generation generation,
            GenerationStatus status,
            int totalChunks,
            int tokenCount,
            @Nullable String finishReason,
            @Nullable String errorCode,
            @Nullable String contentSha256,
            @Nullable Instant firstChunkAt) {}
}
