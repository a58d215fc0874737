package dev.streamchat.launcher.infra;

import dev.streamchat.launcher.process.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
    private final Login login;

    private RedisServer(int port, ManagedProcess process, Login login) {
        this.port = port;
        this.process = process;
        this.login = login;
    }

    /**
     * The one user a server takes (Redis ACL): every key and channel, every command. The default user is off, so a
     * connection that does not log in can do nothing.
     */
    public record Login(String username, String password) {}

    /** Starts {@code redis-server} on {@code port}, working in {@code dataDirectory} (nothing is saved there). */
    public static RedisServer start(int port, Path dataDirectory, Path logFile, Login login) {
        String executable;
        Path users;
        try {
            Files.createDirectories(dataDirectory);
            executable = ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
            // in a file its owner alone reads, not on the command line, which every local user can list
            users = dataDirectory.resolve("users.conf");
            Files.deleteIfExists(users);
            Files.createFile(users);
            if (users.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
            }
            Files.writeString(
                    users,
                    "user default off\nuser " + login.username() + " on >" + login.password() + " ~* &* +@all\n");
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare redis-server", e);
        }
        var process = ManagedProcess.start(
                "redis",
                List.of(
                        executable,
                        users.toString(),
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
        var server = new RedisServer(port, process, login);
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

    public Login login() {
        return login;
    }

    /** A Redis URI with the login in it, for a client of this server. */
    public String uri() {
        return "redis://" + login.username() + ":" + login.password() + "@localhost:" + port;
    }

    /** True when the server takes the login and answers PING with PONG. */
    public boolean answersPing() {
        try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(1000);
            String commands = command("AUTH", login.username(), login.password()) + command("PING");
            socket.getOutputStream().write(commands.getBytes(StandardCharsets.UTF_8));
            byte[] reply = socket.getInputStream().readNBytes(12);
            return new String(reply, StandardCharsets.US_ASCII).equals("+OK\r\n+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** A command in RESP, so that no argument needs quoting. */
    private static String command(String... arguments) {
        var command = new StringBuilder("*" + arguments.length + "\r\n");
        for (String argument : arguments) {
            command.append('$')
                    .append(argument.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n")
                    .append(argument)
                    .append("\r\n");
        }
        return command.toString();
    }

    @Override
    public void close() {
        process.stop(Duration.ofSeconds(10));
    }
}
