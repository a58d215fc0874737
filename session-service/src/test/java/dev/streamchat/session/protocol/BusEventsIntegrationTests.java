package dev.streamchat.session.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamchat.testsupport.KafkaTestConfiguration;
import dev.streamchat.testsupport.RedisTestConfiguration;
import dev.streamchat.testsupport.ServiceIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.bus.event.EnvironmentChangeListener;
import org.springframework.cloud.bus.event.RefreshListener;
import org.springframework.cloud.bus.event.ShutdownListener;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * What session-service does with the events of Spring Cloud Bus, as config-repo configures it: a refresh (the live
 * protocol limits depend on it) and nothing else, so that whoever can write to the bus's topic can neither change a
 * setting nor stop a node.
 */
@ServiceIntegrationTest
@Import({RedisTestConfiguration.class, KafkaTestConfiguration.class})
class BusEventsIntegrationTests {

    @Autowired
    ApplicationContext context;

    @Test
    void onlyRefreshEventsFromTheBusAreApplied() {
        assertThat(context.getBeansOfType(RefreshListener.class)).hasSize(1);
        assertThat(context.getBeansOfType(EnvironmentChangeListener.class)).isEmpty();
        assertThat(context.getBeansOfType(ShutdownListener.class)).isEmpty();
    }
}
