/** One generation per message: indexes, coalescing, limits, circuit breaker, timeouts, cancel, the {@code stream_sessions} record. */
@NullMarked
package dev.streamchat.orchestrator.generation;

import org.jspecify.annotations.NullMarked;
