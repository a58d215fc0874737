package dev.streamchat.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;

/**
 * The RSA key pair of one run's dev tokens, made afresh by every start: the gateway signs dev tokens with the private
 * half ({@code DEV_TOKEN_PRIVATE_KEY}, given to the gateway alone, readable by its owner alone), every service trusts
 * the public half (Boot's {@code public-key-location}), the way a deployment trusts its identity provider's keys. No key is
 * committed anywhere, and a token of one run is worth nothing in the next.
 */
public record DevTokenKeys(Path privateKey, Path publicKey) {

    static DevTokenKeys create(Path directory) {
        try {
            Files.createDirectories(directory);
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Path privateKey = directory.resolve("dev-tokens.key");
            Path publicKey = directory.resolve("dev-tokens.pub");
            Files.deleteIfExists(privateKey);
            Files.createFile(privateKey);
            ownerOnly(privateKey);
            Files.writeString(privateKey, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(publicKey, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            return new DevTokenKeys(privateKey, publicKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no RSA key pair generator in this JDK", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void ownerOnly(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /** What a service's {@code *-location} property takes. */
    static String location(Path file) {
        return "file:" + file.toAbsolutePath();
    }
}
