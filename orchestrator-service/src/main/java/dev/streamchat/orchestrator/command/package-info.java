/** Commands from session-service on {@code chat.requests}: StartStream and CancelStream. */
@NullMarked
package dev.streamchat.orchestrator.command;

import org.jspecify.annotations.NullMarked;
