package dev.streamchat.orchestrator.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import au.com.dius.pact.consumer.MockServer;
import au.com.dius.pact.consumer.dsl.PactDslJsonArray;
import au.com.dius.pact.consumer.dsl.PactDslWithProvider;
import au.com.dius.pact.consumer.junit5.PactConsumerTestExt;
import au.com.dius.pact.consumer.junit5.PactTestFor;
import au.com.dius.pact.core.model.PactSpecVersion;
import au.com.dius.pact.core.model.V4Pact;
import au.com.dius.pact.core.model.annotations.Pact;
import dev.streamchat.testsupport.PublishedPacts;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClient;

/**
 * What orchestrator-service expects of persistence-service's conversation context, asked by
 * {@link ConversationContextClient} itself with the platform credentials.
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(providerName = "persistence-service", pactVersion = PactSpecVersion.V4)
class ConversationContextClientPactTests {

    @Pact(consumer = "orchestrator-service")
    V4Pact recentTurns(PactDslWithProvider builder) {
        return builder.given("alice's conversation conv-ctx holds a question and its answer")
                .uponReceiving("a request for the recent turns of a conversation")
                .method("GET")
                .path("/internal/conversations/conv-ctx/context")
                .query("userId=alice&turns=10")
                .matchHeader("Authorization", "Basic [A-Za-z0-9+/=]+", "Basic cGxhdGZvcm06c2VjcmV0")
                .willRespondWith()
                .status(200)
                .body(PactDslJsonArray.arrayEachLike(2)
                        .stringMatcher("role", "user|assistant", "user")
                        .stringType("content", "What is the capital of France?")
                        .closeObject())
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "recentTurns")
    void turnsTheRecentTurnsIntoModelMessages(MockServer persistence) {
        var loadBalancer = mock(LoadBalancerClient.class);
        var uri = URI.create(persistence.getUrl());
        when(loadBalancer.choose("persistence-service"))
                .thenReturn(new DefaultServiceInstance(
                        "persistence-1", "persistence-service", uri.getHost(), uri.getPort(), false, Map.of()));
        var security = new SecurityProperties();
        security.getUser().setName("platform");
        security.getUser().setPassword("secret");
        var client = new ConversationContextClient(
                loadBalancer,
                CircuitBreakerRegistry.ofDefaults(),
                security,
                new ContextProperties(10, Duration.ofSeconds(5)));

        var messages = client.recentMessages("conv-ctx", "alice");

        assertThat(messages).hasSizeGreaterThanOrEqualTo(2);
        assertThat(messages).allSatisfy(message -> {
            assertThat(message).isInstanceOfAny(UserMessage.class, AssistantMessage.class);
            assertThat(message.getText()).isNotBlank();
        });
    }
}
