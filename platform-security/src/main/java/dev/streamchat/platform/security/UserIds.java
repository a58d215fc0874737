package dev.streamchat.platform.security;

import org.jspecify.annotations.Nullable;

/**
 * A token's subject is the user id every service keys its data by, in Redis keys and in columns of 128 characters: 1
 * to 128 characters, none of them a space, a control character or half of a surrogate pair.
 */
public final class UserIds {

    public static final int MAX_LENGTH = 128;

    private UserIds() {}

    public static boolean isUserId(@Nullable String subject) {
        return subject != null
                && !subject.isEmpty()
                && subject.length() <= MAX_LENGTH
                && subject.codePoints()
                        .noneMatch(c -> Character.isWhitespace(c)
                                || Character.isISOControl(c)
                                || Character.getType(c) == Character.SURROGATE);
    }
}
