/** recovery-service: resumes streams from the hot log or the database, checks ownership, audits every recovery. */
@NullMarked
package dev.streamchat.recovery;

import org.jspecify.annotations.NullMarked;
