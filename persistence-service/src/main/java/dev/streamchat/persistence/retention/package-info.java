/** Retention: chunk rows of old finished answers pruned, idle conversations archived, one instance at a time. */
@NullMarked
package dev.streamchat.persistence.retention;

import org.jspecify.annotations.NullMarked;
