package dev.streamchat.launcher.process;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** Whether a TCP port is free, and if not, which process listens on it. */
public final class Ports {

    private static final String LISTEN = "0A";

    private Ports() {}

    /** True when nothing listens on {@code port} on any local address. */
    public static boolean isFree(int port) {
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            return false;
        }
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** True when something accepts connections on {@code port} on the loopback address. */
    public static boolean isListening(int port) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port nothing listens on now, chosen by the operating system. */
    public static int findFree() {
        try (var socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /**
     * The process listening on {@code port}, read from {@code /proc} (Linux); empty when it cannot be told, for
     * example when it belongs to another user.
     */
    public static Optional<ProcessHandle> owner(int port) {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            inodes.addAll(listeningInodes(Path.of(table), port));
        }
        if (inodes.isEmpty()) {
            return Optional.empty();
        }
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes
                    .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> holdsAnyOf(p.resolve("fd"), inodes))
                    .map(p -> ProcessHandle.of(Long.parseLong(p.getFileName().toString())))
                    .flatMap(Optional::stream)
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A line saying who holds {@code port}, for error messages. */
    public static String describeOwner(int port) {
        return owner(port)
                .map(p -> "pid " + p.pid() + " ("
                        + p.info().commandLine().map(Ports::shorten).orElse("command unknown") + ")")
                .orElse("a process this user cannot see (try: ss -ltnp 'sport = :" + port + "')");
    }

    static Set<String> listeningInodes(Path table, int port) {
        Set<String> inodes = new HashSet<>();
        if (!Files.isReadable(table)) {
            return inodes;
        }
        try (Stream<String> lines = Files.lines(table)) {
            lines.skip(1).map(String::trim).map(l -> l.split("\\s+")).forEach(f -> {
                if (f.length > 9 && LISTEN.equals(f[3]) && portOf(f[1]) == port) {
                    inodes.add(f[9]);
                }
            });
        } catch (IOException | RuntimeException e) {
            // unreadable table: no owner can be named
        }
        return inodes;
    }

    static int portOf(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
    }

    private static boolean holdsAnyOf(Path fdDirectory, Set<String> inodes) {
        try (Stream<Path> fds = Files.list(fdDirectory)) {
            return fds.anyMatch(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1));
                } catch (IOException | UnsupportedOperationException e) {
                    return false;
                }
            });
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static String shorten(String commandLine) {
        return commandLine.length() <= 160 ? commandLine : commandLine.substring(0, 157) + "...";
    }
}
