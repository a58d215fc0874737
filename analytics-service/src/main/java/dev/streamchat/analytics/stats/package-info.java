/** The analytics API and the hourly rollups. */
@NullMarked
package dev.streamchat.analytics.stats;

import org.jspecify.annotations.NullMarked;
