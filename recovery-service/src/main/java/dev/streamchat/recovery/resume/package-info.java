/**
 * The resume logic: {@code POST /api/recovery} over the hot log, the cache of completed answers and
 * persistence-service.
 */
@NullMarked
package dev.streamchat.recovery.resume;

import org.jspecify.annotations.NullMarked;
