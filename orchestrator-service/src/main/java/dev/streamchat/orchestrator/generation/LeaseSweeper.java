package dev.streamchat.orchestrator.generation;

import dev.streamchat.orchestrator.event.StreamEvent;
import dev.streamchat.orchestrator.event.StreamEventPublisher;
import dev.streamchat.orchestrator.event.StreamEventType;
import dev.streamchat.orchestrator.hotlog.HotLog;
import dev.streamchat.orchestrator.hotlog.LogFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Runs in every instance: a generation whose lease expired lost its orchestrator (killed, frozen, cut off). The one
 * sweeper that claims it ends it as INTERRUPTED at the chunk the hot log reached: the chunk events are sent again from
 * the hot log (the dead instance may have died before Kafka acknowledged them; they carry the same event ids, so
 * persistence applies each once), the terminal {@code ERROR {code: INTERRUPTED, retryable: true}} goes into the log
 * and to every follower, STREAM_INTERRUPTED to the topic. The partial answer stays recoverable from every tier.
 */
@Component
class LeaseSweeper {

    private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);

    private final Leases leases;
    private final HotLog hotLog;
    private final StreamEventPublisher events;
    private final StreamSessionRepository repository;
    private final UserStreamLimiter userLimiter;
    private final GenerationProperties properties;
    private final String nodeId;
    private final Counter interrupted;
    /**
     * The longest this sweeper may go without an answer from Redis and still trust a lapsed lease: as long as an owner
     * may go without renewing (lease time less renewal interval).
     */
    private final long toleratedSilenceNanos;
    /** When Redis last answered this sweeper; null before its first sweep. */
    private @Nullable Long lastAnswerNanos;
    /** Until when lapsed leases are left alone, after this sweeper lost Redis for longer than an owner may. */
    private long quietUntilNanos = System.nanoTime();
    /** Messages whose lease this instance took but that it could not end yet. */
    private final Set<String> unended = new LinkedHashSet<>();

    LeaseSweeper(
            Leases leases,
            HotLog hotLog,
            StreamEventPublisher events,
            StreamSessionRepository repository,
            UserStreamLimiter userLimiter,
            GenerationProperties properties,
            MeterRegistry meters,
            @Value("${eureka.instance.instance-id:${spring.application.name}}") String nodeId) {
        this.leases = leases;
        this.hotLog = hotLog;
        this.events = events;
        this.repository = repository;
        this.userLimiter = userLimiter;
        this.properties = properties;
        this.nodeId = nodeId;
        this.interrupted = Counter.builder("streamchat.generations.interrupted")
                .description("Generations ended as INTERRUPTED after their orchestrator's lease expired")
                .register(meters);
        this.toleratedSilenceNanos =
                leases.ttl().minus(properties.leaseRenewal()).toNanos();
    }

    @Scheduled(
            initialDelayString = "${streamchat.generation.sweep-interval:2s}",
            fixedDelayString = "${streamchat.generation.sweep-interval:2s}")
    void sweep() {
        Set<String> expired;
        try {
            expired = leases.expired(100);
        } catch (RuntimeException e) {
            log.warn("Lease sweep failed: {}", e.toString());
            return;
        }
        long now = System.nanoTime();
        if (lastAnswerNanos != null && now - lastAnswerNanos > toleratedSilenceNanos) {
            // Redis was out of this instance's reach (down, frozen, cut off, or this process stood still) longer than
            // an owner may go without renewing, so, likely, out of the owners' reach too: a lease that lapsed
            // meanwhile says nothing about its owner until the owners had a lease time to renew. A failed call and a
            // call that waited long for its answer both count.
            quietUntilNanos = now + leases.ttl().toNanos();
        }
        lastAnswerNanos = now;
        if (now - quietUntilNanos < 0) {
            return;
        }
        // leases taken by an earlier sweep that could not end their message (Redis, Kafka or the database failed
        // half-way; the steps are idempotent), then the lapsed ones this sweep takes
        var taken = new LinkedHashSet<>(unended);
        unended.clear();
        for (String messageId : expired) {
            try {
                if (leases.claim(messageId)) {
                    taken.add(messageId);
                }
            } catch (RuntimeException e) {
                log.warn("Could not take the expired lease of message {}: {}", messageId, e.toString());
            }
        }
        for (String messageId : taken) {
            try {
                interrupt(messageId);
            } catch (RuntimeException e) {
                log.warn("Could not end message {} whose lease expired; next sweep: {}", messageId, e.toString());
                unended.add(messageId);
            }
        }
    }

    void interrupt(String messageId) {
        var stored = repository.find(messageId).orElse(null);
        if (stored == null || !GenerationStatus.STREAMING.name().equals(stored.status())) {
            return;
        }
        if (!hotLog.claimEnd(messageId, HotLog.SWEEPER)) {
            log.info("Message {} had ended in the hot log before its lease expired", messageId);
            return;
        }
        // from here on the hot log refuses the generation's entries, should it still be running: the log is final
        var chunks = new ArrayList<LogFrame>();
        for (LogFrame frame : hotLog.entries(messageId)) {
            if (!LogFrame.CHUNK.equals(frame.kind()) || frame.index() != chunks.size()) {
                break;
            }
            chunks.add(frame);
        }
        int total = chunks.size();
        MessageDigest digest = sha256();
        int words = 0;
        events.publish(event(
                stored,
                StreamEvent.startedEventId(messageId),
                StreamEventType.STREAM_STARTED,
                System.currentTimeMillis(),
                startedPayload(stored)));
        // every chunk the log holds, in batches: the generation's own events may have been lost with its instance
        var batch = events.chunkBatch((fromIndex, chunkPayload) -> events.publishChunks(
                event(
                        stored,
                        StreamEvent.chunksEventId(messageId, fromIndex, ((List<?>) chunkPayload.get("chunks")).size()),
                        StreamEventType.CHUNKS_APPENDED,
                        System.currentTimeMillis(),
                        chunkPayload),
                null));
        for (LogFrame chunk : chunks) {
            String content = String.valueOf(chunk.content());
            digest.update(content.getBytes(StandardCharsets.UTF_8));
            words += Generation.words(content);
            batch.add(chunk.index(), content, String.valueOf(chunk.chunkType()), chunk.emittedAtMicrosOrMillis());
        }
        batch.flush();
        String sha = HexFormat.of().formatHex(digest.digest());
        long now = System.currentTimeMillis();
        String message = "the orchestrator running this answer stopped at chunk " + total + "; ask again";
        hotLog.append(
                LogFrame.error(messageId, total, ErrorCode.INTERRUPTED.name(), message, true, now),
                HotLog.SWEEPER,
                properties.completedRetention());
        hotLog.updateMeta(
                messageId,
                Map.of("status", GenerationStatus.INTERRUPTED.name(), "totalChunks", Integer.toString(total)));
        var payload = new HashMap<String, Object>();
        payload.put("totalChunks", total);
        payload.put("tokenCount", words);
        payload.put("contentSha256", sha);
        payload.put("code", ErrorCode.INTERRUPTED.name());
        payload.put("message", message);
        payload.put("retryable", true);
        payload.put("interruptedBy", nodeId);
        if (!chunks.isEmpty()) {
            payload.put("firstChunkAt", chunks.getFirst().timestamp());
        }
        events.publish(event(
                stored, StreamEvent.terminalEventId(messageId), StreamEventType.STREAM_INTERRUPTED, now, payload));
        repository.finish(
                messageId,
                GenerationStatus.INTERRUPTED,
                total,
                words,
                null,
                ErrorCode.INTERRUPTED.name(),
                sha,
                chunks.isEmpty() ? null : Instant.ofEpochMilli(chunks.getFirst().timestamp()));
        try {
            userLimiter.release(stored.userId(), messageId);
        } catch (RuntimeException e) {
            log.debug("User slot of message {} not released: {}", messageId, e.toString());
        }
        interrupted.increment();
        log.warn("Message {} interrupted at chunk {}: its orchestrator's lease expired", messageId, total);
    }

    private StreamEvent event(
            StreamSessionRepository.StoredGeneration stored,
            String eventId,
            StreamEventType type,
            long timestamp,
            Map<String, Object> payload) {
        return new StreamEvent(
                eventId,
                type.name(),
                StreamEvent.SCHEMA_VERSION,
                stored.messageId(),
                stored.userId(),
                stored.conversationId(),
                stored.messageId(),
                nodeId,
                timestamp,
                payload);
    }

    private static Map<String, Object> startedPayload(StreamSessionRepository.StoredGeneration stored) {
        var payload = new HashMap<String, Object>();
        payload.put("requestId", stored.requestId());
        payload.put("provider", String.valueOf(stored.provider()));
        payload.put("model", stored.model() == null ? String.valueOf(stored.provider()) : stored.model());
        if (stored.sessionId() != null) {
            payload.put("sessionId", stored.sessionId());
        }
        return payload;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
