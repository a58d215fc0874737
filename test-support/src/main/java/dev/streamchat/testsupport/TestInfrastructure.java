package dev.streamchat.testsupport;

import dev.streamchat.launcher.StackSettings;
import dev.streamchat.launcher.infra.KafkaBroker;
import dev.streamchat.launcher.infra.PostgresServer;
import dev.streamchat.launcher.infra.RedisServer;
import dev.streamchat.launcher.infra.ZipkinServer;
import dev.streamchat.launcher.process.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The test JVM's infrastructure, each server started on first use and stopped when the JVM exits. With a Docker
 * engine, Testcontainers runs the official images; without one (as on our CI machines), the same servers run as
 * local processes: PostgreSQL 18 (zonky binaries), Redis, a Kafka 4 broker in KRaft mode and Zipkin, on free ports,
 * with their data in a temporary directory.
 */
public final class TestInfrastructure {

    private static final Logger log = LoggerFactory.getLogger(TestInfrastructure.class);

    private static final Supplier<Boolean> DOCKER = memoize(TestInfrastructure::dockerAnswers);
    private static final Supplier<Path> WORK = memoize(TestInfrastructure::createWorkDirectory);
    private static final Supplier<Endpoints.Postgres> POSTGRES = memoize(TestInfrastructure::startPostgres);
    private static final Supplier<Endpoints.Redis> REDIS = memoize(TestInfrastructure::startRedis);
    private static final Supplier<Endpoints.Kafka> KAFKA = memoize(TestInfrastructure::startKafka);
    private static final Supplier<Endpoints.KafkaWithLogin> KAFKA_WITH_LOGIN =
            memoize(TestInfrastructure::startKafkaWithLogin);
    private static final Supplier<Endpoints.Zipkin> ZIPKIN = memoize(TestInfrastructure::startZipkin);

    /** Freezes the test Redis for a while (SIGSTOP, or a paused container): it answers nothing, then goes on. */
    private static volatile @Nullable Consumer<Duration> redisFreezer;

    private TestInfrastructure() {}

    /**
     * Freezes Redis for {@code duration} and lets it go on, keeping its data and connections: an outage as a network
     * blip or a stalled server causes one. Returns when Redis answers again.
     */
    public static void freezeRedis(Duration duration) {
        redis();
        Objects.requireNonNull(redisFreezer, "Redis was not started here").accept(duration);
    }

    public static Endpoints.Postgres postgres() {
        return POSTGRES.get();
    }

    public static Endpoints.Redis redis() {
        return REDIS.get();
    }

    public static Endpoints.Kafka kafka() {
        return KAFKA.get();
    }

    /**
     * A second broker, only for tests of credentials: its clients must log in over SASL. A JVM of ours also where
     * Docker runs (no container image here configures SASL without a file of its own).
     */
    public static Endpoints.KafkaWithLogin kafkaWithLogin() {
        return KAFKA_WITH_LOGIN.get();
    }

    public static Endpoints.Zipkin zipkin() {
        return ZIPKIN.get();
    }

    /** True when Testcontainers found a Docker engine, so the servers run as containers. */
    public static boolean usesDocker() {
        return DOCKER.get();
    }

    private static Endpoints.Postgres startPostgres() {
        if (usesDocker()) {
            var container = new PostgreSQLContainer("postgres:18-alpine");
            startAndStopOnExit(container);
            return new Endpoints.Postgres(
                    container.getHost(),
                    container.getFirstMappedPort(),
                    container.getUsername(),
                    container.getPassword());
        }
        var server = PostgresServer.start(Ports.findFree(), WORK.get().resolve("postgres"), log("postgres"));
        stopOnExit("postgres", server);
        return new Endpoints.Postgres("localhost", server.port(), PostgresServer.SUPERUSER, "");
    }

