package dev.streamchat.persistence.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.persistence.retention.RetentionJobs;
import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import dev.streamchat.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The history built from real events on a real broker into PostgreSQL, read back through the API as its users see it.
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, KafkaTestConfiguration.class})
class HistoryIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static KafkaProducer<String, String> producer;

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    RetentionJobs retention;

    @Autowired
    DataSource dataSource;

    @BeforeAll
    static void producer() {
        producer = KafkaTestClients.producer(TestInfrastructure.kafka().bootstrapServers());
    }

    @AfterAll
    static void closeProducer() {
        producer.close();
    }

    @Test
    void buildsTheConversationFromItsEventsOnceEvenWhenEveryEventComesTwice() throws Exception {
        var answer = new Answer("alice", List.of("Streams ", "resume ", "exactly ", "once."));
        List<Map<String, Object>> events = answer.events("How do resumable streams work?", "STREAM_COMPLETED");
        events.forEach(HistoryIntegrationTests::publish);
        events.forEach(HistoryIntegrationTests::publish);

        awaitStatus(answer.messageId, "COMPLETED");
        JsonNode conversations = get("/api/conversations", "alice").body();
        assertThat(conversations.path("items")).anySatisfy(conversation -> {
            assertThat(conversation.path("id").asString()).isEqualTo(answer.conversationId);
            assertThat(conversation.path("title").asString()).isEqualTo("How do resumable streams work?");
        });
        JsonNode messages = get("/api/conversations/" + answer.conversationId + "/messages", "alice")
                .body();
        assertThat(messages.path("total").asInt()).isEqualTo(2);
        assertThat(messages.path("items").get(0).path("role").asString()).isEqualTo("user");
        JsonNode assistant = messages.path("items").get(1);
        assertThat(assistant.path("content").asString()).isEqualTo("Streams resume exactly once.");
        assertThat(assistant.path("totalChunks").asInt()).isEqualTo(4);
        assertThat(assistant.path("contentSha256").asString()).isEqualTo("digest-" + answer.messageId);
        assertThat(count("select count(*) from event_store where message_id = ?", answer.messageId))
                .isEqualTo(events.size());
        assertThat(count("select count(*) from stream_chunks where message_id = ?", answer.messageId))
                .isEqualTo(4);
    }

    @Test
    void anAnswerWhoseEndIsReadBeforeItsLastChunksIsWholeOnceTheyArrive() throws Exception {
        // the end travels on chat.stream.events, the chunks on chat.stream.chunks: either may be read first
        var answer = new Answer("alice", List.of("one ", "two ", "three ", "four ", "five"), 2);
        List<Map<String, Object>> events = answer.events("late chunks", "STREAM_COMPLETED");
        publish(events.get(0));
        publish(events.get(1));
        publish(answer.chunkEvent(0, 2));
        publish(events.getLast());
        awaitStatus(answer.messageId, "COMPLETED");
        JsonNode early =
                get("/api/conversations/messages/" + answer.messageId, "alice").body();
        assertThat(early.path("complete").asBoolean()).isFalse();

        publish(answer.chunkEvent(2, 5));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.sql("select content from messages where id = ?")
                        .param(answer.messageId)
                        .query(String.class)
                        .single()
                        .equals("one two three four five"));
        JsonNode whole = get("/api/conversations/messages/" + answer.messageId + "?fromIndex=1", "alice")
                .body();
        assertThat(whole.path("complete").asBoolean()).isTrue();
        assertThat(texts(whole)).containsExactly("two ", "three ", "four ", "five");
        jdbc.sql("delete from stream_chunks where message_id = ?")
                .param(answer.messageId)
                .update();
        JsonNode pruned = get("/api/conversations/messages/" + answer.messageId + "?fromIndex=3", "alice")
                .body();
        assertThat(texts(pruned)).containsExactly("four ", "five");
    }

    @Test
    void aResumeReadTheDatabaseCannotAnswerInTimeIsCancelledThereAndAnswered503() throws Exception {
        var answer = new Answer("alice", List.of("one ", "two"));
        answer.events("stuck", "STREAM_COMPLETED").forEach(HistoryIntegrationTests::publish);
        awaitStatus(answer.messageId, "COMPLETED");

        try (var locker = dataSource.getConnection()) {
            // what a database too busy to answer looks like to the read: it waits for this lock
            locker.setAutoCommit(false);
            locker.createStatement().execute("lock table stream_chunks in access exclusive mode");
            long asked = System.nanoTime();

            Response stuck = get("/api/conversations/messages/" + answer.messageId + "?fromIndex=0", "alice");

            assertThat(stuck.status()).isEqualTo(503);
            assertThat(stuck.body().path("detail").asString()).contains("did not answer in time");
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(6));
            // cancelled in PostgreSQL, not left waiting for the lock
            assertThat(jdbc.sql("select count(*) from pg_stat_activity where wait_event_type = 'Lock'")
                            .query(Long.class)
                            .single())
                    .isZero();
            locker.rollback();
        }
        assertThat(get("/api/conversations/messages/" + answer.messageId, "alice")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void servesAnAnswerFromAnyIndexAlsoAfterItsChunkRowsArePruned() throws Exception {
        var answer = new Answer("alice", List.of("one ", "two ", "three ", "four ", "five"));
        answer.events("count to five", "STREAM_COMPLETED").forEach(HistoryIntegrationTests::publish);
        awaitStatus(answer.messageId, "COMPLETED");

        JsonNode fromTwo = get("/api/conversations/messages/" + answer.messageId + "?fromIndex=2", "alice")
                .body();
        assertThat(fromTwo.path("complete").asBoolean()).isTrue();
        assertThat(texts(fromTwo)).containsExactly("three ", "four ", "five");

        jdbc.sql("delete from stream_chunks where message_id = ?")
                .param(answer.messageId)
                .update();
        JsonNode pruned = get("/api/conversations/messages/" + answer.messageId + "?fromIndex=3", "alice")
                .body();
        assertThat(pruned.path("complete").asBoolean()).isTrue();
        assertThat(pruned.path("chunks").get(0).path("index").asInt()).isEqualTo(3);
        assertThat(texts(pruned)).containsExactly("four ", "five");
    }

    @Test
    void retentionPrunesOldChunkRowsAndTheAnswerIsStillServedFromAnyIndex() throws Exception {
        var old = new Answer("alice", List.of("old ", "but ", "kept"));
        var recent = new Answer("alice", List.of("fresh"));
        old.events("an old question", "STREAM_COMPLETED").forEach(HistoryIntegrationTests::publish);
        recent.events("a new question", "STREAM_COMPLETED").forEach(HistoryIntegrationTests::publish);
        awaitStatus(old.messageId, "COMPLETED");
        awaitStatus(recent.messageId, "COMPLETED");
        jdbc.sql("update messages set completed_at = now() - interval '30 days' where id = ?")
                .param(old.messageId)
                .update();

        assertThat(retention.pruneChunkRows()).isGreaterThanOrEqualTo(3);

        assertThat(count("select count(*) from stream_chunks where message_id = ?", old.messageId))
                .isZero();
        assertThat(count("select count(*) from stream_chunks where message_id = ?", recent.messageId))
                .isEqualTo(1);
        JsonNode fromOne = get("/api/conversations/messages/" + old.messageId + "?fromIndex=1", "alice")
                .body();
        assertThat(fromOne.path("complete").asBoolean()).isTrue();
        assertThat(texts(fromOne)).containsExactly("but ", "kept");
    }

    @Test
    void onlyOneInstanceRunsARetentionJobAtATime() throws Exception {
        try (var other = dataSource.getConnection();
                var statement = other.createStatement()) {
            statement.execute("select pg_advisory_lock(" + 0x5C_0001L + ")");
            assertThat(retention.pruneChunkRows()).isEqualTo(-1);
            statement.execute("select pg_advisory_unlock(" + 0x5C_0001L + ")");
        }
        assertThat(retention.pruneChunkRows()).isNotNegative();
    }

    @Test
    void idleConversationsAreArchivedOutOfTheListButStayReadable() throws Exception {
        var answer = new Answer("alice", List.of("ancient"));
        answer.events("long ago", "STREAM_COMPLETED").forEach(HistoryIntegrationTests::publish);
        awaitStatus(answer.messageId, "COMPLETED");
        jdbc.sql("update conversations set updated_at = now() - interval '365 days' where id = ?")
                .param(answer.conversationId)
                .update();

        assertThat(retention.archiveIdleConversations()).isGreaterThanOrEqualTo(1);

        assertThat(get("/api/conversations?size=100", "alice").body().toString())
                .doesNotContain(answer.conversationId);
        assertThat(get("/api/conversations/" + answer.conversationId + "/messages", "alice")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void aStreamingAnswerIsNotComplete() throws Exception {
        var answer = new Answer("alice", List.of("partial ", "answer"));
        answer.events("still going", null).forEach(HistoryIntegrationTests::publish);
        await().until(() -> count("select count(*) from stream_chunks where message_id = ?", answer.messageId) == 2);

        JsonNode chunks =
                get("/api/conversations/messages/" + answer.messageId, "alice").body();
        assertThat(chunks.path("status").asString()).isEqualTo("STREAMING");
        assertThat(chunks.path("complete").asBoolean()).isFalse();
        assertThat(texts(chunks)).containsExactly("partial ", "answer");
    }

    @Test
    void anotherUserGetsNotFoundAndNoByteOfTheContent() throws Exception {
        var answer = new Answer("alice", List.of("alice's ", "secret"));
        answer.events("private question", "STREAM_COMPLETED").forEach(HistoryIntegrationTests::publish);
        awaitStatus(answer.messageId, "COMPLETED");

        for (String path : List.of(
                "/api/conversations/" + answer.conversationId + "/messages",
                "/api/conversations/messages/" + answer.messageId)) {
            var response = get(path, "bob");
            assertThat(response.status()).as(path).isEqualTo(404);
            assertThat(response.body().toString()).doesNotContain("secret");
        }
        assertThat(get("/api/conversations/search?q=secret", "bob").body().path("items"))
                .isEmpty();
        assertThat(get("/api/conversations/search?q=secret", "alice").body().path("items"))
                .isNotEmpty();
        assertThat(send("DELETE", "/api/conversations/" + answer.conversationId, "bob")
                        .status())
                .isEqualTo(404);
        assertThat(get("/api/conversations", "bob").body().toString()).doesNotContain(answer.conversationId);
    }

    @Test
    void anEventIntoAnotherUsersConversationIsRefusedToTheDeadLetterTopic() throws Exception {
        var answer = new Answer("alice", List.of("mine"));
        answer.events("alice's conversation", "STREAM_COMPLETED").forEach(HistoryIntegrationTests::publish);
        awaitStatus(answer.messageId, "COMPLETED");

        String intruder = UUID.randomUUID().toString();
        publish(event("MESSAGE_CREATED", "mallory", answer.conversationId, intruder, Map.of("content", "hijack")));

        assertThat(onTopic("chat.message.events.persistence-service.dlt", intruder))
                .isTrue();
        assertThat(count(
                        "select count(*) from messages where conversation_id = ? and user_id = 'mallory'",
                        answer.conversationId))
                .isZero();
        assertThat(count("select count(*) from event_store where message_id = ?", intruder))
                .isZero();
    }

    @Test
    void aBadRecordAmongStreamEventsGoesAloneToTheDeadLetterTopicAndEveryOtherIsApplied() throws Exception {
        var answer = new Answer("alice", List.of("one ", "two ", "three ", "four ", "five ", "six"), 1);
        List<Map<String, Object>> events = answer.events("a batch with bad records", "STREAM_COMPLETED");
        publish(events.getFirst());
        String intruder = UUID.randomUUID().toString();
        var refused = event(
                "CHUNK_RECEIVED",
                "mallory",
                answer.conversationId,
                answer.messageId,
                Map.of("index", 99, "content", "hijack " + intruder, "chunkType", "TEXT"));
        String garbage = "{\"eventId\": \"" + intruder + "\", unreadable";
        var records = new ArrayList<Object>(events.subList(1, events.size()));
        records.add(3, refused);
        records.add(6, garbage);
        // sent together, without waiting in between, so that they arrive in the same polls
        var sent = new ArrayList<java.util.concurrent.Future<?>>();
        for (Object record : records) {
            String value = record instanceof String text ? text : JSON.writeValueAsString(record);
            sent.add(producer.send(new ProducerRecord<>("chat.stream.events", answer.conversationId, value)));
        }
        for (var future : sent) {
            future.get();
        }

        awaitStatus(answer.messageId, "COMPLETED");
        assertThat(texts(get("/api/conversations/messages/" + answer.messageId, "alice")
                        .body()))
                .containsExactly("one ", "two ", "three ", "four ", "five ", "six");
        assertThat(onTopic("chat.stream.events.persistence-service.dlt", "hijack " + intruder))
                .isTrue();
        assertThat(onTopic("chat.stream.events.persistence-service.dlt", intruder, "unreadable"))
                .isTrue();
        assertThat(count("select count(*) from event_store where payload::text like ?", "%" + intruder + "%"))
                .isZero();
        assertThat(count(
                        "select count(*) from stream_chunks where message_id = ? and chunk_index = 99",
                        answer.messageId))
                .isZero();
    }

    @Test
    void eventsTheDatabaseCannotStoreGoToTheDeadLetterTopicAtOnceAndHoldNobodyUp() throws Exception {
        // a NUL in a question (one event at a time) and in a chunk (in batches), and a conversation id longer than the
        // protocol allows, followed on the same partitions by another user's answer
        var poisoned = new Answer("mallory", List.of("fine ", "bad\u0000chunk", "fine"), 1);
        String tooLong = UUID.randomUUID().toString();
        var neighbour = new Answer("alice", List.of("still ", "served"));
        var records = new ArrayList<Map<String, Object>>(poisoned.events("a NUL \u0000 here", "STREAM_COMPLETED"));
        records.add(event("MESSAGE_CREATED", "mallory", "c".repeat(200), tooLong, Map.of("content", "long id")));
        records.addAll(neighbour.events("am I held up?", "STREAM_COMPLETED"));
        for (var record : records) {
            publish(record, 0);
        }

        // each of the three refused events would have been tried for about 37 s before it went
        await().atMost(Duration.ofSeconds(15))
                .until(() -> count("select count(*) from messages where id = ?", neighbour.messageId + ":prompt") == 1
                        && count(
                                        "select count(*) from messages where id = ? and status = 'COMPLETED'",
                                        neighbour.messageId)
                                == 1);
        assertThat(texts(get("/api/conversations/messages/" + neighbour.messageId, "alice")
                        .body()))
                .containsExactly("still ", "served");
        assertThat(onTopic("chat.message.events.persistence-service.dlt", poisoned.messageId, "MESSAGE_CREATED"))
                .isTrue();
        assertThat(onTopic("chat.message.events.persistence-service.dlt", tooLong))
                .isTrue();
        assertThat(onTopic("chat.stream.events.persistence-service.dlt", poisoned.messageId, "CHUNKS_APPENDED"))
                .isTrue();
        // the rest of the poisoned answer's batch was applied
        awaitStatus(poisoned.messageId, "COMPLETED", false);
        assertThat(count("select count(*) from stream_chunks where message_id = ?", poisoned.messageId))
                .isEqualTo(2);
    }

    @Test
    void aConversationIdAsLongAsTheProtocolAllowsIsStored() throws Exception {
        String conversationId = "c".repeat(128);
        String messageId = UUID.randomUUID().toString();
        publish(event("MESSAGE_CREATED", "alice", conversationId, messageId, Map.of("content", "a long id")));

        await().atMost(Duration.ofSeconds(15))
                .until(() -> count("select count(*) from messages where id = ?", messageId + ":prompt") == 1);
        assertThat(count("select count(*) from conversations where id = ?", conversationId))
                .isEqualTo(1);
    }

    @Test
    void deletingAConversationIsAnEventAndNoLaterEventOfItBringsItBack() throws Exception {
        var answer = new Answer("alice", List.of("to be deleted"));
        List<Map<String, Object>> events = answer.events("forget me", "STREAM_COMPLETED");
        events.forEach(HistoryIntegrationTests::publish);
        awaitStatus(answer.messageId, "COMPLETED");

        assertThat(send("DELETE", "/api/conversations/" + answer.conversationId, "mallory")
                        .status())
                .isEqualTo(404);
        assertThat(send("DELETE", "/api/conversations/" + answer.conversationId, "alice")
                        .status())
                .isEqualTo(204);
        assertThat(get("/api/conversations/" + answer.conversationId + "/messages", "alice")
                        .status())
                .isEqualTo(404);
        assertThat(count("select count(*) from messages where conversation_id = ?", answer.conversationId))
                .isZero();
        assertThat(count(
                        "select count(*) from event_store where conversation_id = ? and payload::text like '%forget%'",
                        answer.conversationId))
                .isZero();
        assertThat(onTopic("chat.message.events", "CONVERSATION_DELETED", answer.conversationId))
                .isTrue();

        // a late chunk and the whole conversation again (as a replay would bring them): recorded, not applied
        var late = new HashMap<>(events.get(2));
        late.put("eventId", UUID.randomUUID().toString());
        publish(late);
        events.forEach(HistoryIntegrationTests::publish);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> count(
                                "select count(*) from event_store where event_id = ?",
                                late.get("eventId").toString())
                        == 1);
        assertThat(count("select count(*) from conversations where id = ?", answer.conversationId))
                .isZero();
        assertThat(count("select count(*) from messages where conversation_id = ?", answer.conversationId))
                .isZero();
    }

    @Test
    void theOpenApiDescriptionNamesTheHistoryApiForThePlatformOnly() throws Exception {
        assertThat(platformGet("/v3/api-docs", false).statusCode()).isEqualTo(401);
        var described = platformGet("/v3/api-docs", true);
        assertThat(described.statusCode()).isEqualTo(200);
        JsonNode paths = JSON.readTree(described.body()).path("paths");
        assertThat(List.of(
                        "/api/conversations", "/api/conversations/messages/{messageId}", "/api/conversations/search"))
                .allSatisfy(path -> assertThat(paths.has(path)).as(path).isTrue());
    }

    @Test
    void givesTheOrchestratorTheRecentTurnsWithThePlatformCredentials() throws Exception {
        var answer = new Answer("alice", List.of("Paris."));
        answer.events("Capital of France?", "STREAM_COMPLETED").forEach(HistoryIntegrationTests::publish);
        awaitStatus(answer.messageId, "COMPLETED");
        String path = "/internal/conversations/" + answer.conversationId + "/context?userId=alice&turns=10";

        assertThat(platformGet(path, false).statusCode()).isEqualTo(401);
        var platform = platformGet(path, true);
        JsonNode turns = JSON.readTree(platform.body());
        assertThat(turns).hasSize(2);
        assertThat(turns.get(0).path("role").asString()).isEqualTo("user");
        assertThat(turns.get(1).path("content").asString()).isEqualTo("Paris.");
    }

    /**
     * Generated inputs for every parameter of the history API (numbers of any size, any text, control characters,
     * ids of any length): each gets an answer or a clear 4xx, never a 500.
     */
    @Test
    void everyInputOfTheHistoryApiGetsAnAnswerOrAClearRefusal() throws Exception {
        Arbitrary<String> numbers = Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.of("", "-0", "1e3", "0x10", "2147483647", "-2147483648", "99999999999999999999"));
        Arbitrary<String> texts = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings()
                        .withCharRange('\u0000', '\u001f')
                        .ofMinLength(1)
                        .ofMaxLength(4),
                Arbitraries.strings().alpha().ofMinLength(120).ofMaxLength(260));
        var paths = List.<Arbitrary<String>>of(
                Combinators.combine(numbers, numbers)
                        .as((page, size) -> "/api/conversations?page=" + encode(page) + "&size=" + encode(size)),
                Combinators.combine(texts, numbers, numbers)
                        .as((id, page, size) -> "/api/conversations/" + encode(id) + "/messages?page=" + encode(page)
                                + "&size=" + encode(size)),
                Combinators.combine(texts, numbers)
                        .as((id, from) -> "/api/conversations/messages/" + encode(id) + "?fromIndex=" + encode(from)),
                Combinators.combine(texts, numbers, numbers)
                        .as((q, page, size) -> "/api/conversations/search?q=" + encode(q) + "&page=" + encode(page)
                                + "&size=" + encode(size)));
        var failures = new ArrayList<String>();
        for (var path : Arbitraries.oneOf(paths).sampleStream().limit(400).toList()) {
            int status = status("GET", path);
            if (status >= 500 || status == 401 || status == 403) {
                failures.add(status + " " + path);
            }
        }
        for (String id : List.of("a".repeat(129), "nul%00", "%E2%80%AE", "..", "a%20b")) {
            int status = status("DELETE", "/api/conversations/" + id);
            if (status >= 500) {
                failures.add(status + " DELETE " + id);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(get("/api/conversations?page=2147483647&size=100", "alice").status())
                .isEqualTo(200);
    }

    /** The status of alice's request, whatever its body (an error page need not be JSON). */
    private int status(String method, String path) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + TestTokens.valid("alice"))
                .method(method, HttpRequest.BodyPublishers.noBody());
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void badPagingIsABadRequestProblem() throws Exception {
        var response = get("/api/conversations?size=1000", "alice");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().path("detail").asString()).contains("size");
        assertThat(get("/api/conversations", null).status()).isEqualTo(401);
    }

    /**
     * One question and its answer, as session-service and orchestrator-service would emit them: the chunks in
     * CHUNKS_APPENDED events of up to {@code chunksPerEvent} each.
     */
    private static final class Answer {
        final String userId;
        final String conversationId = "conv-" + UUID.randomUUID();
        final String messageId = UUID.randomUUID().toString();
        final List<String> chunks;
        final int chunksPerEvent;

        Answer(String userId, List<String> chunks) {
            this(userId, chunks, 3);
        }

        Answer(String userId, List<String> chunks, int chunksPerEvent) {
            this.userId = userId;
            this.chunks = chunks;
            this.chunksPerEvent = chunksPerEvent;
        }

        Map<String, Object> chunkEvent(int fromIndex, int toIndex) {
            var batch = new ArrayList<Map<String, Object>>();
            for (int i = fromIndex; i < toIndex; i++) {
                batch.add(Map.of("content", chunks.get(i), "chunkType", "TEXT", "emittedAtMicros", 1_000_000L * i));
            }
            return event(
                    "CHUNKS_APPENDED",
                    userId,
                    conversationId,
                    messageId,
                    Map.of("fromIndex", fromIndex, "chunks", batch));
        }

        List<Map<String, Object>> events(String question, String terminal) {
            var events = new ArrayList<Map<String, Object>>();
            events.add(event("MESSAGE_CREATED", userId, conversationId, messageId, Map.of("content", question)));
            events.add(event("STREAM_STARTED", userId, conversationId, messageId, Map.of("model", "simulated")));
            for (int i = 0; i < chunks.size(); i += chunksPerEvent) {
                events.add(chunkEvent(i, Math.min(chunks.size(), i + chunksPerEvent)));
            }
            if (terminal != null) {
                events.add(event(
                        terminal,
                        userId,
                        conversationId,
                        messageId,
                        Map.of(
                                "totalChunks",
                                chunks.size(),
                                "finishReason",
                                "STOP",
                                "tokenCount",
                                9,
                                "contentSha256",
                                "digest-" + messageId)));
            }
            return events;
        }
    }

    private static Map<String, Object> event(
            String type, String userId, String conversationId, String messageId, Map<String, Object> payload) {
        var event = new HashMap<String, Object>();
        event.put(
                "eventId",
                UUID.nameUUIDFromBytes((messageId + type + payload.get("index") + payload.get("fromIndex")).getBytes())
                        .toString());
        event.put("eventType", type);
        event.put("schemaVersion", 1);
        event.put("aggregateId", messageId);
        event.put("userId", userId);
        event.put("conversationId", conversationId);
        event.put("messageId", messageId);
        event.put("nodeId", "test");
        event.put("timestamp", System.currentTimeMillis());
        event.put("payload", payload);
        return event;
    }

    private static void publish(Map<String, Object> event) {
        publish(event, null);
    }

    /** To the event's topic, on the given partition, or on its conversation's when null. */
    private static void publish(Map<String, Object> event, Integer partition) {
        String topic = switch (event.get("eventType").toString()) {
            case "MESSAGE_CREATED" -> "chat.message.events";
            case "CHUNKS_APPENDED" -> "chat.stream.chunks";
            default -> "chat.stream.events";
        };
        try {
            producer.send(new ProducerRecord<>(
                            topic, partition, event.get("conversationId").toString(), JSON.writeValueAsString(event)))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Until the answer has the status and its prompt is in too (the two come from different topics). */
    private void awaitStatus(String messageId, String status) {
        awaitStatus(messageId, status, true);
    }

    private void awaitStatus(String messageId, String status, boolean withPrompt) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.sql("select status from messages where id = ?")
                                .param(messageId)
                                .query(String.class)
                                .optional()
                                .filter(status::equals)
                                .isPresent()
                        && (!withPrompt
                                || count("select count(*) from messages where id = ?", messageId + ":prompt") == 1));
    }

    private long count(String sql, String parameter) {
        return jdbc.sql(sql).param(parameter).query(Long.class).single();
    }

    private static List<String> texts(JsonNode chunks) {
        var texts = new ArrayList<String>();
        chunks.path("chunks").forEach(chunk -> texts.add(chunk.path("content").asString()));
        return texts;
    }

    /** True when a record on the topic holds every one of the texts (within 30 s). */
    private static boolean onTopic(String topic, String... texts) {
        try (var consumer = KafkaTestClients.consumer(TestInfrastructure.kafka().bootstrapServers(), topic)) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    if (java.util.Arrays.stream(texts).allMatch(record.value()::contains)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** GET with the platform credentials, or with none. */
    private HttpResponse<String> platformGet(String path, boolean withCredentials) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20));
        if (withCredentials) {
            request.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            ("platform:" + ServiceIntegrationTest.PLATFORM_PASSWORD).getBytes()));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Response get(String path, String userId) throws Exception {
        return send("GET", path, userId);
    }

    private Response send(String method, String path, String userId) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (userId != null) {
            request.header("Authorization", "Bearer " + TestTokens.valid(userId));
        }
        var response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(
                response.statusCode(),
                response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body()));
    }

    private record Response(int status, JsonNode body) {}
}
