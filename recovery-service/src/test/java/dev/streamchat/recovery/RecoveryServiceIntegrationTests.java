package dev.streamchat.recovery;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.RunningServiceChecks;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import java.util.Set;
import org.springframework.context.annotation.Import;

/** recovery-service on real infrastructure, configured from config-repo: healthy with its database and Redis. */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, RedisTestConfiguration.class, KafkaTestConfiguration.class})
class RecoveryServiceIntegrationTests extends RunningServiceChecks {

    @Override
    protected Set<String> infrastructureHealthComponents() {
        return Set.of("db", "redis");
    }
}
