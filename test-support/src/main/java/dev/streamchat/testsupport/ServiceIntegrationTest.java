package dev.streamchat.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A service's integration test: the whole application on a random port, configured as in production from
 * {@code config-repo/} ({@code application.yml} and {@code <service>.yml}, read from the files by
 * {@link ConfigRepoEnvironmentPostProcessor}, since no Config Server runs), without Eureka. Add the infrastructure
 * the service needs with {@code @Import}, for example {@code @Import(PostgresTestConfiguration.class)}, and further
 * properties with {@code @TestPropertySource}. Tokens: {@link TestTokens}, whose keys {@link TestIdentityProvider}
 * serves.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            ConfigRepoEnvironmentPostProcessor.ENABLED + "=true",
            "spring.cloud.config.enabled=false",
            "eureka.client.enabled=false",
            // spans are still made (baggage, log fields), not sent: no Zipkin runs for a service's own tests
            "management.tracing.export.zipkin.enabled=false",
            "PLATFORM_PASSWORD=" + ServiceIntegrationTest.PLATFORM_PASSWORD,
            // trusts TestTokens' key, issuer and audience, as a deployment trusts its identity provider's
            TestIdentityProvider.ENABLED + "=true"
        })
public @interface ServiceIntegrationTest {

    /** The platform password of the service under test (user {@code platform}). */
    String PLATFORM_PASSWORD = "integration-test-password";
}
