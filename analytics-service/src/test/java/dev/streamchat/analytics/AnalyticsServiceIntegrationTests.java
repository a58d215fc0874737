package dev.streamchat.analytics;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RunningServiceChecks;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import java.util.Set;
import org.springframework.context.annotation.Import;

/** analytics-service on real infrastructure, configured from config-repo: healthy with its database. */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, KafkaTestConfiguration.class})
class AnalyticsServiceIntegrationTests extends RunningServiceChecks {

    @Override
    protected Set<String> infrastructureHealthComponents() {
        return Set.of("db");
    }
}
