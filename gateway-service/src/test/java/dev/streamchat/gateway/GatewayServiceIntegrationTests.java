package dev.streamchat.gateway;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.RunningServiceChecks;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import java.util.List;
import java.util.Set;
import org.springframework.context.annotation.Import;

/** gateway-service on real infrastructure, configured from config-repo: healthy with Redis. */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
class GatewayServiceIntegrationTests extends RunningServiceChecks {

    @Override
    protected Set<String> infrastructureHealthComponents() {
        return Set.of("redis");
    }

    /** The web client at / is public; the rest of the edge takes JWTs (EdgeSecurityIntegrationTests). */
    @Override
    protected List<String> platformOnlyPaths() {
        return List.of("/actuator/info", "/actuator/prometheus");
    }
}
