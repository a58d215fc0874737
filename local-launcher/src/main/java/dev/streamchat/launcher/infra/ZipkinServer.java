package dev.streamchat.launcher.infra;

import dev.streamchat.launcher.process.Http;
import dev.streamchat.launcher.process.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The Zipkin server (the official executable jar) with in-memory storage, in a child JVM. */
public final class ZipkinServer implements AutoCloseable {

    private final int port;
    private final ManagedProcess process;

    private ZipkinServer(int port, ManagedProcess process) {
        this.port = port;
        this.process = process;
    }

    /** Starts Zipkin from its executable jar on {@code port}, with {@code workDirectory} as its temporary directory. */
    public static ZipkinServer start(int port, Path executableJar, Path workDirectory, Path logFile) {
        if (!Files.isRegularFile(executableJar)) {
            throw new IllegalStateException(
                    "Zipkin's jar is missing at " + executableJar + ": build the project first (./mvnw package)");
        }
        try {
            Files.createDirectories(workDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + workDirectory, e);
        }
        var process = ManagedProcess.start(
                "zipkin",
                List.of(
                        ManagedProcess.javaExecutable(),
                        "-Xms64m",
                        "-Xmx512m",
                        "-XX:+UseSerialGC",
                        "-Djava.io.tmpdir=" + workDirectory,
                        // loopback only, like everything else of a local stack (Armeria's port list, all of it: a
                        // list is bound from one source)
                        "-Darmeria.ports[0].ip=127.0.0.1",
                        "-Darmeria.ports[0].port=" + port,
                        "-Darmeria.ports[0].protocols[0]=http",
                        "-jar",
                        executableJar.toString()),
                Map.of(
                        "STORAGE_TYPE", "mem",
                        // every service traces everything locally: a load test's spans (hundreds of thousands, one set
                        // per chunk event) must not fill the heap; the oldest traces go first
                        "MEM_MAX_SPANS", "50000",
                        "QUERY_PORT", Integer.toString(port),
                        "SELF_TRACING_ENABLED", "false"),
                logFile);
        var server = new ZipkinServer(port, process);
        Waiting.until("Zipkin on port " + port, Duration.ofSeconds(120), process, server::isUp);
        return server;
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public ManagedProcess process() {
        return process;
    }

    public boolean isUp() {
        return Http.isUp(baseUrl() + "/health");
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(15));
    }
}
