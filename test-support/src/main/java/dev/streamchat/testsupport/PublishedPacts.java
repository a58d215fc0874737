package dev.streamchat.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Publishes a consumer's pacts to the repository's {@code pacts/} folder, which stands in for a Pact Broker: the
 * providers verify what is there. Register it <em>before</em> {@code PactConsumerTestExt}
 * ({@code @ExtendWith({PublishedPacts.class, PactConsumerTestExt.class})}) so that it runs after Pact has written the
 * pacts of the class to {@code target/pacts}.
 *
 * <p>A pact that differs from its published copy is copied over it and the test class fails: a changed contract has to
 * be committed, so that the providers, which may be built before this consumer, verify the new one in the same run.
 */
public final class PublishedPacts implements AfterAllCallback {

    /** Set by the build (root pom) to the repository's {@code pacts/} folder. */
    public static final String FOLDER_PROPERTY = "streamchat.pacts.dir";

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        Path written = Path.of("target", "pacts");
        String folder = System.getProperty(FOLDER_PROPERTY);
        if (folder == null) {
            throw new IllegalStateException("-D" + FOLDER_PROPERTY + " is not set: the build sets it (root pom)");
        }
        if (!Files.isDirectory(written)) {
            return; // no pact written: the class's tests failed, and say why
        }
        Path published = Path.of(folder);
        Files.createDirectories(published);
        var changed = new ArrayList<String>();
        try (Stream<Path> pacts = Files.list(written)) {
            pacts.filter(pact -> pact.getFileName().toString().endsWith(".json"))
                    .forEach(pact -> {
                        Path copy = published.resolve(pact.getFileName());
                        if (!normalized(pact).equals(Files.exists(copy) ? normalized(copy) : "")) {
                            copyOver(pact, copy);
                            changed.add(copy.toString());
                        }
                    });
        }
        if (!changed.isEmpty()) {
            throw new AssertionError("The consumer's contract changed and is now updated in " + changed
                    + ": commit it, so that its providers verify it (they read pacts/, see pacts/README.md)");
        }
    }

    private static String normalized(Path file) {
        try {
            return Files.readString(file).replace("\r\n", "\n").strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyOver(Path from, Path to) {
        try {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
