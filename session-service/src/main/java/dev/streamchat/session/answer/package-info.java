/**
 * What a client asks of its answers, one class per use case: start one ({@link AnswerRequests}), cancel one
 * ({@link AnswerCancels}), resume one ({@link AnswerResumes}) and follow one ({@link AnswerFollowing}), over any
 * connection that is a {@link Client}. Who owns what, and how many resumes a user may ask for, live here too.
 */
@NullMarked
package dev.streamchat.session.answer;

import org.jspecify.annotations.NullMarked;
