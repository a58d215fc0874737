package dev.streamchat.orchestrator.context;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.context.*}: what a model is told of the conversation so far.
 *
 * @param turns the most recent turns asked of persistence-service; 0 sends the prompt alone
 * @param timeout how long the call may take before the answer starts without them
 */
@ConfigurationProperties("streamchat.context")
public record ContextProperties(
        @DefaultValue("10") int turns, @DefaultValue("1s") Duration timeout) {}
