package dev.streamchat.session;

import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.RunningServiceChecks;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import java.util.Set;
import org.springframework.context.annotation.Import;

/** session-service on real infrastructure, configured from config-repo: healthy with Redis. */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, dev.streamchat.testsupport.KafkaTestConfiguration.class})
class SessionServiceIntegrationTests extends RunningServiceChecks {

    @Override
    protected Set<String> infrastructureHealthComponents() {
        return Set.of("redis");
    }
}
