/** orchestrator-service: runs each generation against the model provider, assigns chunk indexes, writes the hot log and the stream events. */
@NullMarked
package dev.streamchat.orchestrator;

import org.jspecify.annotations.NullMarked;
