package dev.streamchat.launcher;

import dev.streamchat.launcher.Readiness.Check;
import dev.streamchat.launcher.infra.KafkaBroker;
import dev.streamchat.launcher.infra.PostgresServer;
import dev.streamchat.launcher.infra.RedisServer;
import dev.streamchat.launcher.infra.ZipkinServer;
import dev.streamchat.launcher.process.Http.Credentials;
import dev.streamchat.launcher.process.ManagedProcess;
import dev.streamchat.launcher.process.Ports;
import dev.streamchat.launcher.process.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.NewTopic;
import org.jspecify.annotations.Nullable;

/**
 * The whole system on this machine: PostgreSQL, Redis, Kafka and Zipkin embedded, then discovery-service, then every
 * other service as a JVM of its own. {@link #start()} returns when every service is healthy and registered in Eureka;
 * {@link #close()} stops everything it started, services first, and may be called at any time, also from another
 * thread while the stack is still starting.
 */
public final class LocalStack implements AutoCloseable {

    /** The Kafka topics of DESIGN.md section 7. */
    public static final List<String> TOPICS = List.of(
            "chat.requests", "chat.stream.events", "chat.stream.chunks", "chat.message.events", "chat.session.events");

    public static final int TOPIC_PARTITIONS = 3;

    /** One database (and login role) for each service that owns tables. */
    public static final List<String> DATABASES = List.of("orchestrator", "recovery", "persistence", "analytics");

    public static final String PLATFORM_USERNAME = "platform";

    private static final Executor VIRTUAL_THREADS = Executors.newVirtualThreadPerTaskExecutor();

    private static final Duration CACHE_WRITING_GRACE = Duration.ofMinutes(3);

    private final StackSettings settings;
    private final Consumer<String> progress;
    private final Credentials platform;
    /** Redis's one user, with a password made for this run: no other local process can read the hot state. */
    private final RedisServer.Login redisLogin;

    private final @Nullable StartupCache startupCache;

    private final Map<String, ManagedProcess> services = new LinkedHashMap<>();
    /** The instances writing their module's start-up cache (instance id to module), which they do when stopped. */
    private final Map<String, String> training = new HashMap<>();

    private RunState state;
    private boolean stopping;
    /** Whether this stack passed its checks and so owns the run folder (and may stop what is marked with it). */
    private boolean owner;

    private volatile @Nullable PostgresServer postgres;
    private volatile @Nullable RedisServer redis;
    private volatile @Nullable KafkaBroker kafka;
    private volatile @Nullable ZipkinServer zipkin;
    private volatile @Nullable DevTokenKeys devTokenKeys;

    private LocalStack(StackSettings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
        this.platform = new Credentials(PLATFORM_USERNAME, randomSecret());
        this.redisLogin = new RedisServer.Login("streamchat", randomSecret());
        this.state = new RunState(ProcessHandle.current().pid(), platform.username(), platform.password(), List.of());
        this.startupCache = settings.startupCache()
                ? new StartupCache(settings.startupCacheDirectory(), settings.serviceJvmOptions())
                : null;
    }

    /** A stack that has started nothing yet; {@link #start()} starts it. */
    public static LocalStack create(StackSettings settings, Consumer<String> progress) {
        return new LocalStack(settings, progress);
    }

    /** Creates and starts a stack; see {@link #start()}. */
    public static LocalStack start(StackSettings settings, Consumer<String> progress) {
        return create(settings, progress).start();
    }

