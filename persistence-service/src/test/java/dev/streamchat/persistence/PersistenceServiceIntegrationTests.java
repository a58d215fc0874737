package dev.streamchat.persistence;

import dev.streamchat.testsupport.PostgresTestConfiguration;
import dev.streamchat.testsupport.RunningServiceChecks;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import java.util.Set;
import org.springframework.context.annotation.Import;

/** persistence-service on real infrastructure, configured from config-repo: healthy with its database. */
@ServiceIntegrationTest
@Import({PostgresTestConfiguration.class, dev.streamchat.testsupport.KafkaTestConfiguration.class})
class PersistenceServiceIntegrationTests extends RunningServiceChecks {

    @Override
    protected Set<String> infrastructureHealthComponents() {
        return Set.of("db");
    }
}
