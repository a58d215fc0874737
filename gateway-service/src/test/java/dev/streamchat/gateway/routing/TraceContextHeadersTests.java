package dev.streamchat.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

/** The baggage the gateway passes on: its user id is the token's, whatever the client sent. */
class TraceContextHeadersTests {

    @Test
    void aClientsOwnUserIdInTheBaggageIsReplacedByTheTokensSubject() {
        var headers = new HttpHeaders();
        headers.add("baggage", "userId=admin, sessionId=s-1");
        headers.add("baggage", "USERID=root");

        TraceContextHeaders.withUserFromToken(headers, "auth0|alice");

        assertThat(headers.get("baggage")).containsExactly("sessionId=s-1,userId=auth0%7Calice");
    }

    @Test
    void anAnonymousRequestPassesOnNoUserIdAtAll() {
        var headers = new HttpHeaders();
        headers.add("baggage", "userId=admin");

        TraceContextHeaders.withUserFromToken(headers, null);

        assertThat(headers.containsHeader("baggage")).isFalse();
    }
}
