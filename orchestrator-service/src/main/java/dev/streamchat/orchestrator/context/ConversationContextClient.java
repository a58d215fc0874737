package dev.streamchat.orchestrator.context;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * The recent turns of a conversation, from persistence-service, for the model's context. Never the reason an answer
 * fails: any error, a timeout, an open circuit or an absent service gives the bare prompt.
 */
@Component
@EnableConfigurationProperties(ContextProperties.class)
public class ConversationContextClient {

    private static final Logger log = LoggerFactory.getLogger(ConversationContextClient.class);

    private final RestClient persistence;
    private final CircuitBreaker breaker;
    private final int turns;

    private final LoadBalancerClient loadBalancer;

    ConversationContextClient(
            LoadBalancerClient loadBalancer,
            CircuitBreakerRegistry breakers,
            SecurityProperties security,
            ContextProperties properties) {
        var requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(properties.timeout());
        requests.setReadTimeout(properties.timeout());
        // the platform user, as every service's internal endpoints take it
        var platform = security.getUser();
        // not a RestClient.Builder bean: Eureka's own client would pick that up
        this.persistence = RestClient.builder()
                .requestFactory(requests)
                .defaultHeaders(headers -> headers.setBasicAuth(platform.getName(), platform.getPassword()))
                .build();
        this.loadBalancer = loadBalancer;
        this.breaker = breakers.circuitBreaker("persistence-service");
        this.turns = properties.turns();
    }

    public List<Message> recentMessages(String conversationId, String userId) {
        if (turns <= 0) {
            return List.of();
        }
        try {
            ContextTurn[] found = breaker.executeSupplier(() -> persistence
                    .get()
                    .uri(
                            instance() + "/internal/conversations/{id}/context?userId={user}&turns={turns}",
                            conversationId,
                            userId,
                            turns)
                    .retrieve()
                    .body(ContextTurn[].class));
            if (found == null) {
                return List.of();
            }
            return java.util.Arrays.stream(found).map(ContextTurn::toMessage).toList();
        } catch (RuntimeException e) {
            log.debug("No context for conversation {}: {}", conversationId, e.toString());
            return List.of();
        }
    }

    private String instance() {
        ServiceInstance instance = loadBalancer.choose("persistence-service");
        if (instance == null) {
            throw new IllegalStateException("no persistence-service instance");
        }
        return instance.getUri().toString();
    }

    /** One turn as persistence-service returns it. */
    record ContextTurn(String role, String content) {
        Message toMessage() {
            return "assistant".equalsIgnoreCase(role) ? new AssistantMessage(content) : new UserMessage(content);
        }
    }
}
