package dev.streamchat.session.answer;

import dev.streamchat.session.capacity.DurablePathLag;
import dev.streamchat.session.capacity.LivePathDelay;
import dev.streamchat.session.delivery.Follower;
import dev.streamchat.session.delivery.HotLogReader;
import dev.streamchat.session.messaging.ChatCommand;
import dev.streamchat.session.messaging.ChatMessaging;
import dev.streamchat.session.messaging.DomainEvent;
import dev.streamchat.session.protocol.ClientFrame;
import dev.streamchat.session.protocol.ErrorCode;
import dev.streamchat.session.protocol.ProtocolException;
import dev.streamchat.session.protocol.ProtocolLimits;
import dev.streamchat.session.protocol.ServerFrame;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * CHAT_REQUEST: a new answer, or the one a request with the same {@code requestId} already got. STREAM_STARTED goes
 * out only once Kafka holds the command, and the client follows the answer from its first chunk.
 */
@Component
public class AnswerRequests {

    private static final Logger log = LoggerFactory.getLogger(AnswerRequests.class);

    private final MessageOwnership ownership;
    private final AnswerFollowing following;
    private final HotLogReader hotLog;
    private final ChatMessaging messaging;
    private final ProtocolLimits limits;
    private final Tracer tracer;
    private final SessionNode node;
    private final DurablePathLag durablePath;
    private final LivePathDelay livePath;
    private final MeterRegistry meters;

    AnswerRequests(
            MessageOwnership ownership,
            AnswerFollowing following,
            HotLogReader hotLog,
            ChatMessaging messaging,
            ProtocolLimits limits,
            Tracer tracer,
            SessionNode node,
            DurablePathLag durablePath,
            LivePathDelay livePath,
            MeterRegistry meters) {
        this.ownership = ownership;
        this.following = following;
        this.hotLog = hotLog;
        this.messaging = messaging;
        this.limits = limits;
        this.tracer = tracer;
        this.node = node;
        this.durablePath = durablePath;
        this.livePath = livePath;
        this.meters = meters;
    }

    /**
     * Starts (or finds) the answer and answers the client: STREAM_STARTED, or an ERROR naming the request. Throws
     * {@link ProtocolException}, naming the request, for a request the client may not make.
     */
    public void request(Client client, ClientFrame.ChatRequest request) {
        try {
            start(client, request);
        } catch (ProtocolException e) {
            throw e.forRequest(request.requestId());
        } catch (RuntimeException e) {
            // Redis not answering, say: nothing was started, the same requestId may be sent again
            log.error("CHAT_REQUEST {} failed", request.requestId(), e);
            client.send(ServerFrame.Error.of(
                            ErrorCode.INTERNAL, "the request could not be handled; send it again", null, true)
                    .forRequest(request.requestId()));
        }
    }

    private void start(Client client, ClientFrame.ChatRequest request) {
        String userId = client.userId();
        int maxAnswers = limits.current().maxStreamsPerUser();
        if (durablePath.refusing()) {
            // refused before anything is written for it, and without a word to Redis or Kafka: the way to catch up
            refuse(
                    client,
                    request,
                    ErrorCode.CAPACITY,
                    "the history store is " + durablePath.lag().toSeconds()
                            + " s behind; ask again in a few seconds with the same requestId");
            return;
        }
        if (livePath.refusing()) {
            // the answers under way reach their clients late already: another one would make them later
            refuse(
                    client,
                    request,
                    ErrorCode.CAPACITY,
                    "answers reach their clients up to " + livePath.worst().toMillis()
                            + " ms late; ask again in a few seconds with the same requestId");
            return;
        }
        if (ownership.answersUnderWay(userId) >= maxAnswers) {
            // refused before any row, key or event is written for it
            refuse(
                    client,
                    request,
                    ErrorCode.RATE_LIMITED,
                    "at most " + maxAnswers + " answers at once; ask again when one has ended");
            return;
        }
        String conversationId =
                request.conversationId() == null ? UUID.randomUUID().toString() : request.conversationId();
        if (!ownership.claimConversation(conversationId, userId)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "conversation " + conversationId + " is not yours");
        }
        String messageId = UUID.randomUUID().toString();
        var known = ownership.rememberRequest(userId, request.requestId(), messageId, conversationId);
        if (known.isPresent()) {
            // the same request again (a retry): the same answer, followed from its first chunk
            client.send(ServerFrame.StreamStarted.of(
                    request.requestId(), known.get().id(), known.get().conversationId()));
            following.follow(client, known.get().id(), 0, false);
            return;
        }
        Follower follower;
        try (var traced = AnswerTrace.name(tracer, messageId)) {
            ownership.claim(messageId, userId, conversationId);
            // held: no chunk may reach the client before its STREAM_STARTED; its backlog is the hot log only
            follower = following.follow(client, messageId, 0, true, from -> hotLog.read(messageId, from, -1));
            messaging.messageEvent(DomainEvent.of(
                    "MESSAGE_CREATED",
                    messageId,
                    userId,
                    conversationId,
                    messageId,
                    node.id(),
                    messagePayload(request)));
            messaging.send(ChatCommand.startStream(
                    messageId,
                    userId,
                    conversationId,
                    request.requestId(),
                    client.sessionId(),
                    node.id(),
                    request.content(),
                    request.model(),
                    request.options()));
        } catch (RuntimeException e) {
            log.warn("StartStream for message {} not queued: {}", messageId, e.toString());
            following.stop(client, messageId);
            try {
                // so that the same requestId sent again starts the answer instead of following one never queued
                ownership.forgetRequest(userId, request.requestId());
            } catch (RuntimeException redisToo) {
                log.warn("Request {} of {} stays remembered: {}", request.requestId(), userId, redisToo.toString());
            }
            client.send(ServerFrame.Error.of(
                            ErrorCode.INTERNAL, "the request could not be queued; send it again", messageId, true)
                    .forRequest(request.requestId()));
            return;
        }
        // only once Kafka holds the command: a node dying before this point leaves the client without a message id
        // (it asks again with the same requestId), never with one whose answer nobody will write (the fault suite
        // found clients waiting forever for such answers after a session node was killed)
        client.send(ServerFrame.StreamStarted.of(request.requestId(), messageId, conversationId));
        follower.release();
    }

    private void refuse(Client client, ClientFrame.ChatRequest request, ErrorCode code, String message) {
        meters.counter("streamchat.requests.refused", "code", code.name()).increment();
        client.send(ServerFrame.Error.of(code, message, null, true).forRequest(request.requestId()));
    }

    private static Map<String, Object> messagePayload(ClientFrame.ChatRequest request) {
        var payload = new HashMap<String, Object>();
        payload.put("role", "user");
        payload.put("requestId", request.requestId());
        payload.put("content", request.content());
        if (request.model() != null) {
            payload.put("model", request.model());
        }
        return payload;
    }
}
