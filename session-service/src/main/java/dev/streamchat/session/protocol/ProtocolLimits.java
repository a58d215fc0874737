package dev.streamchat.session.protocol;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The protocol limits as configured now. A record bound at start-up is never bound again, so this one is bound afresh
 * whenever the configuration changes (a refresh sent over Spring Cloud Bus when a file in config-repo/ changes); the
 * limits read through {@link #current()} then apply to the next frame or connection without a restart.
 * {@code max-frame-chars} is the exception: the frame parser is built with it once.
 */
@Component
public class ProtocolLimits implements ApplicationListener<EnvironmentChangeEvent> {

    private static final String PREFIX = "streamchat.protocol";

    private final Environment environment;
    private volatile ProtocolProperties current;

    public ProtocolLimits(Environment environment, ProtocolProperties initial) {
        this.environment = environment;
        this.current = initial;
    }

    public ProtocolProperties current() {
        return current;
    }

    @Override
    public void onApplicationEvent(EnvironmentChangeEvent event) {
        if (event.getKeys().stream().anyMatch(key -> key.startsWith(PREFIX + "."))) {
            current = Binder.get(environment).bindOrCreate(PREFIX, ProtocolProperties.class);
        }
    }
}