    /**
     * Starts the stack and waits until it is healthy. Fails, having stopped what it started, when a port is taken, a
     * process dies or the start takes longer than {@link StackSettings#startTimeout()}.
     */
    public LocalStack start() {
        // checks first: a start refused here touches nothing, least of all another stack's processes
        refuseIfAnotherStackRuns();
        clearLeftovers();
        requireFreePorts();
        requireJars();
        synchronized (this) {
            if (stopping) {
                throw new IllegalStateException("stopped before it started");
            }
            owner = true;
        }
        try {
            writeState();
            devTokenKeys = DevTokenKeys.create(settings.runDirectory().resolve("keys"));

            progress.accept("starting PostgreSQL, Redis, Kafka and Zipkin");
            join(List.of(
                    async(this::startPostgres),
                    async(this::startRedis),
                    async(this::startKafka),
                    async(this::startZipkin)));

            ServiceInstance discovery = settings.discovery();
            var readiness = new Readiness(settings, platform, progress);
            readiness.await(List.of(new Check(discovery, startService(discovery), false)));

            List<Check> others = new ArrayList<>();
            for (ServiceInstance instance : settings.services()) {
                if (!instance.equals(discovery)) {
                    others.add(new Check(instance, startService(instance), true));
                }
            }
            readiness.await(others);
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void refuseIfAnotherStackRuns() {
        RunState.read(settings.stateFile()).flatMap(RunState::liveLauncher).ifPresent(launcher -> {
            throw new IllegalStateException("a stack is already running from " + settings.runDirectory()
                    + " (launcher pid " + launcher.pid() + "): stop it first with ./chat down");
        });
    }

    private void clearLeftovers() {
        List<ProcessHandle> leftovers = RunState.liveProcessesOf(settings.runDirectory());
        if (!leftovers.isEmpty()) {
            progress.accept("stopping " + leftovers.size() + " processes that an earlier run left behind: pids "
                    + leftovers.stream().map(ProcessHandle::pid).toList());
            join(leftovers.stream()
                    .map(p -> async(() -> Processes.terminate(p, Duration.ofSeconds(20))))
                    .toList());
        }
    }

    private void requireFreePorts() {
        var taken = new ArrayList<String>();
        settings.portUsers().forEach((port, user) -> {
            if (!Ports.isFree(port)) {
                taken.add("  port " + port + " (for " + user + ") is taken by " + Ports.describeOwner(port));
            }
        });
        if (!taken.isEmpty()) {
            throw new IllegalStateException("cannot start, ports in use:\n" + String.join("\n", taken)
                    + "\nStop those processes and try again.");
        }
    }

    private void requireJars() {
        var missing = settings.services().stream()
                .map(ServiceInstance::module)
                .distinct()
                .map(settings::jarOf)
                .filter(jar -> !Files.isRegularFile(jar))
                .toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("not built yet: " + missing + "; run ./mvnw -DskipTests package");
        }
    }

    private void startPostgres() {
        var server = PostgresServer.start(settings.ports().postgres(), data("postgres"), log("postgres"));
        postgres = server;
        server.pid().ifPresent(pid -> record("postgres", pid));
        DATABASES.forEach(server::createDatabase);
        progress.accept("PostgreSQL ready on port " + server.port() + ", databases " + DATABASES);
    }

    private void startRedis() {
        var server = RedisServer.start(settings.ports().redis(), data("redis"), log("redis"), redisLogin);
        redis = server;
        record("redis", server.pid());
        progress.accept("Redis ready on port " + server.port());
    }

    private void startKafka() {
        var broker = KafkaBroker.start(
                settings.ports().kafka(),
                settings.ports().kafkaController(),
                new KafkaBroker.ProxiedListener(
                        settings.ports().kafkaProxied(), settings.ports().kafkaProxy()),
                data("kafka"),
                log("kafka"));
        kafka = broker;
        record("kafka", broker.pid());
        broker.createTopics(TOPICS.stream()
                .map(name -> new NewTopic(name, TOPIC_PARTITIONS, (short) 1))
                .toList());
        progress.accept("Kafka ready on port " + broker.port() + ", topics " + TOPICS);
    }

    private void startZipkin() {
        var server = ZipkinServer.start(settings.ports().zipkin(), settings.zipkinJar(), data("zipkin"), log("zipkin"));
        zipkin = server;
        record("zipkin", server.pid());
        progress.accept("Zipkin ready on port " + server.port());
    }

    private ManagedProcess startService(ServiceInstance instance) {
        return startService(instance, Map.of());
    }

    private ManagedProcess startService(ServiceInstance instance, Map<String, String> extraEnvironment) {
        var command = new ArrayList<String>();
        command.add(ManagedProcess.javaExecutable());
        command.addAll(settings.serviceJvmOptions());
        command.add("-Djava.io.tmpdir=" + data("tmp").resolve(instance.instanceId()));
        // every collection with its pause, beside the service's log: a stalled service shows whether it was the heap
        command.add("-Xlog:gc:file=" + log(instance.instanceId() + "-gc") + ":time,uptime:filecount=2,filesize=10m");
        Path jar = settings.jarOf(instance.module());
        boolean trains = false;
        if (startupCache != null) {
            var launch = startupCache.prepare(instance.module(), jar);
            command.addAll(launch.jvmOptions());
            jar = launch.jar();
            trains = launch.trains();
        }
        command.add("-jar");
        command.add(jar.toString());
        var environment = new LinkedHashMap<String, String>();
        environment.put("SPRING_PROFILES_ACTIVE", "local");
        environment.put("SERVER_PORT", Integer.toString(instance.port()));
        environment.put(
                "SERVER_ADDRESS",
                instance.module().equals("gateway-service") ? settings.gatewayAddress() : StackSettings.LOOPBACK);
        environment.put("NODE_ID", instance.instanceId());
        environment.put("PLATFORM_USERNAME", platform.username());
        environment.put("PLATFORM_PASSWORD", platform.password());
        environment.put("CONFIG_REPO_DIR", settings.configRepo().toString());
        // the Config Server announces configuration changes on Kafka (Spring Cloud Bus) and does not read config-repo/;
        // the other services' local profile takes both from here too
        environment.put(
                "KAFKA_BOOTSTRAP_SERVERS", "localhost:" + settings.ports().kafka());
        environment.put("REDIS_PORT", Integer.toString(settings.ports().redis()));
        environment.put("REDIS_USERNAME", redisLogin.username());
        environment.put("REDIS_PASSWORD", redisLogin.password());
        var keys = devTokenKeys();
        environment.put(
                "SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_PUBLICKEYLOCATION", DevTokenKeys.location(keys.publicKey()));
        if (instance.module().equals("gateway-service")) {
            environment.put("DEV_TOKEN_PRIVATE_KEY", DevTokenKeys.location(keys.privateKey()));
        }
        environment.putAll(settings.serviceEnvironment());
        environment.putAll(extraEnvironment);
        synchronized (this) {
            if (stopping) {
                throw new IllegalStateException("stopped while starting");
            }
            createDirectories(data("tmp").resolve(instance.instanceId()));
            var process = ManagedProcess.start(instance.instanceId(), command, environment, log(instance.instanceId()));
            services.put(instance.instanceId(), process);
            if (trains) {
                training.put(instance.instanceId(), instance.module());
            }
            record(instance.instanceId(), process.pid());
            process.process().onExit().thenAccept(p -> reportUnexpectedExit(instance, process));
            progress.accept("started " + instance.instanceId() + " (pid " + process.pid() + ")");
            return process;
        }
    }

    private synchronized void reportUnexpectedExit(ServiceInstance instance, ManagedProcess process) {
        if (!stopping) {
            progress.accept(instance.instanceId() + " exited with code "
                    + process.process().exitValue() + "; see " + process.logFile());
        }
    }

    private synchronized void record(String name, long pid) {
        state = state.with(name, pid);
        writeState();
    }

    private synchronized void writeState() {
        state.write(settings.stateFile());
    }

    private Path log(String name) {
        return settings.logDirectory().resolve(name + ".log");
    }

    private Path data(String name) {
        return settings.dataDirectory().resolve(name);
    }

    private static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the stack holds in memory: the launcher and every process it started (with their children), summed. */
    public synchronized Memory memory() {
        var pids = new TreeSet<Long>();
        pids.add(ProcessHandle.current().pid());
        for (RunState.RecordedProcess recorded : state.processes()) {
            ProcessHandle.of(recorded.pid()).ifPresent(handle -> {
                pids.add(handle.pid());
                handle.descendants().forEach(descendant -> pids.add(descendant.pid()));
            });
        }
        return new Memory(
                pids.size(),
                pids.stream().map(Processes::memoryOf).reduce(new Processes.Memory(0, 0), Processes.Memory::plus));
    }

    /** The memory of {@code processes} processes together. */
    public record Memory(int processes, Processes.Memory total) {}

    public StackSettings settings() {
        return settings;
    }

    /** The user name and password of the platform endpoints (Eureka, Config Server) for this run. */
    public Credentials platformCredentials() {
        return platform;
    }

    /** The key pair of this run's dev tokens. */
    public DevTokenKeys devTokenKeys() {
        DevTokenKeys keys = devTokenKeys;
        if (keys == null) {
            throw new IllegalStateException("the dev-token keys are made by start()");
        }
        return keys;
    }

    public PostgresServer postgres() {
        return require(postgres, "PostgreSQL");
    }

    public RedisServer redis() {
        return require(redis, "Redis");
    }

    public KafkaBroker kafka() {
        return require(kafka, "Kafka");
    }

    public ZipkinServer zipkin() {
        return require(zipkin, "Zipkin");
    }

    /** The running JVM of one service instance, by instance id. */
    public synchronized ManagedProcess service(String instanceId) {
        return require(services.get(instanceId), instanceId);
    }

    /**
     * Starts an instance again after it was stopped or killed (by a test that takes a node down), and waits until it
     * is healthy and registered in Eureka.
     */
    public void restartService(String instanceId) {
        restartService(instanceId, Map.of());
    }

    /**
     * Starts an instance again, as {@link #restartService(String)} does, with environment variables of its own on top
     * of the stack's (the fault suite points one instance's {@code REDIS_PORT} at a proxy, say).
     */
    public void restartService(String instanceId, Map<String, String> environment) {
        ServiceInstance instance = settings.services().stream()
                .filter(candidate -> candidate.instanceId().equals(instanceId))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no instance " + instanceId));
        ManagedProcess previous;
        synchronized (this) {
            previous = services.get(instanceId);
        }
        if (previous != null) {
            // killed or stopped by the caller: the old JVM may still be on its way out (its port still taken)
            previous.awaitExit(Duration.ofMinutes(1));
        }
        new Readiness(settings, platform, progress)
                .await(List.of(new Check(instance, startService(instance, environment), true)));
    }

    /**
     * Stops PostgreSQL, Redis or Kafka ({@code "postgres"}, {@code "redis"}, {@code "kafka"}) as an operator would,
     * leaves it down for {@code down}, and starts it again on the same port and data directory; returns once it
     * answers. Redis comes back empty (it keeps nothing on disk); PostgreSQL and Kafka keep everything.
     */
    public void restartInfrastructure(String name, Duration down) {
        switch (name) {
            case "postgres" -> {
                postgres().close();
                sleep(down);
                startPostgres();
            }
            case "redis" -> {
                redis().close();
                sleep(down);
                startRedis();
            }
            case "kafka" -> {
                kafka().close();
                sleep(down);
                startKafka();
            }
            default -> throw new IllegalArgumentException("no restartable server " + name);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a server was down", e);
        }
    }

    private static <T> T require(@Nullable T value, String what) {
        if (value == null) {
            throw new IllegalStateException(what + " is not running");
        }
        return value;
    }

    /**
     * Stops the services (discovery last), then the infrastructure, then anything else marked as this run's, and
     * removes the state file.
     */
    @Override
    public void close() {
        Map<String, ManagedProcess> others;
        @Nullable ManagedProcess discovery;
        Map<String, String> writingCaches;
        synchronized (this) {
            if (stopping || !owner) {
                stopping = true;
                return;
            }
            stopping = true;
            discovery = services.get(settings.discovery().instanceId());
            others = new HashMap<>(services);
            others.values().remove(discovery);
            writingCaches = new HashMap<>(training);
        }
        if (!writingCaches.isEmpty()) {
            progress.accept("writing the start-up caches of " + String.join(", ", new TreeSet<>(writingCaches.values()))
                    + " (after a new build only; every later start reads them)");
        }
        // an orchestrator finishes the answers it runs before it exits (at most a minute: drain-timeout)
        join(others.entrySet().stream()
                .map(entry -> async(() -> stopService(entry.getKey(), entry.getValue(), writingCaches)))
                .toList());
        if (discovery != null) {
            stopService(settings.discovery().instanceId(), discovery, writingCaches);
        }
        join(List.of(
                async(() -> closeQuietly(zipkin)), async(() -> closeQuietly(kafka)), async(() -> closeQuietly(redis))));
        closeQuietly(postgres);
        join(RunState.liveProcessesOf(settings.runDirectory()).stream()
                .map(p -> async(() -> Processes.terminate(p, Duration.ofSeconds(10))))
                .toList());
        RunState.delete(settings.stateFile());
    }

    private void stopService(String instanceId, ManagedProcess process, Map<String, String> writingCaches) {
        Duration grace = Duration.ofSeconds(
                instanceId.startsWith("orchestrator-service")
                        ? 75
                        : instanceId.equals(StackSettings.DISCOVERY) ? 20 : 30);
        String module = writingCaches.get(instanceId);
        if (module == null || startupCache == null) {
            process.stop(grace);
            return;
        }
        // writing a cache takes a JVM of its own about as long as a start, and every service writes at once
        boolean endedCleanly = process.isAlive() && process.stop(grace.plus(CACHE_WRITING_GRACE));
        startupCache.finish(module, endedCleanly);
    }

    private void closeQuietly(@Nullable AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            progress.accept("while stopping: " + e.getMessage());
        }
    }

    private static CompletableFuture<Void> async(Runnable task) {
        return CompletableFuture.runAsync(task, VIRTUAL_THREADS);
    }

    private static void join(List<CompletableFuture<Void>> tasks) {
        try {
            CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
