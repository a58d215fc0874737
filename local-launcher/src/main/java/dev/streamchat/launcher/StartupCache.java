package dev.streamchat.launcher;

import dev.streamchat.launcher.process.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * JDK 25's ahead-of-time cache, one per service module, so that every start after the first maps the classes it
 * loaded and linked last time (and their profiles) from one file instead of loading them again from a hundred jars:
 * a service alone is healthy in a third of the time.
 *
 * <p>The JVM caches only classes it loads from plain jars on the class path, so a Spring Boot jar is first extracted
 * ({@code java -Djarmode=tools -jar app.jar extract}) into a folder of its own, and that is what runs. The first JVM of
 * a module that finds no cache trains it: it runs the service as usual and writes the cache when it is told to stop
 * ({@code -XX:AOTCacheOutput}), which takes a few seconds more once. The cache is kept only if that JVM ended by itself;
 * one killed while writing leaves nothing behind. A new build of the jar, another JDK or other JVM options discard the
 * extracted folder and the cache, and the next run trains again.
 */
public final class StartupCache {

    private static final Duration EXTRACTION_TIMEOUT = Duration.ofMinutes(2);

    private final Path directory;
    private final List<String> jvmOptions;
    private final Set<String> training = new HashSet<>();

    /** Caches kept in {@code directory}, for JVMs that run with {@code jvmOptions}. */
    public StartupCache(Path directory, List<String> jvmOptions) {
        this.directory = directory;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** How to start a JVM of {@code module} from {@code jar}: the jar to run and the options that read or write the cache. */
    public record Launch(Path jar, List<String> jvmOptions, boolean trains) {}

    /**
     * Extracts {@code jar} if it is a Spring Boot jar not extracted yet (or rebuilt since), and says how to start it: with
     * the module's cache if there is one, else as the JVM that writes it, unless another JVM of this stack already does.
     */
    public synchronized Launch prepare(String module, Path jar) {
        try {
            Files.createDirectories(directory);
            String stamp = stampOf(jar);
            Path stampFile = directory.resolve(module + ".stamp");
            Path extracted = directory.resolve(module);
            boolean bootJar = isBootJar(jar);
            if (!Files.isRegularFile(stampFile) || !Files.readString(stampFile).equals(stamp)) {
                Files.deleteIfExists(stampFile);
                Files.deleteIfExists(cache(module));
                deleteRecursively(extracted);
                if (bootJar) {
                    extract(module, jar, extracted);
                }
                Files.writeString(stampFile, stamp);
            }
            Path launched = bootJar ? extracted.resolve(jar.getFileName()) : jar;
            if (Files.isRegularFile(cache(module))) {
                return new Launch(launched, List.of("-XX:AOTCache=" + cache(module)), false);
            }
            if (training.add(module)) {
                Files.deleteIfExists(partial(module));
                return new Launch(launched, List.of("-XX:AOTCacheOutput=" + partial(module)), true);
            }
            return new Launch(launched, List.of(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare the start-up cache of " + module, e);
        }
    }

    /**
     * Called when the JVM that trained {@code module} has ended: keeps what it wrote if it ended by itself once told
     * to stop ({@code endedCleanly}), and discards it otherwise.
     */
    public synchronized void finish(String module, boolean endedCleanly) {
        try {
            if (endedCleanly && Files.isRegularFile(partial(module)) && Files.size(partial(module)) > 0) {
                Files.move(partial(module), cache(module), StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.deleteIfExists(partial(module));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not keep the start-up cache of " + module, e);
        }
    }

    /** The cache that JVMs of {@code module} start from, once one was written. */
    public Path cache(String module) {
        return directory.resolve(module + ".aot");
    }

    private Path partial(String module) {
        return directory.resolve(module + ".aot.part");
    }

    private String stampOf(Path jar) throws IOException {
        return String.join(
                "\n",
                jar.toAbsolutePath().toString(),
                Long.toString(Files.size(jar)),
                Long.toString(Files.getLastModifiedTime(jar).toMillis()),
                Runtime.version().toString(),
                String.join(" ", jvmOptions));
    }

    private static boolean isBootJar(Path jar) throws IOException {
        try (var file = new JarFile(jar.toFile())) {
            var manifest = file.getManifest();
            return manifest != null && manifest.getMainAttributes().getValue("Spring-Boot-Version") != null;
        }
    }

    private void extract(String module, Path jar, Path destination) {
        ManagedProcess.start(
                        "extracting " + module,
                        List.of(
                                ManagedProcess.javaExecutable(),
                                "-Djarmode=tools",
                                "-jar",
                                jar.toString(),
                                "extract",
                                "--destination",
                                destination.toString()),
                        Map.of(),
                        directory.resolve(module + "-extract.log"))
                .awaitSuccess(EXTRACTION_TIMEOUT);
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
