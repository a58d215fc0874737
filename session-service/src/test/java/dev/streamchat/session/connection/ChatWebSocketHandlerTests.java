package dev.streamchat.session.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.streamchat.session.answer.AnswerCancels;
import dev.streamchat.session.answer.AnswerFollowing;
import dev.streamchat.session.answer.AnswerRequests;
import dev.streamchat.session.answer.AnswerResumes;
import dev.streamchat.session.answer.SessionNode;
import dev.streamchat.session.delivery.LiveLateness;
import dev.streamchat.session.messaging.ChatMessaging;
import dev.streamchat.session.protocol.ClientFrame;
import dev.streamchat.session.protocol.ErrorCode;
import dev.streamchat.session.protocol.FrameReader;
import dev.streamchat.session.protocol.ProtocolException;
import dev.streamchat.session.protocol.ProtocolLimits;
import dev.streamchat.session.protocol.ProtocolProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.Tracer;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The handler alone, without a server: a session stands in for the socket, the use cases are mocks. What it must do
 * by itself: put frames together, hold each connection to its limits, answer bad frames, hand each good one to its use
 * case, and stop what a closed connection was waiting for.
 */
class ChatWebSocketHandlerTests {

    private final JsonMapper json = JsonMapper.builder().build();
    private final ProtocolProperties properties =
            Binder.get(new MockEnvironment()).bindOrCreate("streamchat.protocol", ProtocolProperties.class);
    private final ProtocolLimits limits = new ProtocolLimits(new MockEnvironment(), properties);
    private final AnswerRequests requests = mock(AnswerRequests.class);
    private final AnswerCancels cancels = mock(AnswerCancels.class);
    private final AnswerResumes resumes = mock(AnswerResumes.class);
    private final ConnectionRegistry registry = mock(ConnectionRegistry.class);
    private final ChatMessaging messaging = mock(ChatMessaging.class);
    private final WebSocketSession session = mock(WebSocketSession.class);
    private final List<JsonNode> sent = new CopyOnWriteArrayList<>();
    private ChatWebSocketHandler handler;

    @BeforeEach
    void openAConnection() throws Exception {
        var meters = new SimpleMeterRegistry();
        SessionNode node = mock(SessionNode.class);
        when(node.id()).thenReturn("session-service-1");
        var connections = new Connections(
                registry,
                messaging,
                mock(AnswerFollowing.class),
                properties,
                limits,
                json,
                node,
                LiveLateness.NONE,
                meters);
        handler = new ChatWebSocketHandler(
                connections,
                new FrameReader(properties, limits),
                new FrameTracing(Tracer.NOOP),
                requests,
                cancels,
                resumes,
                registry,
                properties,
                limits,
                meters);
        Jwt jwt = Jwt.withTokenValue("token")
                .header("alg", "none")
                .subject("alice")
                .build();
        when(session.getId()).thenReturn("ws-1");
        when(session.getPrincipal()).thenReturn(new JwtAuthenticationToken(jwt));
        when(session.getAttributes()).thenReturn(new HashMap<>());
        when(session.getAcceptedProtocol()).thenReturn("streamchat.v2");
        when(session.getUri()).thenReturn(URI.create("ws://node/ws/chat?sessionId=session-of-alice"));
        when(session.isOpen()).thenReturn(true);
        doAnswer(call -> {
                    sent.add(json.readTree(((WebSocketMessage<?>) call.getArgument(0))
                            .getPayload()
                            .toString()));
                    return null;
                })
                .when(session)
                .sendMessage(any());

        handler.afterConnectionEstablished(session);
    }

    @Test
    void aConnectionIsRegisteredAndWelcomedInTheProtocolItsClientChose() {
        verify(registry).register("session-of-alice", "alice", "session-service-1");
        assertThat(sent).singleElement().satisfies(welcome -> {
            assertThat(welcome.path("type").asString()).isEqualTo("WELCOME");
            assertThat(welcome.path("protocolVersion").asInt()).isEqualTo(2);
        });
    }

    @Test
    void aHandshakeWithoutATokenIsClosedAndNothingIsRegistered() throws Exception {
        WebSocketSession anonymous = mock(WebSocketSession.class);
        when(anonymous.getId()).thenReturn("ws-2");

        handler.afterConnectionEstablished(anonymous);

        verify(anonymous).close(CloseStatus.POLICY_VIOLATION.withReason("UNAUTHORIZED"));
        verify(registry, times(1)).register(any(), any(), any());
    }

