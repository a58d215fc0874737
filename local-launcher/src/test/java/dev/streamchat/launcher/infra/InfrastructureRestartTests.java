package dev.streamchat.launcher.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.launcher.process.Ports;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second ./chat up runs on the data of the first: the servers must start again on their own directories. */
class InfrastructureRestartTests {

    @TempDir
    Path directory;

    @Test
    void kafkaStartsAgainOnItsLogDirectoryAndKeepsItsTopics() {
        int port = Ports.findFree();
        int controllerPort = Ports.findFree();
        Path data = directory.resolve("kafka");
        Path log = directory.resolve("kafka.log");
        try (var first = KafkaBroker.start(port, controllerPort, data, log)) {
            first.createTopics(List.of(new NewTopic("kept", 2, (short) 1)));
        }

        try (var second = KafkaBroker.start(port, controllerPort, data, log)) {
            assertThat(second.topics()).contains("kept");
            assertThat(commandLineOf(second.pid())).contains(data.toString());
        }
    }

    @Test
    void postgresStartsAgainOnItsDataDirectoryAndKeepsItsDatabases() {
        int port = Ports.findFree();
        Path data = directory.resolve("postgres");
        Path log = directory.resolve("postgres.log");
        try (var first = PostgresServer.start(port, data, log)) {
            first.createDatabase("kept");
            first.createDatabase("kept");
        }

        try (var second = PostgresServer.start(port, data, log)) {
            assertThat(second.databases()).contains("kept");
        }
    }

    @Test
    void redisStartsAgainOnTheSamePort() {
        int port = Ports.findFree();
        var login = new RedisServer.Login("streamchat", "a-password-" + port);
        try (var first = RedisServer.start(port, directory.resolve("redis"), directory.resolve("redis.log"), login)) {
            assertThat(first.answersPing()).isTrue();
            assertThat(commandLineOf(first.pid()))
                    .contains(directory.resolve("redis").toString())
                    .doesNotContain(login.password());
        }

        try (var second = RedisServer.start(port, directory.resolve("redis"), directory.resolve("redis.log"), login)) {
            assertThat(second.answersPing()).isTrue();
        }
    }

    @Test
    void redisTakesOnlyItsLogin() throws Exception {
        int port = Ports.findFree();
        var login = new RedisServer.Login("streamchat", "the-password");
        try (var server = RedisServer.start(port, directory.resolve("redis"), directory.resolve("redis.log"), login)) {
            assertThat(reply(port, "PING\r\n")).startsWith("-NOAUTH");
            assertThat(reply(port, "AUTH streamchat wrong\r\n")).startsWith("-WRONGPASS");
            assertThat(server.answersPing()).isTrue();
        }
    }

    private static String reply(int port, String command) throws java.io.IOException {
        try (var socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(command.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] buffer = new byte[256];
            int read = socket.getInputStream().read(buffer);
            return new String(buffer, 0, Math.max(read, 0), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /** The command line as Java reads it: what ./chat down looks for the run folder in. */
    private static String commandLineOf(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("");
    }
}
