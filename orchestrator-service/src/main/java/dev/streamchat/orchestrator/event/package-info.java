/** Stream events on {@code chat.stream.events}. */
@NullMarked
package dev.streamchat.orchestrator.event;

import org.jspecify.annotations.NullMarked;
