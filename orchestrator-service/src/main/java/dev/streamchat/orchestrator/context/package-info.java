/** Recent conversation context from persistence-service, degrading to the bare prompt. */
@NullMarked
package dev.streamchat.orchestrator.context;

import org.jspecify.annotations.NullMarked;
