/** The events this service consumes and what they become: one row per answer, meters. */
@NullMarked
package dev.streamchat.analytics.events;

import org.jspecify.annotations.NullMarked;
