package dev.streamchat.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/** Where the test infrastructure listens, whichever way it was started. */
public final class Endpoints {

    private Endpoints() {}

    /** A PostgreSQL server and its superuser. */
    public record Postgres(String host, int port, String superuser, String password) {

        private static final AtomicInteger DATABASES = new AtomicInteger();
        private static final Pattern NOT_IN_NAME = Pattern.compile("[^a-z0-9_]");

        public String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        /**
         * Creates a fresh, empty database whose name starts with {@code prefix}, so that every test context gets one
         * of its own, and returns its name.
         */
        public String createDatabase(String prefix) {
            String name = NOT_IN_NAME.matcher(prefix.toLowerCase()).replaceAll("_") + "_" + DATABASES.incrementAndGet();
            try (var connection = DriverManager.getConnection(jdbcUrl("postgres"), superuser, password);
                    var statement = connection.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                statement.execute("CREATE DATABASE " + name);
                return name;
            } catch (SQLException e) {
                throw new IllegalStateException("could not create database " + name, e);
            }
        }
    }

    /** A Redis server. */
    public record Redis(String host, int port, String username, String password) {}

    /** A Kafka broker. */
    public record Kafka(String bootstrapServers) {}

    /** A Kafka broker that takes only clients logging in over SASL (PLAIN) as {@code username}. */
    public record KafkaWithLogin(String bootstrapServers, String username, String password) {

        /** The {@code sasl.jaas.config} of a client with the login. */
        public String jaasConfig() {
            return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + username
                    + "\" password=\"" + password + "\";";
        }

        /** A Kafka client's settings with the login. */
        public java.util.Map<String, Object> clientProperties() {
            return java.util.Map.of(
                    "bootstrap.servers",
                    bootstrapServers,
                    "security.protocol",
                    "SASL_PLAINTEXT",
                    "sasl.mechanism",
                    "PLAIN",
                    "sasl.jaas.config",
                    jaasConfig());
        }
    }

    /** A Zipkin server. */
    public record Zipkin(String baseUrl) {

        private static final HttpClient HTTP = HttpClient.newHttpClient();

        public String spansEndpoint() {
            return baseUrl + "/api/v2/spans";
        }

        /** Reports one span of {@code serviceName}, as a traced service would, and returns its trace id. */
        public String sendSpan(String serviceName) {
            String traceId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
            String span = """
                    [{"traceId": "%s", "id": "%s", "name": "probe", "timestamp": %d, "duration": 10,
                      "localEndpoint": {"serviceName": "%s"}}]""".formatted(traceId, traceId, System.currentTimeMillis() * 1000, serviceName);
            var response = send(HttpRequest.newBuilder(URI.create(spansEndpoint()))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(span))
                    .build());
            if (response.statusCode() != 202) {
                throw new IllegalStateException(
                        "Zipkin refused a span: " + response.statusCode() + " " + response.body());
            }
            return traceId;
        }

        /** The spans of a trace, as the JSON text of {@code /api/v2/trace/{id}}; empty while Zipkin has none. */
        public Optional<String> trace(String traceId) {
            var response = send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v2/trace/" + traceId))
                    .build());
            return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
        }

        private static HttpResponse<String> send(HttpRequest request) {
            try {
                return HTTP.send(
                        HttpRequest.newBuilder(request, (name, value) -> true)
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
