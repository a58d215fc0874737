package dev.streamchat.orchestrator.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamchat.orchestrator.hotlog.HotLog;
import dev.streamchat.orchestrator.hotlog.LogFrame;
import dev.streamchat.testsupport.KafkaTestClients;
import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.ModelWireServer;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import dev.streamchat.testsupport.TestInfrastructure;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generations on real PostgreSQL, Redis and Kafka: commands go in on {@code chat.requests} as session-service sends
 * them; the hot log, the {@code stream_sessions} rows and the events on {@code chat.stream.events} are read back.
 */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, RedisTestConfiguration.class, KafkaTestConfiguration.class})
class GenerationIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static ModelWireServer models;
    private static KafkaProducer<String, String> producer;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    StreamSessionRepository repository;

    @Autowired
    CircuitBreakerRegistry breakers;

    @Autowired
    HotLog hotLog;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    GenerationService generations;

    @Autowired
    LeaseSweeper sweeper;

    @Autowired
    DrainOnShutdown drain;

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) throws IOException {
        models = new ModelWireServer();
        registry.add("streamchat.providers.openai.enabled", () -> "true");
        registry.add("streamchat.providers.openai.base-url", () -> models.baseUrl() + "/v1");
        registry.add("streamchat.providers.openai.model", () -> "local-model");
        registry.add("streamchat.providers.openai.models", () -> "another-model");
        registry.add("streamchat.providers.ollama.enabled", () -> "true");
        registry.add("streamchat.providers.ollama.base-url", models::baseUrl);
        registry.add("streamchat.providers.ollama.model", () -> "local-model");
        registry.add("streamchat.providers.anthropic.enabled", () -> "true");
        registry.add("streamchat.providers.anthropic.base-url", models::baseUrl);
        registry.add("streamchat.providers.anthropic.api-key", () -> "test-key");
        registry.add("streamchat.providers.anthropic.model", () -> "local-model");
        for (String provider : List.of("openai", "ollama", "anthropic")) {
            registry.add("streamchat.providers." + provider + ".max-tokens", () -> "777");
        }
        registry.add("streamchat.generation.idle-timeout", () -> "1s");
        // leases of 3 s renewed every 500 ms and swept every 500 ms, in every context of this test run (pom.xml)
    }

    @BeforeAll
    static void producer() {
        producer = KafkaTestClients.producer(TestInfrastructure.kafka().bootstrapServers());
    }

    @AfterAll
    static void close() {
        producer.close();
        models.close();
    }

    @Test
    void streamsEveryChunkToTheHotLogThenOneCompleteWithTheDigestOfTheAnswer() {
        String messageId = startStream(Map.of("chunks", 40, "chunkIntervalMs", 0), null);

        List<JsonNode> log = awaitTerminal(messageId);

        assertThat(log).hasSize(41);
        var text = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            assertThat(log.get(i).path("kind").asString()).isEqualTo("CHUNK");
            assertThat(log.get(i).path("index").asInt()).isEqualTo(i);
            text.append(log.get(i).path("content").asString());
        }
        assertThat(log).extracting(f -> f.path("chunkType").asString()).contains("THINKING", "TEXT", "CODE");
        JsonNode complete = log.get(40);
        assertThat(complete.path("kind").asString()).isEqualTo("COMPLETE");
        assertThat(complete.path("totalChunks").asInt()).isEqualTo(40);
        assertThat(complete.path("finishReason").asString()).isEqualTo("STOP");
        assertThat(complete.path("contentSha256").asString()).isEqualTo(sha256(text.toString()));
        assertThat(complete.path("tokenCount").asInt())
                .isEqualTo(text.toString().trim().split("\\s+").length);
        await().untilAsserted(() -> assertThat(repository.find(messageId)).hasValueSatisfying(row -> {
            assertThat(row.status()).isEqualTo("COMPLETED");
            assertThat(row.chunkCount()).isEqualTo(40);
        }));
        assertThat(streamEventTypes(messageId, 2)).containsExactly("STREAM_STARTED", "STREAM_COMPLETED");
        assertThat(chunkEvents(messageId, 40).indexes()).containsExactlyElementsOf(range(0, 40));
    }

    @Test
    void aModelFasterThanRedisHasItsChunksWrittenManyPerRoundTripEachOnceInOrder() {
        long scriptsBefore = scriptCalls();
        String messageId = startStream(Map.of("chunks", 2000, "chunkIntervalMs", 0), null);

        List<JsonNode> log = awaitTerminal(messageId);

        assertThat(log).hasSize(2001);
        for (int i = 0; i < 2000; i++) {
            assertThat(log.get(i).path("index").asInt()).isEqualTo(i);
        }
        assertThat(log.getLast().path("totalChunks").asInt()).isEqualTo(2000);
        long scripts = scriptCalls() - scriptsBefore;
        // 2,000 chunks at full speed in batches of up to Generation.MAX_BATCH; one round trip per chunk was 2,001
        assertThat(scripts)
                .as("hot-log scripts run for 2,000 chunks")
                .isPositive()
                .isLessThan(2000 / 4);
        // and the chunks' events in batches of up to 256 (the linger of 100 ms lets each fill up)
        ChunkEvents events = chunkEvents(messageId, 2000);
        assertThat(events.indexes()).containsExactlyElementsOf(range(0, 2000));
        assertThat(events.events())
                .as("CHUNKS_APPENDED events for 2,000 chunks")
                .isBetween(8, 2000 / 10);
    }

    @Test
    void aRedisOutageLongerThanTheCommandTimeoutAndTheLeaseOnlyDelaysTheAnswer() {
        String messageId = startStream(Map.of("chunks", 60, "chunkIntervalMs", 20), null);
        await().until(() -> redis.opsForStream().size(HotLog.logKey(messageId)) >= 5);

        // past the 2 s command timeout (writes fail and are asked again) and the 3 s lease of this test (it lapses):
        // the sweepers, which lost Redis as long, leave lapsed leases alone until their owners had time to renew
        TestInfrastructure.freezeRedis(Duration.ofSeconds(4));

        List<JsonNode> log = awaitTerminal(messageId);
        assertThat(log.getLast().path("kind").asString())
                .as(log.getLast().toString())
                .isEqualTo("COMPLETE");
        assertThat(log).hasSize(61);
        assertThat(log.subList(0, 60))
                .extracting(frame -> frame.path("index").asInt())
                .containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, 60).boxed().toList());
        await().untilAsserted(() -> assertThat(repository.find(messageId)).hasValueSatisfying(row -> {
            assertThat(row.status()).isEqualTo("COMPLETED");
            assertThat(row.chunkCount()).isEqualTo(60);
        }));
        assertThat(streamEventTypes(messageId, 2)).containsExactly("STREAM_STARTED", "STREAM_COMPLETED");
        assertThat(chunkEvents(messageId, 60).indexes()).containsExactlyElementsOf(range(0, 60));
    }

    @Test
    void aRedeliveredStartStreamStartsNothing() throws Exception {
        var command = startStreamCommand(UUID.randomUUID().toString(), Map.of("chunks", 5, "chunkIntervalMs", 0), null);
        send(command);
        send(command);
        // commands of one conversation are applied in order: once a later one has run, so has the repeat
        var later = startStreamCommand(UUID.randomUUID().toString(), Map.of("chunks", 1, "chunkIntervalMs", 0), null);
        later.put("conversationId", command.get("conversationId"));
        send(later);

        awaitTerminal(later.get("messageId").toString());
        List<JsonNode> log = awaitTerminal(command.get("messageId").toString());

        assertThat(log).hasSize(6);
        assertThat(redis.opsForStream()
                        .size(HotLog.logKey(command.get("messageId").toString())))
                .isEqualTo(6);
    }

    @Test
    void aRequestIdUsedBeforeForAnotherMessageEndsTheNewMessageAtOnceInsteadOfLeavingItSilent() {
        var first = startStreamCommand(UUID.randomUUID().toString(), Map.of("chunks", 3, "chunkIntervalMs", 0), null);
        send(first);
        String answered = first.get("messageId").toString();
        assertThat(awaitTerminal(answered)).hasSize(4);

        // a session node that forgot the request (Redis restarted) gives it a new message
        var again = startStreamCommand(UUID.randomUUID().toString(), Map.of("chunks", 3, "chunkIntervalMs", 0), null);
        again.put("requestId", first.get("requestId"));
        again.put("conversationId", first.get("conversationId"));
        send(again);
        String refused = again.get("messageId").toString();

        List<JsonNode> log = awaitTerminal(refused);
        assertThat(log).hasSize(1);
        JsonNode terminal = log.getFirst();
        assertThat(terminal.path("kind").asString()).isEqualTo("ERROR");
        assertThat(terminal.path("index").asInt()).isZero();
        assertThat(terminal.path("code").asString()).isEqualTo("VALIDATION");
        assertThat(terminal.path("retryable").asBoolean()).isFalse();
        assertThat(terminal.path("message").asString()).contains(answered);
        assertThat(repository.find(refused)).isEmpty();
        // the answer the request id belongs to is untouched
        assertThat(awaitTerminal(answered)).hasSize(4);
    }

    @Test
    void cancelStopsTheProviderAndEndsTheMessageAsCancelledAtItsLastChunk() {
        String messageId = startStream(Map.of("chunks", 2000, "chunkIntervalMs", 5), null);
        await().until(() -> redis.opsForStream().size(HotLog.logKey(messageId)) >= 5);

        send(cancelCommand(messageId, "alice"));

        List<JsonNode> log = awaitTerminal(messageId);
        JsonNode terminal = log.getLast();
        assertThat(terminal.path("kind").asString()).isEqualTo("COMPLETE");
        assertThat(terminal.path("finishReason").asString()).isEqualTo("CANCELLED");
        int k = terminal.path("totalChunks").asInt();
        assertThat(k).isBetween(5, 1999);
        assertThat(log).hasSize(k + 1);
        await().untilAsserted(() -> assertThat(repository.find(messageId)).hasValueSatisfying(row -> {
            assertThat(row.status()).isEqualTo("CANCELLED");
            assertThat(row.chunkCount()).isEqualTo(k);
        }));
        assertThat(redis.opsForStream().size(HotLog.logKey(messageId))).isEqualTo(k + 1);
    }

    @Test
    void aCancelWhileRedisStandsStillReturnsAtOnceAndEndsTheAnswerOnceRedisIsBack() {
        String messageId = startStream(Map.of("chunks", 2000, "chunkIntervalMs", 5), null);
        await().until(() -> redis.opsForStream().size(HotLog.logKey(messageId)) >= 5);
        var frozen = java.util.concurrent.CompletableFuture.runAsync(
                () -> TestInfrastructure.freezeRedis(Duration.ofSeconds(4)));
        // the writer is waiting for Redis by now (a chunk every 5 ms); before, a cancel waited with it
        await().pollDelay(Duration.ofMillis(500)).until(() -> true);

        long asked = System.nanoTime();
        assertThat(generations.cancelLocally(messageId)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
        frozen.join();

        List<JsonNode> log = awaitTerminal(messageId);
        JsonNode terminal = log.getLast();
        assertThat(terminal.path("finishReason").asString())
                .as(terminal.toString())
                .isEqualTo("CANCELLED");
        int k = terminal.path("totalChunks").asInt();
        assertThat(log.subList(0, k))
                .extracting(frame -> frame.path("index").asInt())
                .containsExactlyElementsOf(range(0, k));
        await().untilAsserted(() -> assertThat(repository.find(messageId)).hasValueSatisfying(row -> {
            assertThat(row.status()).isEqualTo("CANCELLED");
            assertThat(row.chunkCount()).isEqualTo(k);
        }));
        assertThat(chunkEvents(messageId, k).indexes()).containsExactlyElementsOf(range(0, k));
    }

    @Test
    void aCancelOnTheControlChannelStopsTheGenerationOnTheInstanceThatRunsIt() {
        String messageId = startStream(Map.of("chunks", 2000, "chunkIntervalMs", 5), null);
        await().until(() -> redis.opsForStream().size(HotLog.logKey(messageId)) >= 3);

        redis.convertAndSend(HotLog.CONTROL_CHANNEL, messageId);

        JsonNode terminal = awaitTerminal(messageId).getLast();
        assertThat(terminal.path("finishReason").asString()).isEqualTo("CANCELLED");
        assertThat(terminal.path("totalChunks").asInt()).isLessThan(2000);
    }

    @Test
    void aCancelWhoseRelayWasLostStopsTheGenerationAtItsNextLeaseRenewal() {
        String messageId = startStream(Map.of("chunks", 2000, "chunkIntervalMs", 5), null);
        await().until(() -> redis.opsForStream().size(HotLog.logKey(messageId)) >= 3);

        // what another instance leaves when its message on the control channel reaches no one
        redis.opsForHash().put(HotLog.metaKey(messageId), "cancelRequested", "true");

        JsonNode terminal = awaitTerminal(messageId).getLast();
        assertThat(terminal.path("finishReason").asString()).isEqualTo("CANCELLED");
        assertThat(terminal.path("totalChunks").asInt()).isLessThan(2000);
    }

    @Test
    void aCancelRelayedBeforeTheStartEndsTheAnswerBeforeItsFirstChunk() {
        String messageId = UUID.randomUUID().toString();
        // what a cancel relayed by another instance leaves when it comes before the StartStream
        redis.opsForHash().put(HotLog.metaKey(messageId), "cancelRequested", "true");
        send(startStreamCommand(messageId, Map.of("chunks", 50, "chunkIntervalMs", 5), null));

        JsonNode terminal = awaitTerminal(messageId).getLast();

        assertThat(terminal.path("finishReason").asString()).isEqualTo("CANCELLED");
        assertThat(terminal.path("totalChunks").asInt()).isZero();
        // its slot among alice's answers under way was given back
        await().untilAsserted(() -> assertThat(redis.opsForZSet().score("chat:active:alice", messageId))
                .isNull());
    }

    @Test
    void anInstanceShuttingDownFinishesTheAnswersItRunsBeforeItGoes() {
        String messageId = startStream(Map.of("chunks", 100, "chunkIntervalMs", 20), null);
        await().until(() -> redis.opsForStream().size(HotLog.logKey(messageId)) >= 3);

        drain.stop();

        // the drain returned once the answer had ended, whole, and nothing was under way any more
        List<JsonNode> log = HotLogFrames.awaitEnded(redis, messageId, Duration.ofMillis(500));
        assertThat(log.getLast().path("kind").asString()).isEqualTo("COMPLETE");
        assertThat(log.getLast().path("totalChunks").asInt()).isEqualTo(100);
        assertThat(generations.underWay()).isZero();
    }

    @Test
    void aCancelFromAnotherUserChangesNothing() {
        String messageId = startStream(Map.of("chunks", 30, "chunkIntervalMs", 10), null);
        send(cancelCommand(messageId, "mallory"));

        JsonNode terminal = awaitTerminal(messageId).getLast();
        assertThat(terminal.path("finishReason").asString()).isEqualTo("STOP");
        assertThat(terminal.path("totalChunks").asInt()).isEqualTo(30);
    }

    @Test
    void aProviderFailureAtChunkKEndsWithAnErrorAtK() {
        String messageId = startStream(Map.of("chunks", 20, "chunkIntervalMs", 0, "failAtChunk", 7), null);

        List<JsonNode> log = awaitTerminal(messageId);

        assertThat(log).hasSize(8);
        JsonNode error = log.getLast();
        assertThat(error.path("kind").asString()).isEqualTo("ERROR");
        assertThat(error.path("code").asString()).isEqualTo("PROVIDER_UNAVAILABLE");
        assertThat(error.path("index").asInt()).isEqualTo(7);
        assertThat(error.path("retryable").asBoolean()).isTrue();
        await().untilAsserted(() -> assertThat(repository.find(messageId))
                .hasValueSatisfying(row -> assertThat(row.status()).isEqualTo("FAILED")));
        assertThat(streamEventTypes(messageId, 2)).containsExactly("STREAM_STARTED", "STREAM_FAILED");
        assertThat(chunkEvents(messageId, 7).indexes()).containsExactlyElementsOf(range(0, 7));
    }

    @Test
    void aStalledProviderTimesOut() {
        String messageId = startStream(Map.of("chunks", 20, "chunkIntervalMs", 0, "stallAtChunk", 3), null);

        JsonNode error = awaitTerminal(messageId).getLast();

        assertThat(error.path("code").asString()).isEqualTo("TIMEOUT");
        assertThat(error.path("index").asInt()).isEqualTo(3);
    }

    @Test
    void aUserWithTheMaximumOfAnswersRunningIsRefusedTheNextOne() {
        var running = new ArrayList<String>();
        for (int i = 0; i < 5; i++) {
            running.add(startStream(Map.of("chunks", 5000, "chunkIntervalMs", 20), null, "long answer", "busy-user"));
        }
        await().until(() -> running.stream().allMatch(id -> redis.opsForStream().size(HotLog.logKey(id)) > 0));

        String refused = startStream(Map.of("chunks", 5), null, "one more", "busy-user");
        JsonNode error = awaitTerminal(refused).getLast();

        assertThat(error.path("code").asString()).isEqualTo("RATE_LIMITED");
        assertThat(error.path("retryable").asBoolean()).isTrue();
        running.forEach(id -> send(cancelCommand(id, "busy-user")));
        running.forEach(this::awaitTerminal);
    }

    @Test
    void anUnknownModelIsRefusedWithValidation() {
        String messageId = startStream(Map.of(), "no-such-provider");

        JsonNode error = awaitTerminal(messageId).getLast();

        assertThat(error.path("code").asString()).isEqualTo("VALIDATION");
        assertThat(error.path("retryable").asBoolean()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "ollama", "anthropic"})
    void aRealProviderStreamsAnAnswerFromItsWireFormat(String provider) {
        String messageId = startStream(Map.of(), provider);

        List<JsonNode> log = awaitTerminal(messageId);

        var text = new StringBuilder();
        log.subList(0, log.size() - 1)
                .forEach(frame -> text.append(frame.path("content").asString()));
        assertThat(text.toString()).isEqualTo(String.join("", ModelWireServer.PARTS));
        JsonNode complete = log.getLast();
        assertThat(complete.path("kind").asString()).isEqualTo("COMPLETE");
        assertThat(complete.path("contentSha256").asString()).isEqualTo(sha256(text.toString()));
        assertThat(complete.path("tokenCount").asInt()).isEqualTo(7);
        assertThat(models.requests())
                .anySatisfy(request ->
                        assertThat(request).contains("local-model").contains("tell me about resumable streams"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "ollama", "anthropic"})
    void aRequestTheProviderRefusesIsTheRequestsFaultAndLeavesTheBreakerAlone(String provider) {
        var breaker = breakers.circuitBreaker(provider);
        long failedBefore = breaker.getMetrics().getNumberOfFailedCalls();

        String messageId = startStream(Map.of(), provider, "please refuse this");

        JsonNode error = awaitTerminal(messageId).getLast();
        assertThat(error.path("kind").asString()).isEqualTo("ERROR");
        assertThat(error.path("code").asString()).isEqualTo("VALIDATION");
        assertThat(error.path("message").asString()).contains("HTTP 400");
        assertThat(error.path("retryable").asBoolean()).isFalse();
        await().untilAsserted(() -> assertThat(repository.find(messageId))
                .hasValueSatisfying(row -> assertThat(row.status()).isEqualTo("FAILED")));
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(failedBefore);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "ollama", "anthropic"})
    void aProviderServerThatDropsMidStreamEndsTheMessageWithAnError(String provider) {
        String messageId = startStream(Map.of(), provider, "please break now");

        JsonNode error = awaitTerminal(messageId).getLast();

        assertThat(error.path("kind").asString()).isEqualTo("ERROR");
        assertThat(error.path("code").asString()).isIn("PROVIDER_UNAVAILABLE", "TIMEOUT");
    }

    @Test
    void aModelNamedInTheRequestReachesTheProvider() {
        String messageId = startStream(Map.of(), "openai/another-model");

        awaitTerminal(messageId);

        assertThat(models.requests())
                .anySatisfy(request -> assertThat(request).contains("\"model\":\"another-model\""));
    }

    @Test
    void aModelTheProviderIsNotConfiguredWithIsRefusedAndNeverRecordedByItsName() {
        String messageId = startStream(Map.of(), "openai/made-up-" + UUID.randomUUID());

        JsonNode error = awaitTerminal(messageId).getLast();

        assertThat(error.path("code").asString()).isEqualTo("VALIDATION");
        assertThat(models.requests()).noneSatisfy(request -> assertThat(request).contains("made-up-"));
        assertThat(streamEventTypes(messageId, 2)).containsExactly("STREAM_STARTED", "STREAM_FAILED");
        assertThat(repository.find(messageId))
                .hasValueSatisfying(row -> assertThat(row.model()).isEqualTo("unknown"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "ollama", "anthropic"})
    void aRequestThatAsksForNoTokenLimitGetsTheProvidersCap(String provider) {
        String prompt = "a capped answer " + UUID.randomUUID();

        awaitTerminal(startStream(Map.of(), provider, prompt));

        assertThat(models.requests())
                .anySatisfy(request -> assertThat(request).contains(prompt).contains("777"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "ollama", "anthropic"})
    void optionsOutOfRangeAreRefusedBeforeTheProviderIsCalled(String provider) {
        var breaker = breakers.circuitBreaker(provider);
        long failedBefore = breaker.getMetrics().getNumberOfFailedCalls();
        for (Map<String, Object> options : List.<Map<String, Object>>of(
                Map.of("maxTokens", 778),
                Map.of("maxTokens", 0),
                Map.of("maxTokens", 10.5),
                Map.of("temperature", 3),
                Map.of("topP", "high"))) {
            String prompt = "too much " + UUID.randomUUID();

            JsonNode error =
                    awaitTerminal(startStream(options, provider, prompt)).getLast();

            assertThat(error.path("code").asString()).as("%s", options).isEqualTo("VALIDATION");
            assertThat(error.path("message").asString()).startsWith("options.");
            assertThat(models.requests())
                    .noneSatisfy(request -> assertThat(request).contains(prompt));
        }
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(failedBefore);
    }

    @Test
    void aStartStreamAcceptedByAnInstanceThatDiedBeforeStartingItEndsAsInterruptedAndIsNotStartedAgain() {
        // the crash window between taking a command (its row: a redelivery starts nothing) and running it: found by
        // the fault suite, where such an answer never ended and its client waited forever
        String messageId = UUID.randomUUID().toString();
        var command = new ChatCommand(
                UUID.randomUUID().toString(),
                ChatCommand.START_STREAM,
                messageId,
                "alice",
                "conv-" + messageId,
                "req-" + messageId,
                "s-1",
                "session-service-1",
                "hello",
                null,
                Map.of(),
                System.currentTimeMillis());
        assertThat(generations.accept(command, "simulated", "simulated", true)).isPresent();

        List<JsonNode> log = awaitTerminal(messageId);

        assertThat(log).hasSize(1);
        assertThat(log.getFirst().path("code").asString()).isEqualTo("INTERRUPTED");
        assertThat(log.getFirst().path("index").asInt()).isZero();
        assertThat(generations.accept(command, "simulated", "simulated", true)).isEmpty();
    }

    @Test
    void aGenerationWhoseLeaseExpiredIsInterruptedAtTheChunkTheHotLogReachedAndItsChunksSentAgain() {
        // what an instance killed mid-stream leaves: its row, its meta, five chunks in the log, a lease nobody renews
        String messageId = UUID.randomUUID().toString();
        jdbc.sql("""
                        insert into stream_sessions
                            (message_id, request_id, user_id, conversation_id, node_id, provider, model, status)
                        values (?, ?, 'alice', ?, 'orchestrator-gone', 'simulated', 'simulated', 'STREAMING')""").params(messageId, "req-" + messageId, "conv-" + messageId).update();
        hotLog.createMeta(
                messageId,
                Map.of("userId", "alice", "conversationId", "conv-" + messageId, "status", "STREAMING"),
                Duration.ofMinutes(5));
        for (int i = 0; i < 5; i++) {
            hotLog.append(
                    LogFrame.chunk(messageId, i, "part-" + i + " ", "TEXT", (1000L + i) * 1000),
                    HotLog.GENERATION,
                    Duration.ofMinutes(5));
        }
        redis.opsForZSet().add(Leases.INDEX, messageId, System.currentTimeMillis() - 1);

        List<JsonNode> log = awaitTerminal(messageId);

        assertThat(log).hasSize(6);
        JsonNode terminal = log.get(5);
        assertThat(terminal.path("kind").asString()).isEqualTo("ERROR");
        assertThat(terminal.path("code").asString()).isEqualTo("INTERRUPTED");
        assertThat(terminal.path("retryable").asBoolean()).isTrue();
        assertThat(terminal.path("index").asInt()).isEqualTo(5);
        await().untilAsserted(() -> assertThat(repository.find(messageId)).hasValueSatisfying(row -> {
            assertThat(row.status()).isEqualTo("INTERRUPTED");
            assertThat(row.chunkCount()).isEqualTo(5);
        }));
        assertThat(hotLog.meta(messageId)).containsEntry("totalChunks", "5").containsEntry("status", "INTERRUPTED");
        assertThat(redis.opsForZSet().score(Leases.INDEX, messageId)).isNull();
        assertThat(streamEventTypes(messageId, 2)).containsExactly("STREAM_STARTED", "STREAM_INTERRUPTED");
        assertThat(chunkEvents(messageId, 5).indexes()).containsExactlyElementsOf(range(0, 5));
    }

    @Test
    void aGenerationThatOutlivesItsLeaseTimeIsRenewedAndNeverSwept() {
        // 20 chunks 250 ms apart: 5 s, longer than the 3 s lease
        String messageId = startStream(Map.of("chunks", 20, "chunkIntervalMs", 250), null);

        List<JsonNode> log = awaitTerminal(messageId);

        assertThat(log.getLast().path("kind").asString()).isEqualTo("COMPLETE");
        assertThat(log).hasSize(21);
        assertThat(redis.opsForZSet().score(Leases.INDEX, messageId)).isNull();
    }

    @Test
    void aGenerationWhoseMessageASweeperEndedWritesAndSendsNothingMore() {
        // a generation taken for dead (its lease lapsed while it stood still) that runs on: the sweeper ends its
        // message, and the hot log refuses everything the generation writes after that, its end included
        String messageId = startStream(Map.of("chunks", 2000, "chunkIntervalMs", 5), null);
        await().until(() -> redis.opsForStream().size(HotLog.logKey(messageId)) >= 5);

        sweeper.interrupt(messageId);

        List<JsonNode> log = awaitTerminal(messageId);
        JsonNode terminal = log.getLast();
        assertThat(terminal.path("code").asString()).isEqualTo("INTERRUPTED");
        int k = terminal.path("index").asInt();
        assertThat(log).hasSize(k + 1);
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(5))
                .until(() -> redis.opsForStream().size(HotLog.logKey(messageId)), size -> size == k + 1);
        assertThat(repository.find(messageId)).hasValueSatisfying(row -> {
            assertThat(row.status()).isEqualTo("INTERRUPTED");
            assertThat(row.chunkCount()).isEqualTo(k);
        });
        // the generation's STARTED and chunks, then the sweeper's STARTED, chunks and end
        assertThat(streamEventTypes(messageId, 3))
                .containsOnlyOnce("STREAM_INTERRUPTED")
                .doesNotContain("STREAM_COMPLETED", "STREAM_FAILED", "STREAM_CANCELLED")
                .endsWith("STREAM_INTERRUPTED");
        // every chunk of the log, the sweeper's batches after the generation's: none past the end
        List<Integer> indexes = chunkEvents(messageId, 2 * k).indexes();
        assertThat(indexes).containsAll(range(0, k)).allMatch(index -> index < k);
    }

    private String startStream(Map<String, Object> options, String model) {
        return startStream(options, model, "tell me about resumable streams");
    }

    private String startStream(Map<String, Object> options, String model, String content) {
        return startStream(options, model, content, "alice");
    }

    private String startStream(Map<String, Object> options, String model, String content, String userId) {
        String messageId = UUID.randomUUID().toString();
        var command = startStreamCommand(messageId, options, model);
        command.put("content", content);
        command.put("userId", userId);
        send(command);
        return messageId;
    }

    private static Map<String, Object> startStreamCommand(String messageId, Map<String, Object> options, String model) {
        var command = new LinkedHashMap<String, Object>();
        command.put("commandId", UUID.randomUUID().toString());
        command.put("commandType", "StartStream");
        command.put("messageId", messageId);
        command.put("userId", "alice");
        command.put("conversationId", "conv-" + messageId);
        command.put("requestId", "req-" + messageId);
        command.put("sessionId", "session-1");
        command.put("nodeId", "session-service-test");
        command.put("content", "tell me about resumable streams");
        if (model != null) {
            command.put("model", model);
        }
        command.put("options", options);
        command.put("timestamp", System.currentTimeMillis());
        return command;
    }

    private static Map<String, Object> cancelCommand(String messageId, String userId) {
        return Map.of(
                "commandId",
                UUID.randomUUID().toString(),
                "commandType",
                "CancelStream",
                "messageId",
                messageId,
                "userId",
                userId,
                "conversationId",
                "conv-" + messageId,
                "timestamp",
                System.currentTimeMillis());
    }

    private static void send(Map<String, Object> command) {
        try {
            producer.send(new ProducerRecord<>(
                            "chat.requests",
                            command.get("conversationId").toString(),
                            JSON.writeValueAsString(command)))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many scripts Redis has run (EVALSHA and EVAL), from its command statistics. */
    private long scriptCalls() {
        var stats = redis.execute((org.springframework.data.redis.core.RedisCallback<java.util.Properties>)
                connection -> connection.serverCommands().info("commandstats"));
        long calls = 0;
        for (String command : List.of("cmdstat_evalsha", "cmdstat_eval")) {
            String line = stats == null ? null : stats.getProperty(command);
            if (line != null) {
                calls += Long.parseLong(line.replaceFirst("^calls=(\\d+),.*", "$1"));
            }
        }
        return calls;
    }

    private List<JsonNode> awaitTerminal(String messageId) {
        return HotLogFrames.awaitEnded(redis, messageId, Duration.ofSeconds(30));
    }

    private static List<Integer> range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).boxed().toList();
    }

    /** The chunk indexes of the message's CHUNKS_APPENDED events, in the order sent, and how many events there were. */
    record ChunkEvents(List<Integer> indexes, int events) {}

    private static ChunkEvents chunkEvents(String messageId, int expected) {
        var indexes = new ArrayList<Integer>();
        int events = 0;
        try (var consumer =
                KafkaTestClients.consumer(TestInfrastructure.kafka().bootstrapServers(), "chat.stream.chunks")) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (indexes.size() < expected && System.currentTimeMillis() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode event = JSON.readTree(record.value());
                    if (event.path("messageId").asString().equals(messageId)) {
                        assertThat(record.key()).isEqualTo("conv-" + messageId);
                        assertThat(event.path("eventType").asString()).isEqualTo("CHUNKS_APPENDED");
                        int from = event.path("payload").path("fromIndex").asInt();
                        JsonNode chunks = event.path("payload").path("chunks");
                        assertThat(chunks.size()).isPositive();
                        for (int i = 0; i < chunks.size(); i++) {
                            assertThat(chunks.get(i).path("content").isString()).isTrue();
                            assertThat(chunks.get(i).path("emittedAtMicros").asLong())
                                    .isPositive();
                            indexes.add(from + i);
                        }
                        events++;
                    }
                }
            }
        }
        return new ChunkEvents(indexes, events);
    }

    private static List<String> streamEventTypes(String messageId, int expected) {
        var types = new ArrayList<String>();
        try (var consumer =
                KafkaTestClients.consumer(TestInfrastructure.kafka().bootstrapServers(), "chat.stream.events")) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (types.size() < expected && System.currentTimeMillis() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode event = JSON.readTree(record.value());
                    if (event.path("messageId").asString().equals(messageId)) {
                        assertThat(record.key()).isEqualTo("conv-" + messageId);
                        types.add(event.path("eventType").asString());
                    }
                }
            }
        }
        return types;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
