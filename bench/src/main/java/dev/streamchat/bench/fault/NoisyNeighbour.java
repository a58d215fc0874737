package dev.streamchat.bench.fault;

import dev.streamchat.bench.client.ChatSocket;
import dev.streamchat.bench.client.Pause;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.stack.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One user does what a hostile client would while the suite's users stream: holds every connection she may and opens
 * one more, bursts handshakes, sends texts and ids no store could hold, asks for more answers than she may have at
 * once, and floods RECONNECTs for the other users' answers. Every other user's answer must go on exact (all count as
 * affected, so that the row says so), and she must get each refusal docs/PROTOCOL.md promises (its Limits table).
 */
final class NoisyNeighbour implements Fault {

    private static final int CONNECTIONS_PER_USER = 32;
    private static final Duration OPEN = Duration.ofSeconds(10);

    private final List<ChatSocket> held = new CopyOnWriteArrayList<>();
    private final List<String> findings = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
        return "noisy neighbour";
    }

    @Override
    public List<StreamClient> inject(Target target, List<StreamClient> clients) {
        findings.clear();
        String token = target.devToken("mallory-" + UUID.randomUUID().toString().substring(0, 8));
        var collectors = new ArrayList<Collector>();
        for (int i = 0; i < CONNECTIONS_PER_USER; i++) {
            var collector = new Collector();
            try {
                held.add(open(target, token, collector).join());
                collectors.add(collector);
            } catch (CompletionException e) {
                findings.add("connection " + (i + 1) + " of " + CONNECTIONS_PER_USER + " refused: " + e.getCause());
            }
        }
        var oneMore = new Collector();
        expectRefused(open(target, token, oneMore));
        if (oneMore.awaitClose() != 4429) {
            findings.add("connection " + (CONNECTIONS_PER_USER + 1) + " not closed with 4429 but " + oneMore.closeCode);
        }
        int refusedHandshakes = handshakeBurst(target, token);
        if (refusedHandshakes == 0) {
            findings.add("a burst of 60 handshakes was never refused (HTTP 429)");
        }
        if (collectors.size() < 10) {
            findings.add("too few connections held to go on: " + collectors.size());
            return clients;
        }

        // texts and ids no store could hold, on one connection: each must be a VALIDATION error
        ChatSocket poison = held.getFirst();
        for (String content : List.of("a NUL \\u0000 here", "half a pair \\ud800")) {
            poison.sendText("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"p-" + UUID.randomUUID() + "\",\"content\":\""
                    + content + "\"}");
        }
        poison.send(Map.of(
                "type",
                "CHAT_REQUEST",
                "requestId",
                "p-" + UUID.randomUUID(),
                "conversationId",
                "c".repeat(129),
                "content",
                "an id longer than any column"));
        // more answers than one user may have at once, on another
        ChatSocket greedy = held.get(1);
        for (int i = 0; i < 8; i++) {
            greedy.send(Map.of(
                    "type",
                    "CHAT_REQUEST",
                    "requestId",
                    "g-" + UUID.randomUUID(),
                    "content",
                    "a long answer",
                    "options",
                    Map.of("chunks", 100, "chunkIntervalMs", 50)));
        }
        // RECONNECTs for the other users' answers on eight more, far over the per-user limit
        Set<String> others = clients.stream()
                .map(StreamClient::messageId)
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());
        List<String> victims = List.copyOf(others);
        for (ChatSocket socket : held.subList(2, 10)) {
            for (int i = 0; i < 45 && !victims.isEmpty(); i++) {
                socket.send(Map.of(
                        "type", "RECONNECT", "messageId", victims.get(i % victims.size()), "lastChunkIndex", -1));
            }
        }
        Pause.sleep(3_000);

        List<JsonNode> poisonAnswers = collectors.get(0).frames();
        long validation = poisonAnswers.stream()
                .filter(f -> "VALIDATION".equals(f.path("code").asString()))
                .count();
        if (validation != 3) {
            findings.add(
                    "of 3 requests no store could hold, " + validation + " refused with VALIDATION: " + poisonAnswers);
        }
        long overTheLimit = collectors.get(1).frames().stream()
                .filter(f -> "RATE_LIMITED".equals(f.path("code").asString()))
                .count();
        if (overTheLimit < 3) {
            findings.add("8 answers at once got " + overTheLimit + " RATE_LIMITED refusals, at least 3 expected");
        }
        long resumesLimited = 0;
        long forbidden = 0;
        for (Collector collector : collectors.subList(2, 10)) {
            for (JsonNode frame : collector.frames()) {
                String type = frame.path("type").asString();
                if (others.contains(frame.path("messageId").asString())
                        && (type.equals("CHUNK")
                                || type.equals("COMPLETE")
                                || Set.of("RECOVERED", "COMPLETED")
                                        .contains(frame.path("status").asString()))) {
                    findings.add("another user's answer reached her: " + frame);
                }
                if ("RATE_LIMITED".equals(frame.path("code").asString()) && type.equals("RECOVERY")) {
                    resumesLimited++;
                } else if ("FORBIDDEN".equals(frame.path("code").asString())) {
                    forbidden++;
                }
            }
        }
        if (resumesLimited == 0) {
            findings.add("360 RECONNECTs in a burst were never limited");
        }
        System.out.printf(
                "  noisy neighbour: 33rd connection closed with %d, %d of 60 handshakes refused, %d of 3 poison"
                        + " requests VALIDATION, %d of 8 answers RATE_LIMITED, RECONNECTs of others' answers: %d"
                        + " FORBIDDEN, %d RATE_LIMITED%n",
                oneMore.closeCode, refusedHandshakes, validation, overTheLimit, forbidden, resumesLimited);
        // every other user's answer is what this fault is about
        return clients;
    }

    @Override
    public void heal(Target target) {
        held.forEach(ChatSocket::close);
        held.clear();
    }

    @Override
    public List<String> findings() {
        return List.copyOf(findings);
    }

    private static CompletableFuture<ChatSocket> open(Target target, String token, Collector collector) {
        return ChatSocket.open(
                target.http(),
                ChatSocket.chatUri(target.gatewayUrl(), token, "mallory-" + UUID.randomUUID()),
                collector,
                OPEN);
    }

    /** Handshakes at once, over the user's handshake rate: how many the gateway refused. */
    private int handshakeBurst(Target target, String token) {
        var attempts = new ArrayList<CompletableFuture<ChatSocket>>();
        for (int i = 0; i < 60; i++) {
            attempts.add(open(target, token, new Collector()));
        }
        int refused = 0;
        for (var attempt : attempts) {
            try {
                // over the connection limit anyway: any that opened is closed by the server or here
                attempt.join().close();
            } catch (CompletionException e) {
                if (String.valueOf(e.getCause()).contains("429")) {
                    refused++;
                }
            }
        }
        return refused;
    }

    private void expectRefused(CompletableFuture<ChatSocket> attempt) {
        try {
            ChatSocket opened = attempt.join();
            held.add(opened);
            findings.add("connection " + (CONNECTIONS_PER_USER + 1) + " got its WELCOME");
        } catch (CompletionException expected) {
            // closed before WELCOME: the close code tells why
        }
    }

    /** What one of her connections received, and how it closed. */
    private static final class Collector implements ChatSocket.Handler {
        private final ConcurrentLinkedQueue<JsonNode> frames = new ConcurrentLinkedQueue<>();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private volatile int closeCode = -1;

        @Override
        public void onFrame(ChatSocket socket, JsonNode frame, long receivedMicros, long receivedNanos) {
            frames.add(frame);
        }

        @Override
        public void onClosed(ChatSocket socket, int code, @Nullable Throwable error) {
            closeCode = code;
            closed.complete(code);
        }

        List<JsonNode> frames() {
            return List.copyOf(frames);
        }

        int awaitClose() {
            try {
                return closed.get(OPEN.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                return closeCode;
            }
        }
    }
}
