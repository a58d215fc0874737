package dev.streamchat.e2e;

import static dev.streamchat.testsupport.ProtocolClient.type;

import dev.streamchat.testsupport.ProtocolClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One client following one answer through the gateway the way a real one would: it keeps the last index it holds, and
 * whenever its connection goes (dropped by itself at planned chunks, or cut by a dying node) it reconnects and sends
 * {@code RECONNECT} with that index. It checks the invariant of DESIGN.md section 5 as it reads: after each RECOVERY,
 * exactly the next index, each once, in order, then one terminal frame; and the digest of what it assembled. It speaks
 * protocol v2: a planned drop may come after any chunk of a CHUNKS frame, the rest of the frame then unread.
 */
final class ResumingClient {

    // long on purpose: under the node-kill test the whole machine has been seen to stall chunk emission for up to
    // 43 s (cause not found yet, see FailoverE2ETests); every chunk still arrived, and the invariant is what is checked
    private static final Duration FRAME_WAIT = Duration.ofSeconds(90);

    private final Edge edge;
    private final String token;
    private final IntPredicate dropAfter;
    private final int maxAwayMillis;
    private final StringBuilder content = new StringBuilder();
    private final List<Long> resumeNanos = new ArrayList<>();
    private String sessionId = "inv-" + UUID.randomUUID();
    private Edge.@Nullable Connected connection;
    private @Nullable String messageId;
    private volatile int next;
    private int duplicates;
    private int missing;
    private int drops;
    private int sameNode;
    private int otherNode;
    private int completedWhileAway;
    private int asked;
    private @Nullable JsonNode terminal;
    private @Nullable String failure;

    /**
     * @param dropAfter true for the indexes after which the client drops its connection itself
     * @param maxAwayMillis how long at most it stays away after a drop (a random time up to this)
     */
    ResumingClient(Edge edge, String token, IntPredicate dropAfter, int maxAwayMillis) {
        this.edge = edge;
        this.token = token;
        this.dropAfter = dropAfter;
        this.maxAwayMillis = maxAwayMillis;
    }

    /** Picks a session id that the gateway maps to the given node. */
    ResumingClient onNode(String nodeId) {
        for (int attempt = 0; attempt < 40; attempt++) {
            try (var probe = edge.connect(token, sessionId, ProtocolClient.V2)) {
                if (probe.nodeId().equals(nodeId)) {
                    return this;
                }
            }
            sessionId = "inv-" + UUID.randomUUID();
        }
        throw new AssertionError("no session id mapped to " + nodeId + " in 40 tries");
    }

    /**
     * Connects (through the gateway, to the node the session id maps to) and asks for an answer; as a real client
     * does, it asks again with the same requestId when the connection goes before STREAM_STARTED (its node shutting
     * down, say) or the request is refused as retryable.
     */
    ResumingClient ask(Map<String, Object> options) {
        String requestId = "r-" + UUID.randomUUID();
        for (int attempt = 1; ; attempt++) {
            connection = connect();
            JsonNode started = null;
            try {
                connection
                        .client()
                        .send(Map.of(
                                "type",
                                "CHAT_REQUEST",
                                "requestId",
                                requestId,
                                "content",
                                "resume me",
                                "options",
                                options));
                started = started();
            } catch (CompletionException closed) {
                // the node closed the connection between WELCOME and the request (it is shutting down): ask again
            }
            if (started != null) {
                messageId = started.path("messageId").asString();
                return this;
            }
            if (attempt == 10) {
                throw new AssertionError("no STREAM_STARTED for request " + requestId + " in 10 tries");
            }
            asked++;
            connection.close();
            sleep(100L * attempt);
        }
    }

