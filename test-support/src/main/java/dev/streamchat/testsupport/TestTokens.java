package dev.streamchat.testsupport;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * RS256 tokens for tests, signed with a key pair made for this test run: the key of {@link TestIdentityProvider},
 * whose JWKS a service under test trusts (or another key, to prove a wrong signature is refused). Also signs with a
 * private key read from a PEM file, such as the key pair {@code ./chat up} makes for its dev tokens.
 */
public final class TestTokens {

    public static final String ISSUER = "streamchat-test";
    public static final String AUDIENCE = "streamchat";

    private static final RSAKey KEY = rsaKey(generate());
    private static final RSAKey ANOTHER_KEY = rsaKey(generate());

    private TestTokens() {}

    public static String valid(String userId) {
        return sign(userId, Instant.now(), Duration.ofMinutes(10));
    }

    /** A valid token whose {@code roles} claim holds the given roles (as the gateway's dev tokens carry them). */
    public static String withRoles(String userId, String... roles) {
        return sign(KEY, userId, ISSUER, AUDIENCE, Instant.now(), Duration.ofMinutes(10), List.of(roles));
    }

    public static String expired(String userId) {
        return sign(userId, Instant.now().minus(Duration.ofHours(2)), Duration.ofMinutes(10));
    }

    public static String signedWithAnotherKey(String userId) {
        return sign(ANOTHER_KEY, userId, ISSUER, AUDIENCE, Instant.now(), Duration.ofMinutes(10), List.of("user"));
    }

    /** Signed with the right key, but by another issuer or for another audience. */
    public static String from(String userId, String issuer, String audience) {
        return sign(KEY, userId, issuer, audience, Instant.now(), Duration.ofMinutes(10), List.of("user"));
    }

    public static String sign(String userId, Instant issuedAt, Duration lifetime) {
        return sign(KEY, userId, ISSUER, AUDIENCE, issuedAt, lifetime, List.of("user"));
    }

    /** A token signed with the RSA private key of a PKCS#8 PEM file. */
    public static String signWith(
            Path privateKeyPem, String userId, String issuer, String audience, Instant issuedAt, Duration lifetime) {
        return sign(rsaKey(readKeyPair(privateKeyPem)), userId, issuer, audience, issuedAt, lifetime, List.of("user"));
    }

    /** The public half of this run's key, as a JWK set. */
    static String publicJwkSet() {
        return new JWKSet(KEY.toPublicJWK()).toString();
    }

    /** This run's private key as a PKCS#8 PEM file, for a service that signs dev tokens in a test. */
    public static Path privateKeyPem() {
        try {
            Path file = Files.createTempFile("test-tokens", ".pem");
            file.toFile().deleteOnExit();
            String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'})
                    .encodeToString(KEY.toPrivateKey().getEncoded());
            Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n");
            return file;
        } catch (IOException | com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(
            RSAKey key,
            String userId,
            String issuer,
            String audience,
            Instant issuedAt,
            Duration lifetime,
            List<String> roles) {
        var encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key)));
        var claims = JwtClaimsSet.builder()
                .subject(userId)
                .issuer(issuer)
                .audience(List.of(audience))
                .issuedAt(issuedAt)
                .expiresAt(issuedAt.plus(lifetime))
                .claim("roles", roles)
                .build();
        return encoder.encode(JwtEncoderParameters.from(
                        JwsHeader.with(SignatureAlgorithm.RS256)
                                .keyId(key.getKeyID())
                                .build(),
                        claims))
                .getTokenValue();
    }

    private static KeyPair generate() {
        try {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RSAKey rsaKey(KeyPair pair) {
        try {
            return new RSAKey.Builder((RSAPublicKey) pair.getPublic())
                    .privateKey((RSAPrivateKey) pair.getPrivate())
                    .keyIDFromThumbprint()
                    .build();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair readKeyPair(Path pem) {
        try {
            String base64 = Files.readString(pem)
                    .replace("-----BEGIN PRIVATE KEY-----", "")
                    .replace("-----END PRIVATE KEY-----", "");
            var factory = KeyFactory.getInstance("RSA");
            var privateKey = (RSAPrivateCrtKey) factory.generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(base64)));
            var publicKey = factory.generatePublic(
                    new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
            return new KeyPair(publicKey, privateKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException("not an RSA private key in PKCS#8 PEM: " + pem, e);
        }
    }
}
