package dev.streamchat.launcher.infra;

import dev.streamchat.launcher.process.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jspecify.annotations.Nullable;

/**
 * A real Kafka 4 broker in KRaft mode (broker and controller in one process), run in a child JVM of its own so that
 * it can be stopped, killed and restarted like a server on another machine.
 */
public final class KafkaBroker implements AutoCloseable {

    private final int port;
    private final ManagedProcess process;

    private KafkaBroker(int port, ManagedProcess process) {
        this.port = port;
        this.process = process;
    }

    /**
     * A second listener of the broker, on {@code port}, that advertises {@code advertisedPort}, where a TCP proxy to
     * {@code port} may stand: a client that bootstraps through the proxy reads the proxy's address in the metadata and
     * so stays behind it, and the proxy can cut that one client off.
     */
    public record ProxiedListener(int port, int advertisedPort) {}

    /**
     * A listener on {@code port} that takes only clients logging in over SASL (PLAIN) as {@code username} with
     * {@code password}: a broker with credentials, as a deployment's is.
     */
    public record SaslListener(int port, String username, String password) {}

    /**
     * Formats {@code dataDirectory} if it is new, then starts the broker. The broker listens on {@code port}, its
     * controller on {@code controllerPort}.
     */
    public static KafkaBroker start(int port, int controllerPort, Path dataDirectory, Path logFile) {
        return start(port, controllerPort, null, dataDirectory, logFile);
    }

    /** As {@link #start(int, int, Path, Path)}, with a listener for clients behind a proxy when {@code proxied} is set. */
    public static KafkaBroker start(
            int port, int controllerPort, @Nullable ProxiedListener proxied, Path dataDirectory, Path logFile) {
        return start(port, controllerPort, proxied, null, dataDirectory, logFile);
    }

    /** As {@link #start(int, int, ProxiedListener, Path, Path)}, with a listener for SASL clients when {@code sasl} is set. */
    public static KafkaBroker start(
            int port,
            int controllerPort,
            @Nullable ProxiedListener proxied,
            @Nullable SaslListener sasl,
            Path dataDirectory,
            Path logFile) {
        Path config = writeConfig(port, controllerPort, proxied, sasl, dataDirectory);
        String classPath = System.getProperty("java.class.path");
        Path temporary = createDirectories(dataDirectory.resolve("tmp"));
        if (!Files.exists(dataDirectory.resolve("logs/meta.properties"))) {
            format(config, classPath, logFile);
        }
        var process = ManagedProcess.start(
                "kafka",
                List.of(
                        ManagedProcess.javaExecutable(),
                        "-Xms128m",
                        "-Xmx512m",
                        "-XX:+UseSerialGC",
                        // before the class path, which can be too long for the whole command line to be read back
                        "-Djava.io.tmpdir=" + temporary,
                        "-Dlogback.configurationFile=kafka-logback.xml",
                        "-cp",
                        classPath,
                        "kafka.Kafka",
                        config.toString()),
                Map.of(),
                logFile);
        var broker = new KafkaBroker(port, process);
        Waiting.until("Kafka on port " + port, Duration.ofSeconds(90), process, broker::answersMetadata);
        return broker;
    }

    /** Formats a new log directory; one that holds data of an earlier run keeps it (and its cluster id). */
    private static void format(Path config, String classPath, Path logFile) {
        ManagedProcess.start(
                        "kafka-storage-format",
                        List.of(
                                ManagedProcess.javaExecutable(),
                                "-Xmx256m",
                                "-Dlogback.configurationFile=kafka-logback.xml",
                                "-cp",
                                classPath,
                                "kafka.tools.StorageTool",
                                "format",
                                "--standalone",
                                "--cluster-id",
                                Uuid.randomUuid().toString(),
                                "--config",
                                config.toString()),
                        Map.of(),
                        logFile)
                .awaitSuccess(Duration.ofSeconds(60));
    }

    private static Path createDirectories(Path directory) {
        try {
            return Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + directory, e);
        }
    }

    private static Path writeConfig(
            int port,
            int controllerPort,
            @Nullable ProxiedListener proxied,
            @Nullable SaslListener sasl,
            Path dataDirectory) {
        String listeners = "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort;
        String advertised = listeners;
        if (proxied != null) {
            listeners += ",PROXIED://localhost:" + proxied.port();
            advertised += ",PROXIED://localhost:" + proxied.advertisedPort();
        }
        var saslSettings = new ArrayList<String>();
        if (sasl != null) {
            listeners += ",SASL://localhost:" + sasl.port();
            advertised += ",SASL://localhost:" + sasl.port();
            saslSettings.add("sasl.enabled.mechanisms=PLAIN");
            saslSettings.add("listener.name.sasl.plain.sasl.jaas.config="
                    + "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + sasl.username()
                    + "=\"" + sasl.password() + "\";");
        }
        try {
            Files.createDirectories(dataDirectory);
            Path config = dataDirectory.resolve("server.properties");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            List.of(
                                    "process.roles=broker,controller",
                                    "node.id=1",
                                    "controller.quorum.bootstrap.servers=localhost:" + controllerPort,
                                    "listeners=" + listeners,
                                    "advertised.listeners=" + advertised,
                                    "controller.listener.names=CONTROLLER",
                                    "inter.broker.listener.name=PLAINTEXT",
                                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
                                            + "PROXIED:PLAINTEXT,SASL:SASL_PLAINTEXT",
                                    "log.dirs=" + dataDirectory.resolve("logs"),
                                    "num.partitions=3",
                                    "offsets.topic.replication.factor=1",
                                    "offsets.topic.num.partitions=3",
                                    "transaction.state.log.replication.factor=1",
                                    "transaction.state.log.min.isr=1",
                                    "share.coordinator.state.topic.replication.factor=1",
                                    "share.coordinator.state.topic.min.isr=1",
                                    "group.initial.rebalance.delay.ms=0",
                                    String.join("\n", saslSettings),
                                    "")));
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the Kafka configuration", e);
        }
    }

    public int port() {
        return port;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public ManagedProcess process() {
        return process;
    }

    /** Creates each topic that does not exist yet. */
    public void createTopics(Collection<NewTopic> topics) {
        try (Admin admin = admin()) {
            for (NewTopic topic : topics) {
                try {
                    admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + topic.name(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not create topics in time", e);
        }
    }

    /** Names of the topics on the broker, internal ones left out. */
    public Set<String> topics() {
        try (Admin admin = admin()) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not list topics", e);
        }
    }

    /** True when the broker answers a metadata request. */
    public boolean answersMetadata() {
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                5000,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "streamchat-launcher"));
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(30));
    }
}
