/** The hot log {@code chat:log:{messageId}}, the live channel {@code chat:live:{messageId}} and the generation metadata in Redis. */
@NullMarked
package dev.streamchat.orchestrator.hotlog;

import org.jspecify.annotations.NullMarked;
