package dev.streamchat.testsupport;

import java.sql.DriverManager;
import java.sql.SQLException;
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
    public record Redis(String host, int port) {}

    /** A Kafka broker. */
    public record Kafka(String bootstrapServers) {}

    /** A Zipkin server. */
    public record Zipkin(String baseUrl) {

        public String spansEndpoint() {
            return baseUrl + "/api/v2/spans";
        }
    }
}
