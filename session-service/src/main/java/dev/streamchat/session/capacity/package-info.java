/**
 * What this node takes on: new answers are refused, before anything is written for them, while the durable path
 * ({@link DurablePathLag}) is further behind than it may be, or while live chunks reach this node's clients too late
 * ({@link LivePathDelay}).
 */
@NullMarked
package dev.streamchat.session.capacity;

import org.jspecify.annotations.NullMarked;
