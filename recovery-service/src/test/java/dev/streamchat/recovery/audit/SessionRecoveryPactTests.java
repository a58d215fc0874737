package dev.streamchat.recovery.audit;

import static org.assertj.core.api.Assertions.assertThat;

import au.com.dius.pact.consumer.MessagePactBuilder;
import au.com.dius.pact.consumer.dsl.PactDslJsonBody;
import au.com.dius.pact.consumer.junit5.PactConsumerTestExt;
import au.com.dius.pact.consumer.junit5.PactTestFor;
import au.com.dius.pact.consumer.junit5.ProviderType;
import au.com.dius.pact.core.model.PactSpecVersion;
import au.com.dius.pact.core.model.V4Interaction;
import au.com.dius.pact.core.model.V4Pact;
import au.com.dius.pact.core.model.annotations.Pact;
import dev.streamchat.testsupport.PublishedPacts;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

/**
 * session-service's {@code RECOVERED} on {@code chat.session.events}, a resume a session node served from the hot log:
 * read into this service's own {@link SessionRecovery}, with what {@code recovery_audit} records.
 */
@ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})
@PactTestFor(providerName = "session-service", providerType = ProviderType.ASYNCH, pactVersion = PactSpecVersion.V4)
class SessionRecoveryPactTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Pact(consumer = "recovery-service")
    V4Pact recovered(MessagePactBuilder builder) {
        return builder.expectsToReceive("a RECOVERED event")
                .withContent(new PactDslJsonBody()
                        .uuid("eventId", "0b9d5f0e-2f7a-3c8e-9f5d-7a1e2b3c4d5e")
                        .stringValue("eventType", "RECOVERED")
                        .stringType("userId", "alice")
                        .uuid("messageId", "6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2")
                        .object("payload")
                        .stringType("sessionId", "s-1")
                        .integerType("fromIndex", 0)
                        .stringMatcher("status", "RECOVERED|COMPLETED", "RECOVERED")
                        .integerType("chunks", 1)
                        .integerType("latencyMicros", 850L)
                        .stringValue("tier", "hot-log")
                        .stringValue("servedBy", "session-service"))
                .toPact(V4Pact.class);
    }

    @Test
    @PactTestFor(pactMethod = "recovered")
    void readsAResumeASessionNodeServedAsAnAuditEntry(List<V4Interaction.AsynchronousMessage> messages) {
        assertThat(messages).hasSize(1);
        SessionRecovery event =
                JSON.readValue(messages.getFirst().getContents().getContents().valueAsString(), SessionRecovery.class);
        assertThat(event.servedBySessionNode()).isTrue();
        assertThat(event.eventId()).isEqualTo("0b9d5f0e-2f7a-3c8e-9f5d-7a1e2b3c4d5e");
        RecoveryAudit.Entry entry = event.entry();
        assertThat(entry.userId()).isEqualTo("alice");
        assertThat(entry.sessionId()).isEqualTo("s-1");
        assertThat(entry.messageId()).isEqualTo("6f1c2a53-1b5d-4a36-9f2c-58e3b1a8e0d2");
        assertThat(entry.fromIndex()).isZero();
        assertThat(entry.status()).isEqualTo("RECOVERED");
        assertThat(entry.chunks()).isEqualTo(1);
        assertThat(entry.latencyMicros()).isEqualTo(850L);
        assertThat(entry.tier()).isEqualTo("hot-log");
    }
}
