package dev.streamchat.session.answer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.streamchat.session.delivery.Follower;
import dev.streamchat.session.delivery.HotLogReader;
import dev.streamchat.session.delivery.LiveFeeds;
import dev.streamchat.session.delivery.LogFrame;
import dev.streamchat.session.delivery.RecoveryClient;
import dev.streamchat.session.messaging.ChatMessaging;
import dev.streamchat.session.protocol.ClientFrame;
import dev.streamchat.session.protocol.ErrorCode;
import dev.streamchat.session.protocol.ProtocolException;
import dev.streamchat.session.protocol.ProtocolLimits;
import dev.streamchat.session.protocol.ProtocolProperties;
import dev.streamchat.session.protocol.ServerFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.mock.env.MockEnvironment;

/**
 * The resume use case alone, over mocks of Redis, the live feeds and recovery-service: bad RECONNECTs are refused at
 * the edge without a call to another service, and a call is given up when its client goes away.
 */
class AnswerResumesTests {

    private final HotLogReader hotLog = mock(HotLogReader.class);
    private final MessageOwnership ownership = mock(MessageOwnership.class);
    private final LiveFeeds feeds = mock(LiveFeeds.class);
    private final RecoveryClient recovery = mock(RecoveryClient.class);
    private final Follower follower = mock(Follower.class);
    private final TestClient alice = new TestClient("alice");
    private AnswerResumes resumes;

    @BeforeEach
    void resumesOverMocks() {
        ProtocolProperties properties =
                Binder.get(new MockEnvironment()).bindOrCreate("streamchat.protocol", ProtocolProperties.class);
        var meters = new SimpleMeterRegistry();
        SessionNode node = mock(SessionNode.class);
        when(node.id()).thenReturn("session-service-1");
        when(feeds.hold(anyString(), anyInt(), any(), any())).thenReturn(follower);
        resumes = new AnswerResumes(
                hotLog,
                ownership,
                new AnswerFollowing(feeds, hotLog, recovery, meters),
                new UserResumeLimit(),
                new ProtocolLimits(new MockEnvironment(), properties),
                mock(ChatMessaging.class),
                node,
                meters);
    }

