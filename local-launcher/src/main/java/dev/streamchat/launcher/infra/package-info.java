/** Real infrastructure servers started without Docker: PostgreSQL, Redis, a Kafka broker and Zipkin. */
@NullMarked
package dev.streamchat.launcher.infra;

import org.jspecify.annotations.NullMarked;
