package dev.streamchat.launcher.infra;

import dev.streamchat.launcher.process.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} (the binary shipped in the embedded-redis jar), run as a child process of ours. Nothing
 * is saved to disk: Redis holds only the hot, short-lived state.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final ManagedProcess process;

    private RedisServer(int port, ManagedProcess process) {
        this.port = port;
        this.process = process;
    }

    /** Starts {@code redis-server} on {@code port}, working in {@code dataDirectory} (nothing is saved there). */
    public static RedisServer start(int port, Path dataDirectory, Path logFile) {
        String executable;
        try {
            Files.createDirectories(dataDirectory);
            executable = ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare redis-server", e);
        }
        var process = ManagedProcess.start(
                "redis",
                List.of(
                        executable,
                        // first: the command line, as Java reads it, ends at the empty argument of --save
                        "--dir",
                        dataDirectory.toString(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no",
                        // keep the command line (with the run folder in it) instead of a short process title
                        "--set-proc-title",
                        "no",
                        "--save",
                        ""),
                Map.of(),
                logFile);
        var server = new RedisServer(port, process);
        Waiting.until("Redis on port " + port, Duration.ofSeconds(20), process, server::answersPing);
        return server;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public ManagedProcess process() {
        return process;
    }

    /** True when the server answers PING with PONG. */
    public boolean answersPing() {
        try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = socket.getInputStream().readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(10));
    }
}
