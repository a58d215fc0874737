package dev.streamchat.session.protocol;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.protocol.*}: the limits of the client protocol (v1 and v2) on this node.
 *
 * @param maxFrameChars largest client frame, in characters; larger ones are answered with BAD_FRAME (the gateway's hard cap on a
 *     WebSocket frame is above this, so the answer reaches the client)
 * @param maxContentChars longest {@code content} of a CHAT_REQUEST
 * @param sendBufferBytes bytes a connection may have waiting to be sent before it is closed as too slow
 * @param sendTimeLimit longest time one send may block before the connection is closed as too slow
 * @param sessionTtl how long the registry keeps a connection that stopped renewing (a node that died)
 * @param maxFramesPerSecond frames a connection may send per second; those over it are dropped, and the first of
 *     them in each second is answered with RATE_LIMITED (a flood costs the node almost nothing, and never reaches
 *     recovery-service or persistence-service)
 * @param maxConnectionsPerUser open connections one user may hold over every node; the next is closed as it opens
 *     with 4429
 * @param maxResumesPerSecond RECONNECTs one user may send per second to this node, over all its connections here;
 *     those over it are answered {@code RECOVERY {status: ERROR, code: RATE_LIMITED, retryAfterMs}} and cost nothing
 *     more
 * @param maxStreamsPerUser answers one user may have being generated at once (the orchestrators' limit, read here so
 *     that a request over it is refused before anything is written for it)
 * @param idleTimeout how long a connection may send nothing (heartbeats included) before it is closed
 * @param allowedOrigins the origins a browser may open a connection from; tokens never travel in cookies, so any
 *     origin with a valid token is no risk
 * @param maxChunksFrameBytes the largest CHUNKS frame (protocol v2) this node writes, in bytes of its JSON; a batch
 *     larger than this goes in several frames. Below the gateway's largest WebSocket frame (64 KiB), so every
 *     frame passes it whole
 */
@ConfigurationProperties("streamchat.protocol")
public record ProtocolProperties(
        @DefaultValue("65536") int maxFrameChars,
        @DefaultValue("10000") int maxContentChars,
        @DefaultValue("1048576") int sendBufferBytes,
        @DefaultValue("10s") Duration sendTimeLimit,
        @DefaultValue("90s") Duration sessionTtl,
        @DefaultValue("50") int maxFramesPerSecond,
        @DefaultValue("32") int maxConnectionsPerUser,
        @DefaultValue("30") int maxResumesPerSecond,
        @DefaultValue("5") int maxStreamsPerUser,
        @DefaultValue("120s") Duration idleTimeout,
        @DefaultValue("*") List<String> allowedOrigins,
        @DefaultValue("61440") int maxChunksFrameBytes) {}
