/** The read model and its API: conversations, messages, chunks, search; always scoped to the caller. */
@NullMarked
package dev.streamchat.persistence.history;

import org.jspecify.annotations.NullMarked;
