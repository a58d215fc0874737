package dev.streamchat.bench.fault;

import dev.streamchat.bench.client.ChatSocket;
import dev.streamchat.bench.client.StreamClient;
import dev.streamchat.bench.stack.Target;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * A flood of bad input on live connections, in the middle of their answers: random bytes (as text and as binary),
 * JSON nested 10,000 deep, a frame over the protocol's size limit, unknown types, another user's message id, and
 * 10,000 frames in a burst. Each should get its ERROR; the answer on that connection must go on untouched.
 */
record HostileFrames(int connections) implements Fault {

    @Override
    public String name() {
        return "hostile frames";
    }

    @Override
    public List<StreamClient> inject(Target target, List<StreamClient> clients) {
        var random = new Random(7);
        List<StreamClient> chosen = clients.subList(0, Math.min(connections, clients.size()));
        for (StreamClient client : chosen) {
            ChatSocket socket = client.socket();
            if (socket == null || !socket.isOpen()) {
                continue;
            }
            try {
                byte[] noise = new byte[4096];
                random.nextBytes(noise);
                socket.sendBinary(noise);
                socket.sendText(new String(noise, StandardCharsets.ISO_8859_1));
                socket.sendText("{".repeat(10_000) + "}".repeat(10_000));
                socket.sendText("[".repeat(10_000));
                socket.sendText("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"big\",\"content\":\"" + "x".repeat(100_000)
                        + "\"}");
                socket.sendText("{\"type\":\"SELF_DESTRUCT\"}");
                socket.sendText("{\"type\":\"RECONNECT\",\"messageId\":\"someone-elses-" + random.nextInt()
                        + "\",\"lastChunkIndex\":0}");
                socket.sendText("{\"type\":\"CANCEL_STREAM\",\"messageId\":\"not-mine\"}");
                socket.sendText("null");
                for (int i = 0; i < 10_000; i++) {
                    socket.sendText(i % 2 == 0 ? "{\"type\":\"HEARTBEAT\"}" : "{\"type\":" + i + "}");
                }
            } catch (RuntimeException connectionWentAway) {
                // counted by the client: it resumes, and the suite reports it
            }
        }
        return chosen;
    }
}
