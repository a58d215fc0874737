/** The built-in simulated provider: deterministic text from a seed, cadence, chunk types and fault injection. */
@NullMarked
package dev.streamchat.orchestrator.provider.simulated;

import org.jspecify.annotations.NullMarked;
