package dev.streamchat.persistence.history;

import dev.streamchat.persistence.history.HistoryViews.ContextTurn;
import dev.streamchat.persistence.history.HistoryViews.ConversationView;
import dev.streamchat.persistence.history.HistoryViews.MessageChunks;
import dev.streamchat.persistence.history.HistoryViews.MessageView;
import dev.streamchat.persistence.history.HistoryViews.Page;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The history API, through the gateway under {@code /api/conversations}, for the caller of the token only; and
 * {@code /internal/conversations/{id}/context} for orchestrator-service (platform credentials).
 */
@RestController
class HistoryController {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final HistoryService history;

    HistoryController(HistoryService history) {
        this.history = history;
    }

    @GetMapping("/api/conversations")
    Page<ConversationView> conversations(
            @AuthenticationPrincipal Jwt caller,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "20") int size) {
        return history.conversations(caller.getSubject(), page(page), size(size));
    }

    @GetMapping("/api/conversations/{conversationId}/messages")
    Page<MessageView> messages(
            @AuthenticationPrincipal Jwt caller,
            @PathVariable String conversationId,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        return history.messages(caller.getSubject(), id(conversationId), page(page), size(size));
    }

    @GetMapping("/api/conversations/messages/{messageId}")
    MessageChunks message(
            @AuthenticationPrincipal Jwt caller,
            @PathVariable String messageId,
            @RequestParam(defaultValue = "0") int fromIndex) {
        if (fromIndex < 0) {
            throw new IllegalArgumentException("fromIndex must be 0 or more");
        }
        return history.chunks(caller.getSubject(), id(messageId), fromIndex);
    }

    @GetMapping("/api/conversations/search")
    Page<MessageView> search(
            @AuthenticationPrincipal Jwt caller,
            @RequestParam String q,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "20") int size) {
        if (q.isBlank() || q.length() > 200 || q.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("q must be 1 to 200 characters, none of them a control character");
        }
        return history.search(caller.getSubject(), q, page(page), size(size));
    }

    @DeleteMapping("/api/conversations/{conversationId}")
    ResponseEntity<Void> delete(@AuthenticationPrincipal Jwt caller, @PathVariable String conversationId) {
        history.delete(caller.getSubject(), id(conversationId));
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/internal/conversations/{conversationId}/context")
    List<ContextTurn> context(
            @PathVariable String conversationId,
            @RequestParam String userId,
            @RequestParam(defaultValue = "10") int turns) {
        return history.context(userId, conversationId, turns);
    }

    @ExceptionHandler(HistoryService.NotFoundException.class)
    ProblemDetail notFound(HistoryService.NotFoundException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
        problem.setTitle("Not found");
        return problem;
    }

    @ExceptionHandler(QueryTimeoutException.class)
    ProblemDetail tooSlow(QueryTimeoutException e) {
        var problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.SERVICE_UNAVAILABLE, "the database did not answer in time; ask again");
        problem.setTitle("Unavailable");
        return problem;
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setTitle("Bad request");
        return problem;
    }

    /** An id as the protocol allows it (and every column holds): 1 to 128 of {@code A-Z a-z 0-9 . _ : -}. */
    private static String id(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("an id is 1 to 128 of A-Z a-z 0-9 . _ : -");
        }
        return id;
    }

    private static int page(int page) {
        if (page < 0) {
            throw new IllegalArgumentException("page must be 0 or more");
        }
        return page;
    }

    private static int size(int size) {
        if (size < 1 || size > HistoryService.MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("size must be 1 to " + HistoryService.MAX_PAGE_SIZE);
        }
        return size;
    }
}
