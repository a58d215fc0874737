package dev.streamchat.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one local stack runs and where: the repository it runs from, the run folder for its logs, data and state,
 * the ports, the service instances and the JVM options they get, and whether services start from a {@link
 * StartupCache} kept in the run folder (on for {@code ./chat up}; a stack whose run folder is thrown away after one run
 * would only pay for writing it).
 */
public record StackSettings(
        Path repositoryRoot,
        Path runDirectory,
        InfrastructurePorts ports,
        List<ServiceInstance> services,
        List<String> serviceJvmOptions,
        Duration startTimeout,
        Map<String, String> serviceEnvironment,
        boolean startupCache) {

    public static final String DISCOVERY = "discovery-service";

    /** Where every process of a local stack listens: nothing is reachable from another machine unless asked. */
    public static final String LOOPBACK = "127.0.0.1";

    /**
     * The environment variable that opens the gateway (and with it the web client) to other machines, e.g.
     * {@code STREAMCHAT_LISTEN_ADDRESS=0.0.0.0 ./chat up}; every other process stays on loopback.
     */
    public static final String LISTEN_ADDRESS = "STREAMCHAT_LISTEN_ADDRESS";

    /**
     * The local system: gateway 8080, discovery and config 8761, two session-service nodes, two orchestrators (one
     * sweeps the other's generations if it dies), then one of each.
     */
    public static final List<ServiceInstance> LOCAL_SERVICES = List.of(
            new ServiceInstance(DISCOVERY, DISCOVERY, 8761),
            new ServiceInstance("gateway-service", "gateway-service", 8080),
            new ServiceInstance("session-service", "session-service-1", 8081),
            new ServiceInstance("session-service", "session-service-2", 8082),
            new ServiceInstance("orchestrator-service", "orchestrator-service-1", 8083),
            new ServiceInstance("orchestrator-service", "orchestrator-service-2", 8087),
            new ServiceInstance("recovery-service", "recovery-service", 8084),
            new ServiceInstance("persistence-service", "persistence-service", 8085),
            new ServiceInstance("analytics-service", "analytics-service", 8086));

    /** Modest heaps: the whole stack has to fit well under 6 GiB on a 2-core machine. */
    public static final List<String> DEFAULT_SERVICE_JVM_OPTIONS = List.of(
            "-Xms64m",
            "-Xmx256m",
            "-Xss512k",
            "-XX:MaxMetaspaceSize=192m",
            "-XX:ReservedCodeCacheSize=64m",
            "-XX:+UseSerialGC",
            // C1 only: healthy in about 55 s instead of 83 s on 2 cores; benchmarks pass their own options
            "-XX:TieredStopAtLevel=1",
            // Netty, Tomcat and XStream still use these JDK facilities; say so instead of warning at every start
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    public StackSettings {
        services = List.copyOf(services);
        serviceJvmOptions = List.copyOf(serviceJvmOptions);
        serviceEnvironment = Map.copyOf(serviceEnvironment);
    }

    /** The settings of {@code ./chat up} for the repository at {@code repositoryRoot}, run folder {@code run/}. */
    public static StackSettings local(Path repositoryRoot) {
        return new StackSettings(
                repositoryRoot.toAbsolutePath().normalize(),
                repositoryRoot.toAbsolutePath().normalize().resolve("run"),
                InfrastructurePorts.LOCAL,
                LOCAL_SERVICES,
                DEFAULT_SERVICE_JVM_OPTIONS,
                Duration.ofMinutes(5),
                System.getenv(LISTEN_ADDRESS) == null
                        ? Map.of()
                        : Map.of(LISTEN_ADDRESS, System.getenv(LISTEN_ADDRESS)),
                true);
    }

    public StackSettings withRunDirectory(Path runDirectory) {
        return new StackSettings(
                repositoryRoot,
                runDirectory.toAbsolutePath(),
                ports,
                services,
                serviceJvmOptions,
                startTimeout,
                serviceEnvironment,
                startupCache);
    }

    /** These settings, with environment variables given to every service (e.g. {@code OPENAI_BASE_URL}). */
    public StackSettings withServiceEnvironment(Map<String, String> environment) {
        return new StackSettings(
                repositoryRoot,
                runDirectory,
                ports,
                services,
                serviceJvmOptions,
                startTimeout,
                environment,
                startupCache);
    }

    /** These settings, with services started from a {@link StartupCache} or not. */
    public StackSettings withStartupCache(boolean enabled) {
        return new StackSettings(
                repositoryRoot,
                runDirectory,
                ports,
                services,
                serviceJvmOptions,
                startTimeout,
                serviceEnvironment,
                enabled);
    }

    /** The address the gateway listens on: loopback unless {@link #LISTEN_ADDRESS} is among the service environment. */
    public String gatewayAddress() {
        return serviceEnvironment.getOrDefault(LISTEN_ADDRESS, LOOPBACK);
    }

    /** Every port the stack listens on, with what listens there, infrastructure first. */
    public Map<Integer, String> portUsers() {
        var users = new LinkedHashMap<Integer, String>();
        users.put(ports.postgres(), "PostgreSQL");
        users.put(ports.redis(), "Redis");
        users.put(ports.kafka(), "Kafka");
        users.put(ports.kafkaController(), "the Kafka controller");
        users.put(ports.kafkaProxied(), "Kafka's listener for clients behind a proxy");
        users.put(ports.zipkin(), "Zipkin");
        services.forEach(s -> users.put(s.port(), s.instanceId()));
        return users;
    }

    public Path configRepo() {
        return repositoryRoot.resolve("config-repo");
    }

    public Path logDirectory() {
        return runDirectory.resolve("logs");
    }

    public Path dataDirectory() {
        return runDirectory.resolve("data");
    }

    /** Where the {@link StartupCache} keeps the extracted jars and the caches. */
    public Path startupCacheDirectory() {
        return runDirectory.resolve("aot");
    }

    public Path stateFile() {
        return runDirectory.resolve("stack.json");
    }

    /** The executable jar that {@code ./mvnw package} builds for {@code module}. */
    public Path jarOf(String module) {
        return repositoryRoot.resolve(module).resolve("target").resolve(module + ".jar");
    }

    public Path zipkinJar() {
        return repositoryRoot.resolve("local-launcher/target/zipkin/zipkin-server.jar");
    }

    public ServiceInstance discovery() {
        return services.stream()
                .filter(s -> s.module().equals(DISCOVERY))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + DISCOVERY + " in " + services));
    }

    /**
     * The repository root above {@code start}: the first directory that holds both {@code mvnw} and
     * {@code config-repo/}.
     */
    public static Path findRepositoryRoot(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("config-repo"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (mvnw and config-repo/) above " + start);
    }
}
