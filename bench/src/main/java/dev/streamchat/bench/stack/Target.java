package dev.streamchat.bench.stack;

import dev.streamchat.bench.client.ChatSocket;
import dev.streamchat.bench.client.Endpoint;
import dev.streamchat.bench.client.Pause;
import dev.streamchat.launcher.LocalStack;
import dev.streamchat.launcher.ServiceInstance;
import dev.streamchat.launcher.StackSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.GroupState;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The system a benchmark drives: a stack started by the launcher of {@code ./chat up} (which it may kill and restart
 * parts of), seen through its gateway, its session-service nodes and its HTTP APIs.
 */
public final class Target {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final LocalStack stack;
    private final HttpClient http;
    private @Nullable RedisCommands<String, String> redis;

    public Target(LocalStack stack) {
        this.stack = stack;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    public LocalStack stack() {
        return stack;
    }

    public HttpClient http() {
        return http;
    }

    public StackSettings settings() {
        return stack.settings();
    }

    public ServiceInstance instance(String instanceId) {
        return settings().services().stream()
                .filter(instance -> instance.instanceId().equals(instanceId))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no instance " + instanceId));
    }

    public List<ServiceInstance> instancesOf(String module) {
        return settings().services().stream()
                .filter(instance -> instance.module().equals(module))
                .toList();
    }

    public String gatewayUrl() {
        return instancesOf("gateway-service").getFirst().baseUrl();
    }

    public Endpoint throughGateway() {
        return Endpoint.gateway(http, gatewayUrl());
    }

    public Endpoint directToSessionNodes() {
        return Endpoint.direct(
                http,
                instancesOf("session-service").stream()
                        .map(ServiceInstance::baseUrl)
                        .toList());
    }

    /**
     * Waits, up to a minute, until the gateway routes new connections to {@code instanceId} again: a restarted session
     * node is healthy before the gateway's list of instances has it back (Eureka's fetch, then its health checks).
     */
    public void awaitGatewayRoutesTo(String instanceId) {
        String token = devToken("routing-probe");
        ChatSocket.Handler ignoring = new ChatSocket.Handler() {
            @Override
            public void onFrame(ChatSocket socket, JsonNode frame, long receivedMicros, long receivedNanos) {}

            @Override
            public void onClosed(ChatSocket socket, int code, @Nullable Throwable error) {}
        };
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            // eight session ids: when the gateway knows two nodes, all eight land on the other one once in 256
            for (int i = 0; i < 8; i++) {
                ChatSocket socket = throughGateway().connect(token, ignoring, null);
                boolean there = socket.nodeId().equals(instanceId);
                socket.close();
                if (there) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the gateway routes nothing to " + instanceId + " after a minute");
            }
            Pause.sleep(500);
        }
    }

    /**
     * Waits until a restarted instance takes its share of the work again: a session node until the gateway routes to
     * it, an orchestrator until it consumes part of {@code chat.requests}. Healthy is not enough for either: until
     * then every new connection or answer goes to the other instances, and a fault meant for this one meets nothing.
     */
    public void awaitTakingWork(String instanceId) {
        if (instanceId.startsWith("session-service")) {
            awaitGatewayRoutesTo(instanceId);
        } else if (instanceId.startsWith("orchestrator-service")) {
            awaitOrchestratorsConsuming();
        }
    }

