package dev.streamchat.orchestrator.generation;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A local HTTP server speaking OpenAI's chat-completions streaming format (server-sent events, {@code data: {...}}
 * deltas, a final chunk with {@code finish_reason}, a usage chunk, {@code data: [DONE]}), as vLLM, llama.cpp and
 * LocalAI do. A prompt containing "break" gets two deltas and then a dropped connection.
 */
final class OpenAiCompatibleServer implements AutoCloseable {

    static final List<String> DELTAS = List.of("Hello", " from", " an", " OpenAI", "-compatible", " server", ".");

    private final HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();

    OpenAiCompatibleServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", this::completions);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private void completions(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(body);
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            boolean breakMidway = body.contains("break");
            for (int i = 0; i < DELTAS.size(); i++) {
                if (breakMidway && i == 2) {
                    exchange.close();
                    return;
                }
                send(out, chunk("{\"content\":" + quote(DELTAS.get(i)) + "}", "null"));
            }
            send(out, chunk("{}", "\"stop\""));
            send(
                    out,
                    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"local-model\","
                            + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}");
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String chunk(String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"local-model\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finishReason + "}]}";
    }

    private static void send(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
