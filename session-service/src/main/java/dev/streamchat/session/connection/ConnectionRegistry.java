package dev.streamchat.session.connection;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.springframework.stereotype.Component;

/**
 * Which node holds which session, for whom, since when, and its last heartbeat: a hash per session in Redis
 * ({@code chat:session:{sessionId}}), through Redisson. Each entry lives {@code sessionTtl} past its last renewal, so
 * the sessions of a node that died expire on their own.
 */
@Component
public class ConnectionRegistry {

    private final RedissonClient redisson;
    private final Duration ttl;

    ConnectionRegistry(RedissonClient redisson, dev.streamchat.session.protocol.ProtocolProperties properties) {
        this.redisson = redisson;
        this.ttl = properties.sessionTtl();
    }

    public void register(String sessionId, String userId, String nodeId) {
        var entry = redisson.<String, String>getMap(key(sessionId), StringCodec.INSTANCE);
        String now = Instant.now().toString();
        entry.putAll(Map.of("userId", userId, "nodeId", nodeId, "connectedAt", now, "lastHeartbeat", now));
        entry.expire(ttl);
    }

    public void heartbeat(String sessionId) {
        var entry = redisson.<String, String>getMap(key(sessionId), StringCodec.INSTANCE);
        entry.fastPut("lastHeartbeat", Instant.now().toString());
        entry.expire(ttl);
    }

    /** Keeps a live connection's entry from expiring. */
    public void renew(String sessionId) {
        redisson.getMap(key(sessionId), StringCodec.INSTANCE).expire(ttl);
    }

    public void remove(String sessionId, String nodeId) {
        var entry = redisson.<String, String>getMap(key(sessionId), StringCodec.INSTANCE);
        // a reconnect may already have registered the session on another node: leave that one alone
        if (nodeId.equals(entry.get("nodeId"))) {
            entry.delete();
        }
    }

    private static String key(String sessionId) {
        return "chat:session:" + sessionId;
    }
}
