package dev.streamchat.recovery.resume;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

/**
 * persistence-service's copy of an answer ({@code GET /api/conversations/messages/{id}}), asked with the caller's own
 * token, so it can only ever return the caller's data. An ended answer that persistence holds whole becomes frames
 * with its terminal entry; one still being written gives the chunks it has so far, never a COMPLETED.
 */
@Component
class PersistenceTier {

    static final String TIER = "database";

    private final LoadBalancerClient loadBalancer;
    private final RestClient client;

    PersistenceTier(LoadBalancerClient loadBalancer, RecoveryProperties properties) {
        var requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(properties.persistenceTimeout());
        requests.setReadTimeout(properties.persistenceTimeout());
        // not a RestClient.Builder bean: Eureka's own client would pick that up
        this.client = RestClient.builder().requestFactory(requests).build();
        this.loadBalancer = loadBalancer;
    }

    /**
     * The answer from index {@code fromIndex}, as frames: chunks, then the terminal entry when persistence holds the
     * whole answer. Empty when persistence does not know it for this caller.
     */
    Optional<Stored> read(String bearerToken, String messageId, int fromIndex) {
        MessageChunks found;
        try {
            found = client.get()
                    .uri(instance() + "/api/conversations/messages/{id}?fromIndex={from}", messageId, fromIndex)
                    .headers(headers -> headers.setBearerAuth(bearerToken))
                    .retrieve()
                    .body(MessageChunks.class);
        } catch (HttpClientErrorException e) {
            if (e.getStatusCode() == HttpStatus.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
        if (found == null) {
            return Optional.empty();
        }
        var frames = new ArrayList<Frame>();
        for (ChunkView chunk : found.chunks()) {
            frames.add(Frame.chunk(
                    messageId,
                    chunk.index(),
                    ChronoUnit.MICROS.between(Instant.EPOCH, chunk.emittedAt()),
                    chunk.content(),
                    chunk.chunkType()));
        }
        if (found.complete() && found.totalChunks() != null) {
            frames.add(terminal(found));
        }
        return Optional.of(new Stored(frames, found.complete()));
    }

    private static Frame terminal(MessageChunks found) {
        int total = found.totalChunks() == null ? 0 : found.totalChunks();
        long at = System.currentTimeMillis();
        return switch (found.status()) {
            case "FAILED" ->
                Frame.error(
                        found.id(),
                        total,
                        at,
                        found.errorCode() == null ? "PROVIDER_UNAVAILABLE" : found.errorCode(),
                        "the answer failed",
                        false);
            case "INTERRUPTED" ->
                Frame.error(found.id(), total, at, "INTERRUPTED", "the answer was interrupted; ask again", true);
            default ->
                Frame.complete(
                        found.id(),
                        total,
                        at,
                        found.finishReason() == null ? "STOP" : found.finishReason(),
                        found.tokenCount() == null ? 0 : found.tokenCount(),
                        found.contentSha256());
        };
    }

    private String instance() {
        ServiceInstance instance = loadBalancer.choose("persistence-service");
        if (instance == null) {
            throw new IllegalStateException("no persistence-service instance");
        }
        return instance.getUri().toString();
    }

    /** What persistence holds from the asked index: frames, with the terminal one when {@code complete}. */
    record Stored(List<Frame> frames, boolean complete) {}

    /** persistence-service's answer, as far as recovery reads it (its own copy; the Pact contract holds it). */
    record MessageChunks(
            String id,
            String status,
            List<ChunkView> chunks,
            @Nullable Integer totalChunks,
            @Nullable String finishReason,
            @Nullable Integer tokenCount,
            @Nullable String contentSha256,
            @Nullable String errorCode,
            boolean complete) {}

    record ChunkView(int index, String content, String chunkType, Instant emittedAt) {}
}
