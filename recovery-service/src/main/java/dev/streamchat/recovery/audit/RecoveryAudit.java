package dev.streamchat.recovery.audit;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.cloud.stream.function.StreamBridge;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Writes each recovery this service serves to {@code recovery_audit} and announces it as RECOVERED on
 * {@code chat.session.events}, after the answer has gone out: neither ever delays nor fails a recovery. The resumes
 * session nodes serve from the hot log come from that topic ({@link RecoveredEventConsumer}) into the same table.
 */
@Component
public class RecoveryAudit implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RecoveryAudit.class);

    private final JdbcClient jdbc;
    private final StreamBridge bridge;
    private final String nodeId;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    RecoveryAudit(
            JdbcClient jdbc,
            StreamBridge bridge,
            @Value("${eureka.instance.instance-id:${spring.application.name}}") String nodeId) {
        this.jdbc = jdbc;
        this.bridge = bridge;
        this.nodeId = nodeId;
    }

    /** One recovery, as it ended. */
    public record Entry(
            String userId,
            String sessionId,
            String messageId,
            int fromIndex,
            @Nullable String tier,
            String status,
            int chunks,
            long latencyMicros) {}

    public void record(Entry entry) {
        executor.execute(() -> {
            try {
                store(entry, null);
            } catch (RuntimeException e) {
                log.warn("Recovery of message {} not audited: {}", entry.messageId(), e.toString());
            }
            try {
                bridge.send("sessionEvents-out-0", event(entry));
            } catch (RuntimeException e) {
                log.warn("RECOVERED of message {} not published: {}", entry.messageId(), e.toString());
            }
        });
    }

    /**
     * Writes one recovery; {@code eventId} names the RECOVERED event it came from (a resume a session node served), so
     * that the same event applied again writes nothing.
     */
    void store(Entry entry, @Nullable String eventId) {
        jdbc.sql("""
                insert into recovery_audit
                    (user_id, session_id, message_id, from_index, tier, status, chunks, latency_micros, event_id)
                values (:user, :session, :message, :from, :tier, :status, :chunks, :latency, :event)
                on conflict (event_id) where event_id is not null do nothing
                """)
                .param("user", entry.userId())
                .param("session", entry.sessionId())
                .param("message", entry.messageId())
                .param("from", entry.fromIndex())
                .param("tier", entry.tier())
                .param("status", entry.status())
                .param("chunks", entry.chunks())
                .param("latency", entry.latencyMicros())
                .param("event", eventId)
                .update();
    }

    private Map<String, Object> event(Entry entry) {
        var payload = new HashMap<String, Object>();
        payload.put("sessionId", entry.sessionId());
        payload.put("fromIndex", entry.fromIndex());
        payload.put("status", entry.status());
        payload.put("chunks", entry.chunks());
        payload.put("latencyMicros", entry.latencyMicros());
        if (entry.tier() != null) {
            payload.put("tier", entry.tier());
        }
        var event = new HashMap<String, Object>();
        event.put("eventId", UUID.randomUUID().toString());
        event.put("eventType", "RECOVERED");
        event.put("schemaVersion", 1);
        event.put("aggregateId", entry.sessionId());
        event.put("userId", entry.userId());
        event.put("messageId", entry.messageId());
        event.put("nodeId", nodeId);
        event.put("timestamp", System.currentTimeMillis());
        event.put("payload", payload);
        return event;
    }

    @Override
    public void destroy() {
        executor.close();
    }
}
