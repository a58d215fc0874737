package dev.streamchat.session.answer;

import dev.streamchat.session.delivery.Follower;
import dev.streamchat.session.delivery.HotLogReader;
import dev.streamchat.session.delivery.LogFrame;
import dev.streamchat.session.messaging.ChatMessaging;
import dev.streamchat.session.messaging.DomainEvent;
import dev.streamchat.session.protocol.ClientFrame;
import dev.streamchat.session.protocol.ErrorCode;
import dev.streamchat.session.protocol.ProtocolException;
import dev.streamchat.session.protocol.ProtocolLimits;
import dev.streamchat.session.protocol.ServerFrame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;

/**
 * RECONNECT, DESIGN.md section 5: subscribe first (a held follower, cursor at {@code lastChunkIndex + 1}), then the
 * backlog through the same cursor, then the live frames kept meanwhile. The backlog comes from the hot log, read here
 * with the owner in one round trip, while it holds the answer from that index; else from recovery-service (the
 * database). An answer known here to be someone else's is FORBIDDEN, and one past its end is refused, without a call
 * to another service; one unknown here is for recovery-service to judge.
 */
@Component
public class AnswerResumes {

    private static final Logger log = LoggerFactory.getLogger(AnswerResumes.class);

    private final HotLogReader hotLog;
    private final MessageOwnership ownership;
    private final AnswerFollowing following;
    private final UserResumeLimit resumeLimit;
    private final ProtocolLimits limits;
    private final ChatMessaging messaging;
    private final SessionNode node;
    private final Counter refused;

    AnswerResumes(
            HotLogReader hotLog,
            MessageOwnership ownership,
            AnswerFollowing following,
            UserResumeLimit resumeLimit,
            ProtocolLimits limits,
            ChatMessaging messaging,
            SessionNode node,
            MeterRegistry meters) {
        this.hotLog = hotLog;
        this.ownership = ownership;
        this.following = following;
        this.resumeLimit = resumeLimit;
        this.limits = limits;
        this.messaging = messaging;
        this.node = node;
        this.refused = meters.counter("streamchat.frames.rejected");
    }

    /** Throws {@link ProtocolException} for someone else's answer or an index past its end; nothing is sent then. */
    public void resume(Client client, ClientFrame.Reconnect reconnect) {
        String messageId = reconnect.messageId();
        long retryAfter = resumeLimit.admit(client.userId(), limits.current().maxResumesPerSecond());
        if (retryAfter > 0) {
            refused.increment();
            client.send(ServerFrame.Recovery.rateLimited(messageId, reconnect.lastChunkIndex() + 1, retryAfter));
            return;
        }
        long started = System.nanoTime();
        int from = reconnect.lastChunkIndex() + 1;
        // held: it keeps what is published from here on and sends nothing until the backlog has passed its cursor
        var follower = following.follow(client, messageId, from, true);
        HotLogReader.Resume stored;
        try {
            stored = hotLog.resume(messageId, from);
        } catch (RuntimeException e) {
            log.warn("Hot log not read for the resume of message {}: {}", messageId, e.toString());
            stored = null;
        }
        String owner;
        try {
            owner = stored == null
                    ? ownership.find(messageId).map(MessageOwnership.Owner::id).orElse("")
                    : stored.owner().isEmpty() ? stored.logOwner() : stored.owner();
        } catch (RuntimeException e) {
            following.stop(client, messageId);
            throw e;
        }
        if (!owner.isEmpty() && !owner.equals(client.userId())) {
            following.stop(client, messageId);
            throw new ProtocolException(ErrorCode.FORBIDDEN, "this answer is not yours", messageId);
        }
        if (stored != null && fromHotLog(client, messageId, from, follower, stored, started)) {
            return;
        }
        fromRecoveryService(client, messageId, from, follower);
    }

