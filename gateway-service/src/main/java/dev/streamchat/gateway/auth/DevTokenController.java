package dev.streamchat.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Profile;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/auth/dev-token {"userId": "..."}}: a token for any user name, so that the system can be tried
 * without an identity provider. It exists in the {@code local} profile only, signed (RS256) with the private key of
 * the key pair {@code ./chat up} makes for each run; every service trusts that run's public key the way a deployment
 * trusts its identity provider's. Nothing signed by one run is accepted by the next. {@code GET /api/auth/dev-jwks}
 * serves the public key, for services that cannot read the run's key file.
 */
@RestController
@Profile("local")
@EnableConfigurationProperties(DevTokenProperties.class)
class DevTokenController {

    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    private static final Logger log = LoggerFactory.getLogger(DevTokenController.class);

    private final JwtEncoder encoder;
    private final Map<String, Object> publicKeys;
    private final String keyId;
    private final DevTokenProperties properties;

    DevTokenController(DevTokenProperties properties, ResourceLoader resources)
            throws IOException, GeneralSecurityException, JOSEException {
        String location = properties.privateKeyLocation();
        RSAKey key;
        if (location == null || location.isBlank()) {
            key = new RSAKeyGenerator(2048).keyIDFromThumbprint(true).generate();
            log.info("Dev tokens are signed with a key made at start; its public half is at /api/auth/dev-jwks");
        } else {
            Resource pem = resources.getResource(location);
            if (!pem.exists()) {
                throw new IllegalStateException(
                        "streamchat.security.dev-tokens.private-key-location (DEV_TOKEN_PRIVATE_KEY): no " + location);
            }
            key = rsaKey(pem.getContentAsString(StandardCharsets.US_ASCII));
        }
        this.encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key)));
        this.publicKeys = new JWKSet(key.toPublicJWK()).toJSONObject();
        this.keyId = key.getKeyID();
        this.properties = properties;
    }

    /**
     * The public half of the signing key as a JWK set: what services trust where no key file can be shared with them
     * (the k8s local overlay points {@code JWT_JWK_SET_URI} here).
     */
    @GetMapping("/api/auth/dev-jwks")
    Map<String, Object> publicKeys() {
        return publicKeys;
    }

    @PostMapping("/api/auth/dev-token")
    ResponseEntity<?> devToken(@RequestBody(required = false) @Nullable DevTokenRequest request) {
        if (request == null
                || request.userId() == null
                || !USER_ID.matcher(request.userId()).matches()) {
            var problem = ProblemDetail.forStatusAndDetail(
                    HttpStatus.BAD_REQUEST, "userId must be 1 to 64 letters, digits or . _ @ -");
            problem.setTitle("Invalid user id");
            return ResponseEntity.of(problem).build();
        }
        Instant now = Instant.now();
        Instant expiresAt = now.plus(properties.lifetime());
        var claims = JwtClaimsSet.builder()
                .subject(request.userId())
                .issuer(properties.issuer())
                .audience(List.of(properties.audience()))
                .issuedAt(now)
                .expiresAt(expiresAt)
                .claim(
                        "roles",
                        properties.admins().contains(request.userId()) ? List.of("user", "admin") : List.of("user"))
                .build();
        String token = encoder.encode(JwtEncoderParameters.from(
                        JwsHeader.with(SignatureAlgorithm.RS256).keyId(keyId).build(), claims))
                .getTokenValue();
        return ResponseEntity.ok(new DevToken(token, expiresAt));
    }

    /** The signing key from a PKCS#8 PEM, its public half derived from it. */
    private static RSAKey rsaKey(String pem) throws GeneralSecurityException, JOSEException {
        String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
        var factory = KeyFactory.getInstance("RSA");
        var privateKey = (RSAPrivateCrtKey) factory.generatePrivate(
                new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(base64)));
        var publicKey = (RSAPublicKey)
                factory.generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
        return new RSAKey.Builder(publicKey)
                .privateKey(privateKey)
                .keyIDFromThumbprint()
                .build();
    }

    /** The request body. */
    record DevTokenRequest(@Nullable String userId) {}

    /** The answer: the token and when it expires. */
    record DevToken(String token, Instant expiresAt) {}
}
