package dev.streamchat.session.answer;

import dev.streamchat.session.messaging.ChatCommand;
import dev.streamchat.session.messaging.ChatMessaging;
import dev.streamchat.session.protocol.ClientFrame;
import dev.streamchat.session.protocol.ErrorCode;
import dev.streamchat.session.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** CANCEL_STREAM: the client's own answer only; the orchestrator that runs it stops it. */
@Component
public class AnswerCancels {

    private static final Logger log = LoggerFactory.getLogger(AnswerCancels.class);

    private final MessageOwnership ownership;
    private final ChatMessaging messaging;
    private final SessionNode node;

    AnswerCancels(MessageOwnership ownership, ChatMessaging messaging, SessionNode node) {
        this.ownership = ownership;
        this.messaging = messaging;
        this.node = node;
    }

    /** Queues the cancel; throws {@link ProtocolException} for an answer unknown here or someone else's. */
    public void cancel(Client client, ClientFrame.CancelStream cancel) {
        var owner = ownership
                .find(cancel.messageId())
                .orElseThrow(() -> new ProtocolException(
                        ErrorCode.NOT_FOUND, "no answer " + cancel.messageId(), cancel.messageId()));
        if (!client.userId().equals(owner.id())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "this answer is not yours", cancel.messageId());
        }
        messaging.send(
                ChatCommand.cancelStream(cancel.messageId(), client.userId(), owner.conversationId(), node.id()));
        log.info("Cancel of message {} queued", cancel.messageId());
    }
}
