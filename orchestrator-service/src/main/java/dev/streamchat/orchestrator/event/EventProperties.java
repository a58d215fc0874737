package dev.streamchat.orchestrator.event;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.events.*}: where the stream events go.
 *
 * @param streamTopic the topic of the answers' events (persistence-service and analytics-service consume it)
 */
@ConfigurationProperties("streamchat.events")
record EventProperties(@DefaultValue("chat.stream.events") String streamTopic) {}
