package dev.streamchat.session.connection;

import dev.streamchat.session.protocol.ProtocolLimits;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.server.HandshakeInterceptor;

/**
 * At most {@code streamchat.protocol.max-connections-per-user} open connections per user, over every node: each
 * connection is a member of the user's sorted set {@code chat:connections:{length of user}:{user}}, scored by the time
 * it expires unless renewed, so the connections of a node that died stop counting after {@code session-ttl}. A
 * connection over the limit is closed as soon as it opens, with {@link #TOO_MANY_CONNECTIONS}, before the chat handler
 * sees it (no WELCOME, no registry entry, no event): a close code reaches the client through the gateway, which answers
 * the client's handshake before it makes its own to a node, where a refused handshake would only read as a dropped
 * connection. A Redis that cannot be asked lets the connection through (the limit protects the system; it is not worth
 * refusing every user over).
 */
@Component
class UserConnectionLimit implements HandshakeInterceptor {

    private static final Logger log = LoggerFactory.getLogger(UserConnectionLimit.class);
    private static final String CONNECTION = UserConnectionLimit.class.getName() + ".connection";
    private static final String REFUSED = UserConnectionLimit.class.getName() + ".refused";

    static final int TOO_MANY_CONNECTIONS = 4429;

    /** KEYS: the user's set; ARGV: now, expiry, member, limit. 1 when admitted, 0 when the user is at the limit. */
    private static final RedisScript<Long> ADMIT = RedisScript.of("""
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
              return 0
            end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
            redis.call('PEXPIREAT', KEYS[1], ARGV[2])
            return 1
            """, Long.class);

    /** KEYS: the user's set; ARGV: expiry, member. Renews a member still in the set. */
    private static final RedisScript<Long> RENEW = RedisScript.of("""
            redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[2])
            redis.call('PEXPIREAT', KEYS[1], ARGV[1])
            return 1
            """, Long.class);

    private final StringRedisTemplate redis;
    private final ProtocolLimits limits;
    /**
     * This node's open connections: their member and user. A handshake counted but never opened is not renewed, and
     * expires.
     */
    private final Map<String, String> open = new ConcurrentHashMap<>();

    UserConnectionLimit(StringRedisTemplate redis, ProtocolLimits limits) {
        this.redis = redis;
        this.limits = limits;
    }

    @Override
    public boolean beforeHandshake(
            ServerHttpRequest request,
            ServerHttpResponse response,
            WebSocketHandler handler,
            Map<String, Object> attributes) {
        Principal user = request.getPrincipal();
        if (user == null) {
            return true;
        }
        String member = UUID.randomUUID().toString();
        int limit = limits.current().maxConnectionsPerUser();
        long now = System.currentTimeMillis();
        try {
            Long admitted = redis.execute(
                    ADMIT,
                    List.of(key(user.getName())),
                    Long.toString(now),
                    Long.toString(expiry(now)),
                    member,
                    Integer.toString(limit));
            if (admitted != null && admitted == 0L) {
                attributes.put(REFUSED, limit);
                return true;
            }
        } catch (RuntimeException e) {
            log.warn("Connections of user {} not counted: {}", user.getName(), e.toString());
            return true;
        }
        attributes.put(CONNECTION, member);
        return true;
    }

    @Override
    public void afterHandshake(
            ServerHttpRequest request,
            ServerHttpResponse response,
            WebSocketHandler handler,
            @Nullable Exception exception) {}

    /** The chat handler, with each connection counted from its opening to its close. */
    WebSocketHandler counting(WebSocketHandler handler) {
        return new WebSocketHandlerDecorator(handler) {
            @Override
            public void afterConnectionEstablished(WebSocketSession session) throws Exception {
                if (session.getAttributes().get(REFUSED) instanceof Integer limit) {
                    session.close(new CloseStatus(
                            TOO_MANY_CONNECTIONS,
                            "TOO_MANY_CONNECTIONS: at most " + limit + " open connections per user; close one first"));
                    return;
                }
                if (session.getAttributes().get(CONNECTION) instanceof String member
                        && session.getPrincipal() != null) {
                    open.put(member, session.getPrincipal().getName());
                }
                super.afterConnectionEstablished(session);
            }

            @Override
            public void afterConnectionClosed(WebSocketSession session, CloseStatus status) throws Exception {
                if (session.getAttributes().containsKey(REFUSED)) {
                    return;
                }
                try {
                    super.afterConnectionClosed(session, status);
                } finally {
                    release(session);
                }
            }
        };
    }

    private void release(WebSocketSession session) {
        if (!(session.getAttributes().get(CONNECTION) instanceof String member)) {
            return;
        }
        String user = open.remove(member);
        if (user == null) {
            return;
        }
        try {
            redis.opsForZSet().remove(key(user), member);
        } catch (RuntimeException e) {
            log.debug("Connection of user {} not released (it expires on its own): {}", user, e.toString());
        }
    }

    /** Keeps this node's connections counted; one that stops being renewed (its node died) expires. */
    @Scheduled(fixedDelayString = "${streamchat.protocol.registry-renewal:30s}")
    void renew() {
        String expiry = Long.toString(expiry(System.currentTimeMillis()));
        open.forEach((member, user) -> {
            try {
                redis.execute(RENEW, List.of(key(user)), expiry, member);
            } catch (RuntimeException e) {
                log.debug("Connection of user {} not renewed: {}", user, e.toString());
            }
        });
    }

    private long expiry(long now) {
        return now + limits.current().sessionTtl().toMillis();
    }

    /** The user id comes with its length, so that no user id can name another user's key. */
    static String key(String userId) {
        return "chat:connections:" + userId.length() + ":" + userId;
    }
}
