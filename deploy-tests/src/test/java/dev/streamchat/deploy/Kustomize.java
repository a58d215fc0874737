package dev.streamchat.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomize overlay the way the README says to apply it: {@code kubectl kustomize --load-restrictor
 * LoadRestrictionsNone <overlay>} (the Config Server's ConfigMap is built from config-repo/, outside k8s/). No cluster
 * is involved.
 */
final class Kustomize {

    /** The kubectl to use: {@code $KUBECTL}, else {@code kubectl} on the PATH. */
    static final String KUBECTL = Optional.ofNullable(System.getenv("KUBECTL")).orElse("kubectl");

    private Kustomize() {}

    /** Whether kubectl answers {@code kubectl version --client}. */
    static boolean available() {
        try {
            return run(List.of(KUBECTL, "version", "--client")).exitCode() == 0;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    /** The objects of the rendered overlay, in kubectl's order; a failure with kubectl's message if it fails. */
    static List<Map<String, Object>> render(Path overlay) {
        Result result =
                run(List.of(KUBECTL, "kustomize", "--load-restrictor", "LoadRestrictionsNone", overlay.toString()));
        if (result.exitCode() != 0) {
            throw new AssertionError(
                    "kubectl kustomize " + Repository.ROOT.relativize(overlay) + " failed:\n" + result.error());
        }
        var objects = new ArrayList<Map<String, Object>>();
        for (Object document : Repository.yamlDocuments(result.output())) {
            objects.add(Tree.map(document));
        }
        return objects;
    }

    private record Result(int exitCode, String output, String error) {}

    private static Result run(List<String> command) {
        try {
            Path errors = Files.createTempFile("kubectl", ".err");
            try {
                Process process = new ProcessBuilder(command)
                        .directory(Repository.ROOT.toFile())
                        .redirectError(errors.toFile())
                        .start();
                process.getOutputStream().close();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(2, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish in 2 minutes");
                }
                return new Result(process.exitValue(), output, Files.readString(errors));
            } finally {
                Files.deleteIfExists(errors);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
