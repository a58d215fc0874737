/** What session-service sends to Kafka: commands on {@code chat.requests}, message and session events. */
@NullMarked
package dev.streamchat.session.messaging;

import org.jspecify.annotations.NullMarked;
