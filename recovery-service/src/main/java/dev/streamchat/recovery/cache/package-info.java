/** The two-level cache (Caffeine over Redis) of what never changes: completed answers and owners. */
@NullMarked
package dev.streamchat.recovery.cache;

import org.jspecify.annotations.NullMarked;
