/** The consumers of {@code chat.message.events} and {@code chat.stream.events}, applied once each through the event store. */
@NullMarked
package dev.streamchat.persistence.events;

import org.jspecify.annotations.NullMarked;
