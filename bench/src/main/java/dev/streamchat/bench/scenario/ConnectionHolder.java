package dev.streamchat.bench.scenario;

import dev.streamchat.bench.client.ChatSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Opens and holds idle authenticated connections, in batches, from one source address; a process holds at most what
 * its file descriptor limit allows, so {@link Connections} runs several of these (this class's {@code main}) for more.
 */
public final class ConnectionHolder implements ChatSocket.Handler {

    private final ConcurrentLinkedQueue<ChatSocket> open = new ConcurrentLinkedQueue<>();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final HttpClient http;

    ConnectionHolder(InetAddress source) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .localAddress(source)
                .connectTimeout(Duration.ofSeconds(20))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /**
     * Opens up to {@code count} connections, {@code batch} at a time, round robin over {@code baseUrls} and
     * {@code tokens}; stops early when a whole batch fails. Returns how many are open.
     */
    int open(List<String> baseUrls, List<String> tokens, int count, int batch) {
        int attempted = 0;
        while (attempted < count) {
            int size = Math.min(batch, count - attempted);
            var pending = new ArrayList<CompletableFuture<ChatSocket>>();
            for (int i = 0; i < size; i++) {
                int n = attempted + i;
                pending.add(ChatSocket.open(
                        http,
                        ChatSocket.chatUri(
                                baseUrls.get(n % baseUrls.size()),
                                tokens.get(n % tokens.size()),
                                "hold-" + UUID.randomUUID()),
                        this,
                        Duration.ofSeconds(30)));
            }
            int ok = 0;
            for (var future : pending) {
                try {
                    open.add(future.join());
                    ok++;
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
            }
            attempted += size;
            if (ok == 0) {
                break;
            }
        }
        return open.size();
    }

    /** One HEARTBEAT on every open connection, spread over the interval, as live clients send them. */
    void heartbeats(Duration every) {
        Thread.ofVirtual().start(() -> {
            while (true) {
                var all = open.stream().filter(ChatSocket::isOpen).toList();
                long pause = every.toNanos() / Math.max(1, all.size());
                for (ChatSocket socket : all) {
                    try {
                        socket.sendText("{\"type\":\"HEARTBEAT\"}");
                    } catch (RuntimeException closed) {
                        // counted as not open
                    }
                    LockSupport.parkNanos(pause);
                }
                if (all.isEmpty()) {
                    LockSupport.parkNanos(every.toNanos());
                }
            }
        });
    }

    int openCount() {
        return (int) open.stream().filter(ChatSocket::isOpen).count();
    }

    int failed() {
        return failed.get();
    }

    void closeAll() {
        open.forEach(ChatSocket::abort);
    }

    @Override
    public void onFrame(ChatSocket socket, JsonNode frame, long receivedMicros, long receivedNanos) {}

    @Override
    public void onClosed(ChatSocket socket, int code, @Nullable Throwable error) {
        closed.incrementAndGet();
    }

    /**
     * A child process: {@code <source address> <count> <batch> <urls,comma> <token>...}. Prints {@code held N failed
     * M} once open, then {@code still N} for every line read from standard input, and exits when it closes.
     */
    public static void main(String[] args) throws IOException {
        var holder = new ConnectionHolder(InetAddress.getByName(args[0]));
        // the server closes a connection that says nothing for two minutes
        holder.heartbeats(Duration.ofSeconds(30));
        int held = holder.open(
                List.of(args[3].split(",")),
                List.of(args).subList(4, args.length),
                Integer.parseInt(args[1]),
                Integer.parseInt(args[2]));
        System.out.println("held " + held + " failed " + holder.failed());
        System.out.flush();
        try (var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            while (in.readLine() != null) {
                System.out.println("still " + holder.openCount());
                System.out.flush();
            }
        } catch (UncheckedIOException e) {
            // the parent went away
        }
        holder.closeAll();
        System.exit(0);
    }
}