    @Test
    void eachFrameGoesToItsUseCaseWithTheConnectionItCameOn() {
        text("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"r-1\",\"content\":\"hello\"}");
        text("{\"type\":\"RECONNECT\",\"messageId\":\"m-1\",\"lastChunkIndex\":4}");
        text("{\"type\":\"CANCEL_STREAM\",\"messageId\":\"m-1\"}");
        text("{\"type\":\"HEARTBEAT\"}");

        verify(requests).request(any(ChatConnection.class), any(ClientFrame.ChatRequest.class));
        verify(resumes).resume(any(ChatConnection.class), eq(new ClientFrame.Reconnect("m-1", 4)));
        verify(cancels).cancel(any(ChatConnection.class), eq(new ClientFrame.CancelStream("m-1")));
        verify(registry).heartbeat("session-of-alice");
        assertThat(types()).containsExactly("WELCOME", "HEARTBEAT_ACK");
    }

    @Test
    void aFrameInPartsIsReadOnceWhole() throws Exception {
        handler.handleMessage(session, new TextMessage("{\"type\":\"RECONNECT\",\"messageId\":", false));
        verifyNoInteractions(resumes);

        handler.handleMessage(session, new TextMessage("\"m-1\",\"lastChunkIndex\":-1}", true));

        verify(resumes).resume(any(ChatConnection.class), eq(new ClientFrame.Reconnect("m-1", -1)));
    }

    @Test
    void aBadFrameIsAnsweredWithAnErrorReachesNoUseCaseAndTheConnectionStaysUsable() {
        text("{\"type\":\"RECONNECT\",");
        text("{\"type\":\"RECONNECT\",\"messageId\":\"../../etc\",\"lastChunkIndex\":1}");
        text("x".repeat(properties.maxFrameChars() + 1));
        text("{\"type\":\"HEARTBEAT\"}");

        assertThat(types()).containsExactly("WELCOME", "ERROR", "ERROR", "ERROR", "HEARTBEAT_ACK");
        assertThat(sent.subList(1, 4))
                .allSatisfy(
                        error -> assertThat(error.path("retryable").asBoolean()).isFalse());
        assertThat(sent.get(3).path("code").asString()).isEqualTo(ErrorCode.BAD_FRAME.name());
        verifyNoInteractions(requests, cancels, resumes);
    }

    @Test
    void framesOverTheRateAreDroppedAndOnlyTheFirstOfThemIsAnswered() {
        for (int i = 0; i < properties.maxFramesPerSecond() + 10; i++) {
            text("{\"type\":\"HEARTBEAT\"}");
        }

        assertThat(types().stream().filter("HEARTBEAT_ACK"::equals)).hasSize(properties.maxFramesPerSecond());
        assertThat(sent.stream()
                        .filter(frame ->
                                "RATE_LIMITED".equals(frame.path("code").asString())))
                .hasSize(1);
        verify(registry, times(properties.maxFramesPerSecond())).heartbeat("session-of-alice");
    }

    @Test
    void aRefusalOfAUseCaseIsItsErrorForThatAnswer() {
        doThrow(new ProtocolException(ErrorCode.FORBIDDEN, "this answer is not yours", "m-9"))
                .when(resumes)
                .resume(any(), any());

        text("{\"type\":\"RECONNECT\",\"messageId\":\"m-9\",\"lastChunkIndex\":0}");

        JsonNode error = sent.getLast();
        assertThat(error.path("code").asString()).isEqualTo("FORBIDDEN");
        assertThat(error.path("messageId").asString()).isEqualTo("m-9");
    }

    @Test
    void aCloseStopsWhatTheConnectionWaitsForAndTakesItOutOfTheRegistry() {
        var outcome = new CompletableFuture<Throwable>();
        doAnswer(call -> {
                    ChatConnection connection = call.getArgument(0);
                    try {
                        connection.whileConnected(() -> {
                            try {
                                // a call that never answers: only the interrupt ends it
                                new CountDownLatch(1).await();
                                return "answered";
                            } catch (InterruptedException e) {
                                throw new IllegalStateException("interrupted", e);
                            }
                        });
                        outcome.complete(null);
                    } catch (RuntimeException e) {
                        outcome.complete(e);
                    }
                    return null;
                })
                .when(resumes)
                .resume(any(), any());
        Thread.ofVirtual().start(() -> text("{\"type\":\"RECONNECT\",\"messageId\":\"m-1\",\"lastChunkIndex\":0}"));
        await().untilAsserted(() -> verify(resumes).resume(any(), any()));

        handler.afterConnectionClosed(session, CloseStatus.GOING_AWAY);

        assertThat(outcome).succeedsWithin(Duration.ofSeconds(2)).isInstanceOf(CancellationException.class);
        verify(registry).remove("session-of-alice", "session-service-1");
        verify(messaging, times(2)).sessionEvent(any());
        verify(requests, never()).request(any(), any());
    }

    private void text(String frame) {
        try {
            handler.handleMessage(session, new TextMessage(frame));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> types() {
        return sent.stream().map(frame -> frame.path("type").asString()).toList();
    }
}
