package dev.streamchat.deploy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One deployable service module and its configuration (flattened property names, as in
 * {@link Tree#flatten(Map)}), from which the checks learn what the deployment files must give it.
 */
record ServiceModule(String name, boolean configServer, Map<String, Object> configuration) {

    /** Port inside a container when the configuration names none. */
    static final int DEFAULT_CONTAINER_PORT = 8080;

    private static final Pattern DATABASE_IN_URL = Pattern.compile("/\\$\\{DB_NAME:([a-z][a-z0-9_]*)}$");

    /** The port it listens on in a container: {@code server.port} of its configuration, else 8080. */
    int port() {
        Object port = configuration.get("server.port");
        return port == null ? DEFAULT_CONTAINER_PORT : Integer.parseInt(String.valueOf(port));
    }

    /** Its own PostgreSQL database (the default of {@code DB_NAME} in its datasource URL), if it has one. */
    Optional<String> database() {
        Object url = configuration.get("spring.datasource.url");
        if (url == null) {
            return Optional.empty();
        }
        var matcher = DATABASE_IN_URL.matcher(String.valueOf(url));
        if (!matcher.find()) {
            throw new IllegalStateException(name + ": datasource URL without ${DB_NAME:<database>}: " + url);
        }
        return Optional.of(matcher.group(1));
    }

    /** Whether it has Kafka bindings (Spring Cloud Stream). */
    boolean usesKafka() {
        return configuration.keySet().stream().anyMatch(key -> key.startsWith("spring.cloud.stream.bindings."));
    }

    /** The members of its readiness group ({@code management.endpoint.health.group.readiness.include}). */
    List<String> readinessGroup() {
        Object include = configuration.get("management.endpoint.health.group.readiness.include");
        if (include == null) {
            return List.of();
        }
        return Arrays.stream(String.valueOf(include).split(","))
                .map(String::trim)
                .filter(member -> !member.isEmpty())
                .toList();
    }

    /** Whether Redis is among what it must reach to be ready. */
    boolean usesRedis() {
        return readinessGroup().contains("redis");
    }

    /** Whether {@code /actuator/health/liveness} and {@code /actuator/health/readiness} exist. */
    boolean probesEnabled() {
        return "true".equals(String.valueOf(configuration.get("management.endpoint.health.probes.enabled")));
    }

    /** How long Spring waits for each shutdown phase (connections drained, consumers stopped). */
    Duration shutdownPhase() {
        Object timeout = configuration.get("spring.lifecycle.timeout-per-shutdown-phase");
        return timeout == null ? Duration.ofSeconds(30) : Durations.parse(String.valueOf(timeout));
    }
}
