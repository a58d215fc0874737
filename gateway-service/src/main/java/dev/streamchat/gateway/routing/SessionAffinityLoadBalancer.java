package dev.streamchat.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;

/**
 * Sticky routing for session-service: the instance for a {@code sessionId} is the one with the highest rendezvous
 * score {@code hash(instanceId, sessionId)} among the healthy instances. The same id always lands on the same node
 * while it lives; when a node goes, only its sessions move (each to its next-best node), and when it comes back under
 * the same instance id it gets them back. Requests without a session id go to a random instance.
 */
public class SessionAffinityLoadBalancer implements ReactorServiceInstanceLoadBalancer {

    public static final String SESSION_ID = "sessionId";

    private final ObjectProvider<ServiceInstanceListSupplier> instances;

    public SessionAffinityLoadBalancer(ObjectProvider<ServiceInstanceListSupplier> instances) {
        this.instances = instances;
    }

    @Override
    public Mono<Response<ServiceInstance>> choose(Request request) {
        ServiceInstanceListSupplier supplier = instances.getIfAvailable();
        if (supplier == null) {
            return Mono.just(new EmptyResponse());
        }
        String sessionId = sessionId(request);
        return supplier.get(request).next().map(candidates -> choose(candidates, sessionId));
    }

    static Response<ServiceInstance> choose(List<ServiceInstance> candidates, @Nullable String sessionId) {
        if (candidates.isEmpty()) {
            return new EmptyResponse();
        }
        if (sessionId == null) {
            return new DefaultResponse(
                    candidates.get(ThreadLocalRandom.current().nextInt(candidates.size())));
        }
        ServiceInstance best = null;
        long bestScore = Long.MIN_VALUE;
        for (ServiceInstance candidate : candidates) {
            long score = score(
                    candidate.getInstanceId() == null ? candidate.getUri().toString() : candidate.getInstanceId(),
                    sessionId);
            if (best == null || score > bestScore) {
                best = candidate;
                bestScore = score;
            }
        }
        return new DefaultResponse(best);
    }

    /** FNV-1a over both ids, then the SplitMix64 finalizer, so that close ids spread evenly. */
    static long score(String instanceId, String sessionId) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : (instanceId + '\n' + sessionId).getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        hash = (hash ^ (hash >>> 30)) * 0xbf58476d1ce4e5b9L;
        hash = (hash ^ (hash >>> 27)) * 0x94d049bb133111ebL;
        return hash ^ (hash >>> 31);
    }

    private static @Nullable String sessionId(Request request) {
        if (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null) {
            return UriComponentsBuilder.fromUri(context.getClientRequest().getUrl())
                    .build()
                    .getQueryParams()
                    .getFirst(SESSION_ID);
        }
        return null;
    }
}
