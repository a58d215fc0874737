/** analytics-service: stream metrics per model, user and hour from the events; query API and Prometheus meters. */
@NullMarked
package dev.streamchat.analytics;

import org.jspecify.annotations.NullMarked;