    /**
     * Serves a resume from what the hot log returned with the owner, when it holds the answer from {@code from} on:
     * RECOVERY, the backlog through the cursor (the rest of a long one read page by page), then the live frames kept
     * meanwhile. False, with nothing sent, when it does not (never there, expired, or it lost its start when Redis
     * restarted): then recovery-service answers.
     */
    private boolean fromHotLog(
            Client client, String messageId, int from, Follower follower, HotLogReader.Resume stored, long started) {
        if (stored.logOwner().isEmpty()) {
            return false;
        }
        var page = new ArrayList<LogFrame>();
        for (LogFrame frame : stored.frames()) {
            if (frame.index() != from + page.size()) {
                break;
            }
            page.add(frame);
            if (!frame.isChunk()) {
                break;
            }
        }
        Integer total = !page.isEmpty() && !page.getLast().isChunk()
                ? Integer.valueOf(page.getLast().index())
                : stored.totalChunks();
        // past the end: of an answer that ended, or of what one still being written has so far (every chunk a client
        // holds is in the log before it is published)
        if ((total != null && from > total) || (total == null && from > stored.lastIndex() + 1)) {
            following.stop(client, messageId);
            throw pastTheEnd(messageId);
        }
        if (page.isEmpty() && (total != null || !stored.frames().isEmpty())) {
            // ended, or written past this index, yet the log holds nothing from it: the database has it
            return false;
        }
        String status = total != null ? "COMPLETED" : "RECOVERED";
        client.send(ServerFrame.Recovery.of(messageId, status, from, total == null ? -1 : total - from));
        boolean followed = follower.backlog(page);
        int last = page.isEmpty() ? from - 1 : page.getLast().index();
        if (followed
                && stored.frames().size() == HotLogReader.PAGE
                && page.getLast().isChunk()) {
            var rest = hotLog.read(messageId, last + 1, -1);
            if (!rest.isEmpty()) {
                last = rest.getLast().index();
            }
            follower.backlog(rest);
        }
        follower.release();
        int chunks = (total == null ? last + 1 : Math.min(last + 1, total)) - from;
        announce(client, messageId, from, status, chunks, started);
        return true;
    }

    /**
     * The backlog from recovery-service (the database), page after page. A client that goes away meanwhile stops the
     * call and gets nothing more.
     */
    private void fromRecoveryService(Client client, String messageId, int from, Follower follower) {
        try {
            var first = following.recover(client, messageId, from - 1);
            if (!first.status().equals("RECOVERED") && !first.status().equals("COMPLETED")) {
                following.stop(client, messageId);
                client.send(ServerFrame.Recovery.of(messageId, first.status(), from, -1));
                return;
            }
            client.send(ServerFrame.Recovery.of(messageId, first.status(), from, first.missing()));
            var page = first;
            while (follower.backlog(page.frames()) && page.nextIndex() != null) {
                page = following.recover(client, messageId, page.nextIndex() - 1);
            }
            follower.release();
        } catch (HttpClientErrorException.BadRequest e) {
            following.stop(client, messageId);
            throw pastTheEnd(messageId);
        } catch (CancellationException e) {
            log.debug("Recovery of message {} stopped: its client went away", messageId);
            following.stop(client, messageId);
        } catch (RuntimeException e) {
            log.warn("Recovery of message {} failed: {}", messageId, e.toString());
            following.stop(client, messageId);
            client.send(ServerFrame.Recovery.of(messageId, "ERROR", from, -1));
        }
    }

    /** A resume served here, as RECOVERED on {@code chat.session.events}: analytics counts it, recovery audits it. */
    private void announce(Client client, String messageId, int from, String status, int chunks, long started) {
        var payload = new HashMap<String, Object>();
        payload.put("sessionId", client.sessionId());
        payload.put("fromIndex", from);
        payload.put("status", status);
        payload.put("chunks", chunks);
        payload.put("latencyMicros", (System.nanoTime() - started) / 1000);
        payload.put("tier", "hot-log");
        // recovery-service audits the resumes it did not serve itself by this
        payload.put("servedBy", "session-service");
        try {
            messaging.sessionEvent(DomainEvent.of(
                    "RECOVERED", client.sessionId(), client.userId(), null, messageId, node.id(), payload));
        } catch (RuntimeException e) {
            log.warn("RECOVERED of message {} not published: {}", messageId, e.toString());
        }
    }

    private static ProtocolException pastTheEnd(String messageId) {
        return new ProtocolException(ErrorCode.VALIDATION, "lastChunkIndex is past the end of the answer", messageId);
    }
}
