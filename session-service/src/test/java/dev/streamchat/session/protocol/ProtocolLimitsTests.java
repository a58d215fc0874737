package dev.streamchat.session.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.mock.env.MockEnvironment;

class ProtocolLimitsTests {

    private final MockEnvironment environment = new MockEnvironment()
            .withProperty("streamchat.protocol.max-content-chars", "10000")
            .withProperty("streamchat.protocol.send-time-limit", "10s");
    private final ProtocolLimits limits = new ProtocolLimits(
            environment, Binder.get(environment).bindOrCreate("streamchat.protocol", ProtocolProperties.class));

    @Test
    void bindsTheLimitsAfreshWhenTheConfigurationOfTheProtocolChanged() {
        environment.setProperty("streamchat.protocol.max-content-chars", "20");
        environment.setProperty("streamchat.protocol.send-time-limit", "3s");
        environment.setProperty("streamchat.protocol.max-frames-per-second", "7");

        limits.onApplicationEvent(
                new EnvironmentChangeEvent(environment, Set.of("streamchat.protocol.max-content-chars")));

        assertThat(limits.current().maxContentChars()).isEqualTo(20);
        assertThat(limits.current().sendTimeLimit()).isEqualTo(Duration.ofSeconds(3));
        assertThat(limits.current().maxFramesPerSecond()).isEqualTo(7);
        assertThat(limits.current().maxFrameChars()).isEqualTo(65536);
    }

    @Test
    void keepsTheLimitsWhenOtherSettingsChanged() {
        environment.setProperty("streamchat.protocol.max-content-chars", "20");

        limits.onApplicationEvent(new EnvironmentChangeEvent(environment, Set.of("logging.level.root")));

        assertThat(limits.current().maxContentChars()).isEqualTo(10000);
    }
}
