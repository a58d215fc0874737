package dev.streamchat.persistence.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.persistence.events.ConversationDeletions;
import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.stream.binding.BindingsLifecycleController;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replay, as the README describes it: with the consumers stopped, the tables emptied and the consumer group reset to
 * the earliest offsets, the history is rebuilt from the topics into the same rows.
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, KafkaTestConfiguration.class})
class ReplayIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> BINDINGS = List.of("messageEvents-in-0", "streamEvents-in-0");
    private static final List<String> TOPICS = List.of("chat.message.events", "chat.stream.events");

    @Autowired
    JdbcClient jdbc;

    @Autowired
    BindingsLifecycleController bindings;

    @Autowired
    ConversationDeletions deletions;

    @Test
    void rebuildingFromTheTopicsGivesTheSameRows() throws Exception {
        String conversationId = "conv-" + UUID.randomUUID();
        String messageId = UUID.randomUUID().toString();
        publishAnswer(conversationId, messageId, "replay me", List.of("part 0 ", "part 1 ", "part 2 "), true);
        // both topics applied: the answer has ended and the prompt is there
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        "COMPLETED".equals(status(messageId)) && "COMPLETED".equals(status(messageId + ":prompt")));
        String before = snapshot(conversationId);
        String deleted = deletedConversation();

        BINDINGS.forEach(bindings::stop);
        jdbc.sql("truncate conversations, messages, stream_chunks, event_store, deleted_conversations")
                .update();
        assertThat(snapshot(conversationId)).isEqualTo("[]|[]|[]");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(this::resetGroupToEarliest);
        BINDINGS.forEach(bindings::start);

        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(snapshot(conversationId)).isEqualTo(before));
        // every event of the deleted conversation replayed (its deletion included), and it stays deleted
        await().atMost(Duration.ofSeconds(60))
                .until(() -> jdbc.sql("select count(*) from event_store where conversation_id = ?")
                                .param(deleted)
                                .query(Long.class)
                                .single()
                        == 4);
        assertThat(snapshot(deleted)).isEqualTo("[]|[]|[]");
    }

    /** A conversation written through the topics, then deleted through its CONVERSATION_DELETED event. */
    private String deletedConversation() throws Exception {
        String conversationId = "conv-" + UUID.randomUUID();
        String messageId = UUID.randomUUID().toString();
        publishAnswer(conversationId, messageId, "delete me", List.of("gone"), false);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.sql("select count(*) from stream_chunks where message_id = ?")
                                        .param(messageId)
                                        .query(Long.class)
                                        .single()
                                == 1
                        && "COMPLETED".equals(status(messageId + ":prompt")));
        deletions.delete("replay-user", conversationId);
        assertThat(snapshot(conversationId)).isEqualTo("[]|[]|[]");
        return conversationId;
    }

    /** The events of one answer, as session-service and orchestrator-service send them; ended when asked. */
    private static void publishAnswer(
            String conversationId, String messageId, String prompt, List<String> chunks, boolean ended)
            throws Exception {
        try (var producer = KafkaTestClients.producer(TestInfrastructure.kafka().bootstrapServers())) {
            send(
                    producer,
                    "chat.message.events",
                    event("MESSAGE_CREATED", conversationId, messageId, 0, Map.of("content", prompt)));
            send(
                    producer,
                    "chat.stream.events",
                    event("STREAM_STARTED", conversationId, messageId, 1, Map.of("model", "simulated")));
            for (int i = 0; i < chunks.size(); i++) {
                send(
                        producer,
                        "chat.stream.events",
                        event(
                                "CHUNK_RECEIVED",
                                conversationId,
                                messageId,
                                2 + i,
                                Map.of("index", i, "content", chunks.get(i), "chunkType", "TEXT")));
            }
            if (ended) {
                send(
                        producer,
                        "chat.stream.events",
                        event(
                                "STREAM_COMPLETED",
                                conversationId,
                                messageId,
                                2 + chunks.size(),
                                Map.of(
                                        "totalChunks",
                                        chunks.size(),
                                        "finishReason",
                                        "STOP",
                                        "tokenCount",
                                        6,
                                        "contentSha256",
                                        "d")));
            }
        }
    }

    private void resetGroupToEarliest() throws Exception {
        var properties = new Properties();
        properties.put(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestInfrastructure.kafka().bootstrapServers());
        try (var admin = Admin.create(properties)) {
            var partitions = admin.describeTopics(TOPICS).allTopicNames().get().values().stream()
                    .flatMap(topic -> topic.partitions().stream()
                            .map(partition -> new TopicPartition(topic.name(), partition.partition())))
                    .collect(Collectors.toMap(partition -> partition, partition -> OffsetSpec.earliest()));
            var earliest = admin.listOffsets(partitions).all().get();
            var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
            earliest.forEach((partition, info) -> offsets.put(partition, new OffsetAndMetadata(info.offset())));
            admin.alterConsumerGroupOffsets("persistence-service", offsets)
                    .all()
                    .get();
        }
    }

    private String snapshot(String conversationId) {
        var conversations = jdbc.sql("select id, user_id, title, created_at from conversations where id = ?")
                .param(conversationId)
                .query()
                .listOfRows();
        var messages = jdbc.sql("""
                select id, role, status, content, chunk_count, total_chunks, chunk_ends::text, finish_reason,
                       token_count, content_sha256, created_at, completed_at
                  from messages where conversation_id = ? order by id
                """).param(conversationId).query().listOfRows();
        var chunks = jdbc.sql("""
                select c.message_id, c.chunk_index, c.content, c.chunk_type, c.emitted_at from stream_chunks c
                  join messages m on m.id = c.message_id where m.conversation_id = ?
                 order by c.message_id, c.chunk_index
                """).param(conversationId).query().listOfRows();
        return conversations + "|" + messages + "|" + chunks;
    }

    private String status(String messageId) {
        return jdbc.sql("select status from messages where id = ?")
                .param(messageId)
                .query(String.class)
                .optional()
                .orElse("");
    }

    private static Map<String, Object> event(
            String type, String conversationId, String messageId, int sequence, Map<String, Object> payload) {
        var event = new HashMap<String, Object>();
        event.put(
                "eventId",
                UUID.nameUUIDFromBytes((messageId + ":" + sequence).getBytes()).toString());
        event.put("eventType", type);
        event.put("schemaVersion", 1);
        event.put("aggregateId", messageId);
        event.put("userId", "replay-user");
        event.put("conversationId", conversationId);
        event.put("messageId", messageId);
        event.put("nodeId", "test");
        event.put("timestamp", 1_764_000_000_000L + sequence);
        event.put("payload", payload);
        return event;
    }

    private static void send(
            org.apache.kafka.clients.producer.Producer<String, String> producer,
            String topic,
            Map<String, Object> event)
            throws Exception {
        producer.send(new ProducerRecord<>(
                        topic, event.get("conversationId").toString(), JSON.writeValueAsString(event)))
                .get();
    }
}
