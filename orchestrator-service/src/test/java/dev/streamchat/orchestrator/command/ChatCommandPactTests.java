package dev.streamchat.orchestrator.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import au.com.dius.pact.consumer.MessagePactBuilder;
import au.com.dius.pact.consumer.dsl.PactDslJsonBody;
import au.com.dius.pact.consumer.junit5.PactConsumerTestExt;
import au.com.dius.pact.consumer.junit5.PactTestFor;
import au.com.dius.pact.consumer.junit5.ProviderType;
import au.com.dius.pact.core.model.PactSpecVersion;
import au.com.dius.pact.core.model.V4Interaction;
import au.com.dius.pact.core.model.V4Pact;
import au.com.dius.pact.core.model.annotations.Pact;
import dev.streamchat.orchestrator.generation.ChatCommand;
import dev.streamchat.orchestrator.generation.GenerationService;
import dev.streamchat.testsupport.PublishedPacts;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.ArgumentCaptor;
import tools.jackson.databind.json.JsonMapper;

/**
 * The commands orchestrator-service reads from {@code chat.requests}, as session-service sends them: read into this
 * service's own {@link ChatCommand} and handed to the real consumer function.
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(providerName = "session-service", providerType = ProviderType.ASYNCH, pactVersion = PactSpecVersion.V4)
class ChatCommandPactTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @Pact(consumer = "orchestrator-service")
    V4Pact startStream(MessagePactBuilder builder) {
        return builder.expectsToReceive("a StartStream command")
                .withContent(new PactDslJsonBody()
                        .stringMatcher("commandId", UUID, "8a1b6a53-8a5d-4a36-9f2c-58e3b1a8e0d1")
                        .stringValue("commandType", "StartStream")
                        .stringMatcher("messageId", UUID, "6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2")
                        .stringType("userId", "alice")
                        .stringType("conversationId", "conv-1")
                        .stringType("requestId", "r-1")
                        .stringType("sessionId", "s-1")
                        .stringType("nodeId", "session-service-1")
                        .stringType("content", "hello")
                        .integerType("timestamp", 1_700_000_000_000L)
                        .object("options")
                        .integerType("chunks", 3))
                .toPact(V4Pact.class);
    }

    @Pact(consumer = "orchestrator-service")
    V4Pact cancelStream(MessagePactBuilder builder) {
        return builder.expectsToReceive("a CancelStream command")
                .withContent(new PactDslJsonBody()
                        .stringMatcher("commandId", UUID, "8a1b6a53-8a5d-4a36-9f2c-58e3b1a8e0d3")
                        .stringValue("commandType", "CancelStream")
                        .stringMatcher("messageId", UUID, "6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2")
                        .stringType("userId", "alice")
                        .stringType("conversationId", "conv-1")
                        .stringType("nodeId", "session-service-1")
                        .integerType("timestamp", 1_700_000_000_000L))
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "startStream")
    void startsAGenerationWithThePromptAndOptionsOfAStartStream(List<V4Interaction.AsynchronousMessage> messages) {
        var generations = mock(GenerationService.class);
        ChatCommand command = read(messages);

        new ChatCommandConfiguration().chatRequests(generations).accept(command);

        var started = ArgumentCaptor.forClass(ChatCommand.class);
        verify(generations).start(started.capture());
        assertThat(started.getValue().messageId()).isEqualTo("6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2");
        assertThat(started.getValue().userId()).isEqualTo("alice");
        assertThat(started.getValue().conversationId()).isEqualTo("conv-1");
        assertThat(started.getValue().requestId()).isEqualTo("r-1");
        assertThat(started.getValue().content()).isEqualTo("hello");
        assertThat(started.getValue().optionsOrEmpty()).containsEntry("chunks", 3);
    }

    @Test
    @PactTestFor(pactMethod = "cancelStream")
    void cancelsTheGenerationOfTheUsersMessageOnACancelStream(List<V4Interaction.AsynchronousMessage> messages) {
        var generations = mock(GenerationService.class);
        ChatCommand command = read(messages);

        new ChatCommandConfiguration().chatRequests(generations).accept(command);

        verify(generations).cancel("6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2", "alice");
        assertThat(command.optionsOrEmpty()).isEqualTo(Map.of());
        org.mockito.Mockito.verify(generations, org.mockito.Mockito.never()).start(any());
    }

    private static ChatCommand read(List<V4Interaction.AsynchronousMessage> messages) {
        assertThat(messages).hasSize(1);
        return JSON.readValue(messages.getFirst().getContents().getContents().getValue(), ChatCommand.class);
    }
}
