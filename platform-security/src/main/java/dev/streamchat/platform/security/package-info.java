/**
 * What every service's security shares and Spring Boot does not give: which tokens a service may trust (checked at
 * start), the user-id rule for a token's subject, and the platform user's plain lookup. Each service keeps its own
 * filter chains; the token decoder is Boot's, from {@code spring.security.oauth2.resourceserver.jwt.*}.
 */
@NullMarked
package dev.streamchat.platform.security;

import org.jspecify.annotations.NullMarked;