    @Test
    void someoneElsesAnswerIsForbiddenWithoutACallToRecoveryService() {
        when(hotLog.resume("m-1", 3))
                .thenReturn(new HotLogReader.Resume("mallory", "mallory", "STREAMING", null, 9, List.of()));

        assertThatThrownBy(() -> resumes.resume(alice, new ClientFrame.Reconnect("m-1", 2)))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));

        verify(recovery, never()).recover(any(), any(), any(), anyInt());
        verify(feeds).unfollow(follower);
        assertThat(alice.frames).isEmpty();
        assertThat(alice.following).isEmpty();
    }

    @Test
    void anIndexPastTheEndOfAnAnswerInTheHotLogIsRefusedWithoutACall() {
        when(hotLog.resume("m-1", 21))
                .thenReturn(new HotLogReader.Resume("alice", "alice", "COMPLETED", 10, 10, List.of()));

        assertThatThrownBy(() -> resumes.resume(alice, new ClientFrame.Reconnect("m-1", 20)))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION));

        verify(recovery, never()).recover(any(), any(), any(), anyInt());
        assertThat(alice.following).isEmpty();
    }

    @Test
    void anIndexPastWhatAnAnswerUnderWayHasSoFarIsRefusedWithoutACall() {
        when(hotLog.resume("m-1", 1_000_001))
                .thenReturn(new HotLogReader.Resume("alice", "alice", "STREAMING", null, 41, List.of()));

        assertThatThrownBy(() -> resumes.resume(alice, new ClientFrame.Reconnect("m-1", 1_000_000)))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION));

        verify(recovery, never()).recover(any(), any(), any(), anyInt());
        assertThat(alice.following).isEmpty();
    }

    @Test
    void theIndexAfterTheLastOneWrittenWaitsForTheNextChunk() {
        when(hotLog.resume("m-1", 42))
                .thenReturn(new HotLogReader.Resume("alice", "alice", "STREAMING", null, 41, List.of()));

        resumes.resume(alice, new ClientFrame.Reconnect("m-1", 41));

        assertThat(alice.frames)
                .singleElement()
                .isInstanceOfSatisfying(
                        ServerFrame.Recovery.class,
                        recovered -> assertThat(recovered.status()).isEqualTo("RECOVERED"));
        assertThat(alice.following).containsKey("m-1");
        verify(follower).release();
    }

    @Test
    void anAnswerTheHotLogHoldsIsServedFromItWithoutACall() {
        var chunk = new LogFrame("CHUNK", "m-1", 3, 1L, "one", "TEXT", null, null, null, null, null, null, null, null);
        when(hotLog.resume("m-1", 3))
                .thenReturn(new HotLogReader.Resume("alice", "alice", "STREAMING", null, 3, List.of(chunk)));
        when(follower.backlog(any())).thenReturn(true);

        resumes.resume(alice, new ClientFrame.Reconnect("m-1", 2));

        assertThat(alice.frames).singleElement().isInstanceOfSatisfying(ServerFrame.Recovery.class, recovered -> {
            assertThat(recovered.status()).isEqualTo("RECOVERED");
            assertThat(recovered.fromIndex()).isEqualTo(3);
        });
        verify(follower).backlog(List.of(chunk));
        verify(follower).release();
        verify(recovery, never()).recover(any(), any(), any(), anyInt());
    }

    @Test
    void aClientGoneDuringItsRecoveryGetsNothingMoreAndFollowsNothing() {
        // the hot log no longer holds it: recovery-service is asked, and the client goes away meanwhile
        when(hotLog.resume("m-1", 0)).thenReturn(new HotLogReader.Resume("", "", "", null, -1, List.of()));
        when(ownership.find("m-1")).thenReturn(Optional.empty());
        alice.gone = true;

        resumes.resume(alice, new ClientFrame.Reconnect("m-1", -1));

        assertThat(alice.frames).isEmpty();
        assertThat(alice.following).isEmpty();
        verify(recovery, never()).recover(any(), any(), any(), anyInt());
    }

    @Test
    void aFailedRecoveryIsARecoveryErrorAndTheAnswerIsNotFollowed() {
        when(hotLog.resume("m-1", 0)).thenReturn(new HotLogReader.Resume("", "", "", null, -1, List.of()));
        when(ownership.find("m-1")).thenReturn(Optional.empty());
        when(recovery.recover(eq("token"), eq("s-alice"), eq("m-1"), eq(-1)))
                .thenThrow(new IllegalStateException("no recovery-service instance"));

        resumes.resume(alice, new ClientFrame.Reconnect("m-1", -1));

        assertThat(alice.frames)
                .singleElement()
                .isInstanceOfSatisfying(
                        ServerFrame.Recovery.class,
                        recovered -> assertThat(recovered.status()).isEqualTo("ERROR"));
        assertThat(alice.following).isEmpty();
    }

    private static final class TestClient implements Client {

        final List<ServerFrame> frames = new CopyOnWriteArrayList<>();
        final Map<String, Follower> following = new ConcurrentHashMap<>();
        final String userId;
        volatile boolean gone;

        TestClient(String userId) {
            this.userId = userId;
        }

        @Override
        public String sessionId() {
            return "s-" + userId;
        }

        @Override
        public String userId() {
            return userId;
        }

        @Override
        public String bearerToken() {
            return "token";
        }

        @Override
        public Map<String, Follower> following() {
            return following;
        }

        @Override
        public <T> T whileConnected(Supplier<T> call) {
            if (gone) {
                throw new CancellationException("the client went away");
            }
            return call.get();
        }

        @Override
        public boolean send(ServerFrame frame) {
            return frames.add(frame);
        }

        @Override
        public boolean sendChunks(String messageId, List<LogFrame> chunks, long liveSinceMicros) {
            return true;
        }

        @Override
        public boolean stalled() {
            return false;
        }

        @Override
        public void closeAsSlow() {}
    }
}
