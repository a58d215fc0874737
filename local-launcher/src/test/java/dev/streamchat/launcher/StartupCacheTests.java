package dev.streamchat.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.launcher.process.ManagedProcess;
import dev.streamchat.launcher.process.Processes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache with real JVMs: a small application trains it, and the next start loads its class from it. */
class StartupCacheTests {

    private static final List<String> JVM_OPTIONS = List.of("-Xmx64m", "-XX:+UseSerialGC");

    @TempDir
    Path directory;

    private Path jar;

    @BeforeEach
    void buildApplication() throws IOException {
        jar = buildJar("print(\"hello\")");
    }

    @Test
    void theFirstStartWritesTheCacheAndTheNextLoadsItsClassesFromIt() throws IOException {
        var firstRun = new StartupCache(directory.resolve("aot"), JVM_OPTIONS);
        var training = firstRun.prepare("tiny", jar);
        assertThat(training.trains()).isTrue();
        assertThat(training.jvmOptions()).singleElement().asString().startsWith("-XX:AOTCacheOutput=");
        assertThat(run(training, "train")).contains("hello");
        firstRun.finish("tiny", true);
        assertThat(firstRun.cache("tiny")).isRegularFile();

        var nextRun = new StartupCache(directory.resolve("aot"), JVM_OPTIONS);
        var cached = nextRun.prepare("tiny", jar);

        assertThat(cached.trains()).isFalse();
        assertThat(cached.jvmOptions()).containsExactly("-XX:AOTCache=" + nextRun.cache("tiny"));
        assertThat(run(cached, "cached", "-Xlog:class+load=info")).contains("Tiny source: shared objects file");
    }

    @Test
    void onlyOneJvmOfAModuleWritesItsCache() {
        var cache = new StartupCache(directory.resolve("aot"), JVM_OPTIONS);

        assertThat(cache.prepare("tiny", jar).trains()).isTrue();
        var second = cache.prepare("tiny", jar);

        assertThat(second.trains()).isFalse();
        assertThat(second.jvmOptions()).isEmpty();
        assertThat(second.jar()).isEqualTo(jar);
    }

    @Test
    void aJvmKilledWhileWritingLeavesNoCache() throws IOException {
        var cache = new StartupCache(directory.resolve("aot"), JVM_OPTIONS);
        run(cache.prepare("tiny", jar), "train");

        cache.finish("tiny", false);

        assertThat(cache.cache("tiny")).doesNotExist();
        assertThat(new StartupCache(directory.resolve("aot"), JVM_OPTIONS)
                        .prepare("tiny", jar)
                        .trains())
                .isTrue();
    }

    @Test
    void aRebuiltJarOrOtherJvmOptionsDiscardTheCache() throws IOException {
        var cache = new StartupCache(directory.resolve("aot"), JVM_OPTIONS);
        run(cache.prepare("tiny", jar), "train");
        cache.finish("tiny", true);

        var otherOptions = new StartupCache(directory.resolve("aot"), List.of("-Xmx96m"));
        assertThat(otherOptions.prepare("tiny", jar).trains()).isTrue();
        assertThat(otherOptions.cache("tiny")).doesNotExist();

        var again = new StartupCache(directory.resolve("aot"), JVM_OPTIONS);
        run(again.prepare("tiny", jar), "train again");
        again.finish("tiny", true);
        buildJar("print(\"rebuilt\")");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));

        var afterBuild = new StartupCache(directory.resolve("aot"), JVM_OPTIONS).prepare("tiny", jar);
        assertThat(afterBuild.trains()).isTrue();
        assertThat(again.cache("tiny")).doesNotExist();
    }

    private String run(StartupCache.Launch launch, String name, String... extraOptions) throws IOException {
        var command = new ArrayList<String>();
        command.add(ManagedProcess.javaExecutable());
        command.addAll(JVM_OPTIONS);
        command.addAll(launch.jvmOptions());
        command.addAll(List.of(extraOptions));
        command.add("-jar");
        command.add(launch.jar().toString());
        Path log = directory.resolve(name.replace(' ', '-') + ".log");
        ManagedProcess.start(name, command, Map.of(), log).awaitSuccess(Duration.ofMinutes(1));
        return Processes.tail(log, 10_000);
    }

    /** A jar whose main class {@code Tiny} runs {@code statement}. */
    private Path buildJar(String statement) throws IOException {
        Path sources = Files.createDirectories(directory.resolve("src"));
        Files.writeString(
                sources.resolve("Tiny.java"),
                "public class Tiny { static void print(String s) { System.out.println(s); }"
                        + " public static void main(String[] args) { " + statement + "; } }");
        int compiled = ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        null,
                        null,
                        "-d",
                        sources.toString(),
                        sources.resolve("Tiny.java").toString());
        assertThat(compiled).isZero();
        var manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Tiny");
        Path target = directory.resolve("tiny.jar");
        try (OutputStream out = Files.newOutputStream(target);
                var jarOut = new JarOutputStream(out, manifest)) {
            jarOut.putNextEntry(new JarEntry("Tiny.class"));
            jarOut.write(Files.readAllBytes(sources.resolve("Tiny.class")));
            jarOut.closeEntry();
        }
        return target;
    }
}