    /**
     * Redis with a user and password, and its default user off, as a deployment's Redis should be: every service's
     * Redis clients (Lettuce, reactive and not, and Redisson) must log in, or its tests fail.
     */
    private static Endpoints.Redis startRedis() {
        var login = new RedisServer.Login("streamchat-test", "test-" + UUID.randomUUID());
        if (usesDocker()) {
            var container = new GenericContainer<>("redis:7-alpine")
                    .withExposedPorts(6379)
                    .withCommand(
                            "redis-server",
                            "--user",
                            "default",
                            "off",
                            "--user",
                            login.username(),
                            "on",
                            ">" + login.password(),
                            "~*",
                            "&*",
                            "+@all");
            startAndStopOnExit(container);
            redisFreezer = duration -> {
                var docker = DockerClientFactory.instance().client();
                docker.pauseContainerCmd(container.getContainerId()).exec();
                try {
                    Thread.sleep(duration);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    docker.unpauseContainerCmd(container.getContainerId()).exec();
                }
            };
            return new Endpoints.Redis(
                    container.getHost(), container.getFirstMappedPort(), login.username(), login.password());
        }
        var server = RedisServer.start(Ports.findFree(), WORK.get().resolve("redis"), log("redis"), login);
        stopOnExit("redis", server);
        redisFreezer = duration -> server.process().freeze(duration);
        return new Endpoints.Redis("localhost", server.port(), login.username(), login.password());
    }

    private static Endpoints.Kafka startKafka() {
        if (usesDocker()) {
            var container = new KafkaContainer("apache/kafka:4.1.2");
            startAndStopOnExit(container);
            return new Endpoints.Kafka(container.getBootstrapServers());
        }
        var broker =
                KafkaBroker.start(Ports.findFree(), Ports.findFree(), WORK.get().resolve("kafka"), log("kafka"));
        stopOnExit("kafka", broker);
        return new Endpoints.Kafka(broker.bootstrapServers());
    }

    private static Endpoints.KafkaWithLogin startKafkaWithLogin() {
        var sasl = new KafkaBroker.SaslListener(Ports.findFree(), "streamchat-test", "test-" + UUID.randomUUID());
        var broker = KafkaBroker.start(
                Ports.findFree(),
                Ports.findFree(),
                null,
                sasl,
                WORK.get().resolve("kafka-with-login"),
                log("kafka-with-login"));
        stopOnExit("kafka-with-login", broker);
        return new Endpoints.KafkaWithLogin("localhost:" + sasl.port(), sasl.username(), sasl.password());
    }

    private static Endpoints.Zipkin startZipkin() {
        if (usesDocker()) {
            var container = new GenericContainer<>("openzipkin/zipkin:3.6")
                    .withExposedPorts(9411)
                    .waitingFor(Wait.forHttp("/health"));
            startAndStopOnExit(container);
            return new Endpoints.Zipkin("http://" + container.getHost() + ":" + container.getFirstMappedPort());
        }
        Path jar = StackSettings.local(StackSettings.findRepositoryRoot(Path.of("")))
                .zipkinJar();
        var server = ZipkinServer.start(Ports.findFree(), jar, WORK.get().resolve("zipkin"), log("zipkin"));
        stopOnExit("zipkin", server);
        return new Endpoints.Zipkin(server.baseUrl());
    }

    private static boolean dockerAnswers() {
        boolean someDockerConfigured = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".docker/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!someDockerConfigured) {
            // no engine to ask: spare the test log Testcontainers' error about it
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Path createWorkDirectory() {
        try {
            Path target = Path.of("target");
            Files.createDirectories(target);
            Path work = Files.createTempDirectory(target.toAbsolutePath(), "test-infrastructure-");
            log.info("test infrastructure runs in {}", work);
            return work;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path log(String name) {
        return WORK.get().resolve("logs").resolve(name + ".log");
    }

    private static void startAndStopOnExit(GenericContainer<?> container) {
        container.withStartupTimeout(Duration.ofMinutes(3)).start();
        stopOnExit(container.getDockerImageName(), container::stop);
    }

    private static void stopOnExit(String name, AutoCloseable server) {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                server.close();
                            } catch (Exception e) {
                                log.warn("{} did not stop cleanly: {}", name, e.getMessage());
                            }
                        },
                        "stop-" + name));
    }

    /** The value of {@code supplier}, computed once, on first use, by one thread. */
    private static <T> Supplier<T> memoize(Supplier<T> supplier) {
        return new Supplier<>() {
            private volatile @Nullable T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }
}
