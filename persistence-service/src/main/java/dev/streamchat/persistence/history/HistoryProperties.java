package dev.streamchat.persistence.history;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code streamchat.history.*}.
 *
 * @param resumeReadTimeout longest an answer's chunks may take to read for a resume (whole seconds, at least one);
 *     past it PostgreSQL cancels the query and the caller gets 503. Its caller, recovery-service, gives up after its
 *     {@code persistence-timeout}: the database stops too, instead of working for nobody
 */
@ConfigurationProperties("streamchat.history")
public record HistoryProperties(@DefaultValue("2s") Duration resumeReadTimeout) {}
