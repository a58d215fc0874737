package dev.streamchat.persistence.history;

import dev.streamchat.persistence.events.ConversationDeletions;
import dev.streamchat.persistence.history.HistoryViews.ChunkView;
import dev.streamchat.persistence.history.HistoryViews.ContextTurn;
import dev.streamchat.persistence.history.HistoryViews.ConversationView;
import dev.streamchat.persistence.history.HistoryViews.MessageChunks;
import dev.streamchat.persistence.history.HistoryViews.MessageView;
import dev.streamchat.persistence.history.HistoryViews.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The history of one user: what is not theirs does not exist. */
@Service
@EnableConfigurationProperties(HistoryProperties.class)
class HistoryService {

    static final int MAX_PAGE_SIZE = 100;
    private static final Set<String> ENDED = Set.of("COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED");

    private final HistoryRepository repository;

    private final ConversationDeletions deletions;

    /** The reads of a resume: bounded, so that a query whose caller has given up is cancelled in the database. */
    private final TransactionTemplate resumeReads;

    HistoryService(
            HistoryRepository repository,
            ConversationDeletions deletions,
            PlatformTransactionManager transactions,
            HistoryProperties properties) {
        this.repository = repository;
        this.deletions = deletions;
        this.resumeReads = new TransactionTemplate(transactions);
        resumeReads.setReadOnly(true);
        resumeReads.setTimeout((int) Math.max(1, properties.resumeReadTimeout().toSeconds()));
    }

    Page<ConversationView> conversations(String userId, int page, int size) {
        return new Page<>(
                repository.conversations(userId, page, size), page, size, repository.conversationCount(userId));
    }

    Page<MessageView> messages(String userId, String conversationId, int page, int size) {
        if (!repository.ownsConversation(userId, conversationId)) {
            throw new NotFoundException("conversation " + conversationId);
        }
        return new Page<>(
                repository.messages(userId, conversationId, page, size),
                page,
                size,
                repository.messageCount(userId, conversationId));
    }

    /**
     * An answer's chunks from an index on, from the chunk rows, or from its content once they are pruned; within
     * {@code resume-read-timeout}, else {@link org.springframework.dao.QueryTimeoutException}.
     */
    MessageChunks chunks(String userId, String messageId, int fromIndex) {
        return resumeReads.execute(status -> read(userId, messageId, fromIndex));
    }

    private MessageChunks read(String userId, String messageId, int fromIndex) {
        var message =
                repository.message(userId, messageId).orElseThrow(() -> new NotFoundException("message " + messageId));
        List<ChunkView> chunks = repository.chunks(messageId, fromIndex);
        int[] ends = message.chunkEnds();
        Integer total = message.totalChunks();
        boolean ended = ENDED.contains(message.status());
        if (ended && total != null && ends != null && ends.length == total && chunks.size() < total - fromIndex) {
            chunks = fromContent(message.content(), ends, fromIndex, message.completedAt());
        }
        boolean complete = ended
                && total != null
                && chunks.size() == Math.max(0, total - fromIndex)
                && (chunks.isEmpty() || chunks.getFirst().index() == fromIndex);
        return new MessageChunks(
                message.id(),
                message.conversationId(),
                message.status(),
                fromIndex,
                chunks,
                total,
                message.finishReason(),
                message.tokenCount(),
                message.contentSha256(),
                message.errorCode(),
                complete);
    }

    Page<MessageView> search(String userId, String query, int page, int size) {
        var found = repository.search(userId, query, page, size);
        return new Page<>(found, page, size, found.size());
    }

    void delete(String userId, String conversationId) {
        if (!repository.ownsConversation(userId, conversationId)) {
            throw new NotFoundException("conversation " + conversationId);
        }
        deletions.delete(userId, conversationId);
    }

    List<ContextTurn> context(String userId, String conversationId, int turns) {
        return repository.context(userId, conversationId, Math.min(Math.max(turns, 0), 50));
    }

    private static List<ChunkView> fromContent(
            String content, int[] ends, int fromIndex, java.time.@org.jspecify.annotations.Nullable Instant at) {
        var chunks = new ArrayList<ChunkView>();
        for (int i = Math.max(fromIndex, 0); i < ends.length; i++) {
            int start = i == 0 ? 0 : ends[i - 1];
            chunks.add(new ChunkView(
                    i, content.substring(start, ends[i]), "TEXT", at == null ? java.time.Instant.EPOCH : at));
        }
        return chunks;
    }

    /** Not found, or not the caller's: the same answer, never data. */
    static final class NotFoundException extends RuntimeException {
        NotFoundException(String what) {
            super("no " + what, null, false, false);
        }
    }
}
