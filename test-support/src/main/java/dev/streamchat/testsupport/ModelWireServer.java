package dev.streamchat.testsupport;

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
 * A local HTTP server that answers in the streaming wire formats of the real providers, as their servers do:
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: OpenAI's server-sent events ({@code data: {...}} deltas, a last delta
 *       with {@code finish_reason}, a usage chunk, {@code data: [DONE]}), as vLLM, llama.cpp and LocalAI speak it;
 *   <li>{@code POST /api/chat}: Ollama's newline-delimited JSON ({@code "done": false} parts, then
 *       {@code "done": true} with {@code done_reason} and {@code eval_count});
 *   <li>{@code POST /v1/messages}: Anthropic's named SSE events ({@code message_start}, {@code content_block_delta},
 *       {@code message_delta} with {@code stop_reason}, {@code message_stop}).
 * </ul>
 *
 * A prompt containing "break" gets two parts and then a dropped connection.
 */
public final class ModelWireServer implements AutoCloseable {

    public static final List<String> PARTS = List.of("Hello", " from", " a", " real", " wire", " format", ".");

    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    public ModelWireServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", exchange -> answer(exchange, "text/event-stream", this::openAi));
        server.createContext("/api/chat", exchange -> answer(exchange, "application/x-ndjson", this::ollama));
        server.createContext("/v1/messages", exchange -> answer(exchange, "text/event-stream", this::anthropic));
        server.start();
    }

    /** What the server was asked: each request's path and body. */
    public List<String> requests() {
        return requests;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private interface Format {
        /** Writes part i; i == PARTS.size() means the end. */
        void write(OutputStream out, int i) throws IOException;
    }

    private void answer(HttpExchange exchange, String contentType, Format format) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(exchange.getRequestURI().getPath() + " " + body);
        if (body.contains("please refuse")) {
            // what a provider answers a request it finds wrong (a bad parameter, a model it does not have)
            refuse(exchange);
            return;
        }
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            boolean breakMidway = body.contains("break");
            for (int i = 0; i <= PARTS.size(); i++) {
                if (breakMidway && i == 2) {
                    exchange.close();
                    return;
                }
                format.write(out, i);
                out.flush();
            }
        }
    }

    private static void refuse(HttpExchange exchange) throws IOException {
        String error = exchange.getRequestURI().getPath().equals("/v1/messages")
                ? "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"refused\"}}"
                : "{\"error\":{\"message\":\"refused\",\"type\":\"invalid_request_error\",\"param\":null,"
                        + "\"code\":null}}";
        byte[] bytes = error.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(400, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void openAi(OutputStream out, int i) throws IOException {
        String head =
                "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"local-model\",";
        if (i < PARTS.size()) {
            sse(
                    out,
                    null,
                    head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + quote(PARTS.get(i))
                            + "},\"finish_reason\":null}]}");
            return;
        }
        sse(out, null, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        sse(
                out,
                null,
                head + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}");
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    }

    private void ollama(OutputStream out, int i) throws IOException {
        String head = "{\"model\":\"local-model\",\"created_at\":\"2026-11-27T12:00:00Z\",";
        if (i < PARTS.size()) {
            line(
                    out,
                    head + "\"message\":{\"role\":\"assistant\",\"content\":" + quote(PARTS.get(i))
                            + "},\"done\":false}");
            return;
        }
        line(
                out,
                head + "\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\","
                        + "\"total_duration\":1000,\"prompt_eval_count\":5,\"eval_count\":7}");
    }

    private void anthropic(OutputStream out, int i) throws IOException {
        if (i == 0) {
            sse(
                    out,
                    "message_start",
                    "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                            + "\"role\":\"assistant\",\"content\":[],\"model\":\"local-model\",\"stop_reason\":null,"
                            + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}");
            sse(
                    out,
                    "content_block_start",
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
            sse(out, "ping", "{\"type\":\"ping\"}");
        }
        if (i < PARTS.size()) {
            sse(
                    out,
                    "content_block_delta",
                    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":" + "\"text_delta\",\"text\":"
                            + quote(PARTS.get(i)) + "}}");
            return;
        }
        sse(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
        sse(
                out,
                "message_delta",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":7}}");
        sse(out, "message_stop", "{\"type\":\"message_stop\"}");
    }

    private static void sse(OutputStream out, String event, String json) throws IOException {
        String frame = (event == null ? "" : "event: " + event + "\n") + "data: " + json + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
    }

    private static void line(OutputStream out, String json) throws IOException {
        out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