    /**
     * Waits, up to a minute, until the orchestrators' consumer group is stable with every instance in it and each
     * holding partitions of {@code chat.requests}: a restarted orchestrator is healthy seconds before its consumer has
     * joined the group and been given partitions.
     */
    public void awaitOrchestratorsConsuming() {
        int instances = instancesOf("orchestrator-service").size();
        String group = "orchestrator-service";
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "localhost:" + settings().ports().kafka()))) {
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (true) {
                ConsumerGroupDescription described;
                try {
                    described = admin.describeConsumerGroups(List.of(group))
                            .all()
                            .get(10, TimeUnit.SECONDS)
                            .get(group);
                } catch (ExecutionException | TimeoutException e) {
                    described = null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                if (described != null
                        && described.groupState() == GroupState.STABLE
                        && described.members().size() == instances
                        && described.members().stream()
                                .noneMatch(member ->
                                        member.assignment().topicPartitions().isEmpty())) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the orchestrators' consumer group did not take in all " + instances
                            + " instances in a" + " minute: " + described);
                }
                Pause.sleep(500);
            }
        }
    }

    /** The records every consumer group has still to take, and the end offsets of what it reads, summed per group. */
    public record GroupOffsets(long lag, long ends) {}

    /**
     * How far behind each consumer group of the stack is, in records (the anonymous groups of Spring Cloud Bus
     * left out); empty when Kafka does not answer.
     */
    public Map<String, GroupOffsets> consumerGroups() {
        var groups = new java.util.TreeMap<String, GroupOffsets>();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "localhost:" + settings().ports().kafka()))) {
            for (var listing : admin.listGroups().all().get(10, TimeUnit.SECONDS)) {
                String group = listing.groupId();
                if (group.startsWith("anonymous.")) {
                    continue;
                }
                var committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
                var latest = new java.util.HashMap<org.apache.kafka.common.TopicPartition, OffsetSpec>();
                committed.forEach((partition, offset) -> {
                    if (offset != null) {
                        latest.put(partition, OffsetSpec.latest());
                    }
                });
                if (latest.isEmpty()) {
                    continue;
                }
                long lag = 0;
                long ends = 0;
                for (var end : admin.listOffsets(latest)
                        .all()
                        .get(10, TimeUnit.SECONDS)
                        .entrySet()) {
                    ends += end.getValue().offset();
                    lag += Math.max(
                            0,
                            end.getValue().offset()
                                    - committed.get(end.getKey()).offset());
                }
                groups.put(group, new GroupOffsets(lag, ends));
            }
        } catch (ExecutionException | TimeoutException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return groups;
    }

    /** Bytes Redis holds ({@code used_memory}). */
    public long redisUsedMemory() {
        for (String line : redis().info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        return -1;
    }

    /** A token of the local profile for {@code userId}, from the gateway's dev-token endpoint. */
    public String devToken(String userId) {
        var response = send(HttpRequest.newBuilder(URI.create(gatewayUrl() + "/api/auth/dev-token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + userId + "\"}")));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("dev token for " + userId + ": " + response.statusCode());
        }
        return JSON.readTree(response.body()).path("token").asString();
    }

    /** {@code GET} of a JSON resource through the gateway as the token's user; null unless 200. */
    public @Nullable JsonNode get(String path, String token) {
        var response = send(HttpRequest.newBuilder(URI.create(gatewayUrl() + path))
                .header("Authorization", "Bearer " + token)
                .GET());
        return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    }

    /** True once persistence-service holds the answer whole (its last chunk and its end), asked through the gateway. */
    public boolean stored(String messageId, String token, int chunks) {
        JsonNode found = get("/api/conversations/messages/" + messageId + "?fromIndex=" + (chunks - 1), token);
        return found != null && found.path("complete").asBoolean();
    }

    /**
     * How many chunks persistence-service holds for the answer, counted from index 0 without a gap (a gap counts as
     * the end); 0 when it holds none.
     */
    public int storedChunks(String messageId, String token) {
        JsonNode found = get("/api/conversations/messages/" + messageId + "?fromIndex=0", token);
        if (found == null) {
            return 0;
        }
        int held = 0;
        for (JsonNode chunk : found.path("chunks")) {
            if (chunk.path("index").asInt() != held) {
                break;
            }
            held++;
        }
        return held;
    }

    /** True when every service instance reports itself ready. */
    public List<String> unhealthyInstances() {
        return settings().services().stream()
                .filter(instance -> {
                    try {
                        var response = http.send(
                                HttpRequest.newBuilder(URI.create(instance.healthUrl()))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        return response.statusCode() != 200;
                    } catch (IOException e) {
                        return true;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return true;
                    }
                })
                .map(ServiceInstance::instanceId)
                .toList();
    }

    /**
     * The sum of a metric's samples in an instance's Prometheus scrape whose labels contain {@code labelPart} (empty:
     * all); -1 when the scrape failed or took more than 5 s.
     */
    public double metric(String instanceId, String name, String labelPart) {
        String scrape = scrape(instanceId);
        return scrape == null ? -1 : sum(scrape, name, labelPart);
    }

    /** The sum of the samples of each of {@code names} in one scrape of an instance; empty when the scrape failed. */
    public Map<String, Double> metrics(String instanceId, List<String> names) {
        String scrape = scrape(instanceId);
        var sums = new LinkedHashMap<String, Double>();
        if (scrape != null) {
            names.forEach(name -> sums.put(name, sum(scrape, name, "")));
        }
        return sums;
    }

    private @Nullable String scrape(String instanceId) {
        var credentials = stack.platformCredentials();
        String basic = Base64.getEncoder()
                .encodeToString(
                        (credentials.username() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            // a frozen or dying instance is a failed scrape, not a sampler held up for half a minute
            response = http.send(
                    HttpRequest.newBuilder(URI.create(instance(instanceId).baseUrl() + "/actuator/prometheus"))
                            .header("Authorization", "Basic " + basic)
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return response.statusCode() == 200 ? response.body() : null;
    }

    private static double sum(String scrape, String name, String labelPart) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(labelPart)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** {@code GET} of an actuator endpoint of one instance, with the platform credentials. */
    public @Nullable JsonNode actuator(String instanceId, String path) {
        var credentials = stack.platformCredentials();
        String basic = Base64.getEncoder()
                .encodeToString(
                        (credentials.username() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8));
        var response =
                send(HttpRequest.newBuilder(URI.create(instance(instanceId).baseUrl() + "/actuator" + path))
                        .header("Authorization", "Basic " + basic)
                        .GET());
        return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    }

    /** Deletes keys in the stack's Redis (to make the hot log of answers expire now). */
    public void deleteRedisKeys(List<String> keys) {
        redis().del(keys.toArray(String[]::new));
    }

    /** The orchestrator instance generating an answer ({@code owner} in its hot-log meta); empty when unknown. */
    public String generatorOf(@Nullable String messageId) {
        String owner = messageId == null ? null : redis().hget("chat:meta:" + messageId, "owner");
        return owner == null ? "" : owner;
    }

    private synchronized RedisCommands<String, String> redis() {
        if (redis == null) {
            redis = RedisClient.create(stack.redis().uri()).connect().sync();
        }
        return redis;
    }

    /** The resident set size of a process in bytes, from {@code /proc}. */
    public static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