    /** STREAM_STARTED, or null when the connection went before it or the request was refused as retryable. */
    private @Nullable JsonNode started() {
        long deadline = System.nanoTime() + FRAME_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode frame;
            try {
                frame = connection.client().next(Duration.ofMillis(500));
            } catch (AssertionError quiet) {
                if (connection.client().isClosed()) {
                    return null;
                }
                continue;
            }
            switch (type(frame)) {
                case "STREAM_STARTED" -> {
                    return frame;
                }
                case "ERROR" -> {
                    if (!frame.path("retryable").asBoolean()) {
                        throw new AssertionError("expected STREAM_STARTED, got " + frame);
                    }
                    return null;
                }
                case "HEARTBEAT_ACK" -> {}
                default -> throw new AssertionError("expected STREAM_STARTED, got " + frame);
            }
        }
        throw new AssertionError("no STREAM_STARTED within " + FRAME_WAIT);
    }

    /** How many times the request was sent again before it was started. */
    int askedAgain() {
        return asked;
    }

    String nodeId() {
        return connection == null ? "" : connection.nodeId();
    }

    String messageId() {
        return String.valueOf(messageId);
    }

    /** True once persistence-service holds the whole answer (asked through the gateway as its user). */
    boolean stored() {
        // from the last chunk only: the answer's whole content a second would load the database for nothing
        return edge.get("/api/conversations/messages/" + messageId() + "?fromIndex=" + Math.max(0, next - 1), token)
                .json()
                .path("complete")
                .asBoolean();
    }

    /** Chunks received so far (the next index expected). */
    int received() {
        return next;
    }

    /** Reads until the terminal frame, resuming after every planned drop and every lost connection. */
    ResumingClient followToTheEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (terminal == null) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no terminal frame within " + timeout + " (next index " + next + ")");
                }
                JsonNode frame;
                try {
                    frame = connection.client().next(Duration.ofMillis(500));
                } catch (AssertionError quiet) {
                    if (connection.client().isClosed()) {
                        resume(false);
                    }
                    continue;
                }
                if (!type(frame).equals("CHUNK") && !type(frame).equals("CHUNKS")) {
                    accept(frame);
                    continue;
                }
                for (JsonNode chunk : ProtocolClient.chunks(frame)) {
                    accept(chunk);
                    if (dropAfter.test(next - 1)) {
                        drops++;
                        connection.client().abort();
                        resume(true);
                        break;
                    }
                }
            }
        } catch (RuntimeException | AssertionError e) {
            failure = e.toString();
        } finally {
            if (connection != null) {
                connection.close();
            }
        }
        return this;
    }

    private Edge.Connected connect() {
        var connected = edge.connect(token, sessionId, ProtocolClient.V2);
        if (connected.welcome().path("protocolVersion").asInt() != 2) {
            throw new AssertionError("protocol v2 offered, got " + connected.welcome());
        }
        return connected;
    }

    private void accept(JsonNode frame) {
        switch (type(frame)) {
            case "CHUNKS" -> ProtocolClient.chunks(frame).forEach(this::accept);
            case "CHUNK" -> {
                int index = frame.path("index").asInt();
                if (index < next) {
                    duplicates++;
                } else {
                    missing += index - next;
                    content.append(frame.path("content").asString());
                    next = index + 1;
                }
            }
            case "COMPLETE", "ERROR" -> terminal = frame;
            case "HEARTBEAT_ACK" -> {}
            default -> throw new AssertionError("unexpected frame " + frame);
        }
    }

    /**
     * Comes back after a random time, on the same node or on another one, and declares the last index it holds; cut off
     * again before its resume is answered (the node it landed on going down, say), it resumes again.
     */
    private void resume(boolean planned) {
        for (int attempt = 1; ; attempt++) {
            if (resumeOnce(planned && attempt == 1)) {
                return;
            }
            if (attempt == 10) {
                throw new AssertionError("cut off during each of 10 resumes from " + next);
            }
            sleep(100L * attempt);
        }
    }

    /** False when the connection went before the resume was answered. */
    private boolean resumeOnce(boolean planned) {
        String leftNode = nodeId();
        if (planned && maxAwayMillis > 0) {
            sleep(ThreadLocalRandom.current().nextInt(maxAwayMillis + 1));
        }
        boolean toAnotherNode = planned && ThreadLocalRandom.current().nextBoolean();
        Edge.Connected landed = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            if (toAnotherNode) {
                sessionId = "inv-" + UUID.randomUUID();
            }
            landed = connect();
            if (!toAnotherNode || !landed.nodeId().equals(leftNode)) {
                break;
            }
            landed.close();
        }
        connection = landed;
        if (landed.nodeId().equals(leftNode)) {
            sameNode++;
        } else {
            otherNode++;
        }
        long sent = System.nanoTime();
        landed.client().send(Map.of("type", "RECONNECT", "messageId", messageId(), "lastChunkIndex", next - 1));
        JsonNode recovery = nextOnThisConnection();
        if (recovery == null) {
            return false;
        }
        if (!type(recovery).equals("RECOVERY")
                || recovery.path("fromIndex").asInt() != next
                || !List.of("RECOVERED", "COMPLETED")
                        .contains(recovery.path("status").asString())) {
            throw new AssertionError("expected RECOVERY from " + next + ", got " + recovery);
        }
        if (recovery.path("status").asString().equals("COMPLETED")) {
            completedWhileAway++;
        }
        JsonNode first = nextOnThisConnection();
        if (first == null) {
            return false;
        }
        resumeNanos.add(System.nanoTime() - sent);
        accept(first);
        return true;
    }

    /** The next frame, or null when the connection closed first. */
    private @Nullable JsonNode nextOnThisConnection() {
        long deadline = System.nanoTime() + FRAME_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return connection.client().next(Duration.ofMillis(500));
            } catch (AssertionError quiet) {
                if (connection.client().isClosed()) {
                    return null;
                }
            }
        }
        throw new AssertionError("no frame within " + FRAME_WAIT + " after RECONNECT from " + next);
    }

    /** Empty when the client saw exactly 0..N-1 once each, in order, one COMPLETE, and the digest matched. */
    List<String> violations(int expectedChunks) {
        var violations = new ArrayList<String>();
        if (failure != null) {
            violations.add(failure);
        }
        if (duplicates > 0 || missing > 0) {
            violations.add(duplicates + " duplicated, " + missing + " missing");
        }
        if (terminal == null || !type(terminal).equals("COMPLETE")) {
            violations.add("terminal frame " + terminal);
        } else {
            if (terminal.path("totalChunks").asInt() != expectedChunks || next != expectedChunks) {
                violations.add("received " + next + " of " + terminal.path("totalChunks") + " chunks");
            }
            if (!terminal.path("contentSha256").asString().equals(sha256(content.toString()))) {
                violations.add("digest differs");
            }
        }
        return violations;
    }

    int duplicates() {
        return duplicates;
    }

    int missing() {
        return missing
                + (terminal == null
                        ? 0
                        : Math.max(0, terminal.path("totalChunks").asInt() - next));
    }

    int drops() {
        return drops;
    }

    int sameNode() {
        return sameNode;
    }

    int otherNode() {
        return otherNode;
    }

    int completedWhileAway() {
        return completedWhileAway;
    }

    List<Long> resumeNanos() {
        return resumeNanos;
    }

    @Nullable
    JsonNode terminal() {
        return terminal;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
