package dev.streamchat.recovery.resume;

import io.swagger.v3.oas.annotations.Operation;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/recovery}, through the gateway, for the caller of the token only. */
@RestController
class RecoveryController {

    private final RecoveryService recovery;

    RecoveryController(RecoveryService recovery) {
        this.recovery = recovery;
    }

    @Operation(
            summary = "The rest of an answer after the last chunk the caller holds",
            description = "Hot log first, then the database. NOT_FOUND for an answer that is not the caller's.")
    @PostMapping("/api/recovery")
    RecoveryResponse recover(@AuthenticationPrincipal Jwt caller, @RequestBody RecoveryRequest request) {
        return recovery.recover(caller.getSubject(), caller.getTokenValue(), request);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setTitle("Bad request");
        return problem;
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ProblemDetail unreadable(HttpMessageNotReadableException e) {
        var problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.BAD_REQUEST, "the body must be {sessionId, messageId, lastChunkIndex}");
        problem.setTitle("Bad request");
        return problem;
    }
}
