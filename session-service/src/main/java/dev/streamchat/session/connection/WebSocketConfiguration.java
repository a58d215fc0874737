package dev.streamchat.session.connection;

import dev.streamchat.session.protocol.ProtocolProperties;
import dev.streamchat.session.protocol.ServerFrame;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;
import org.springframework.web.socket.server.support.DefaultHandshakeHandler;

/** Registers {@code /ws/chat} and sizes the container's per-connection buffers. */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
@EnableConfigurationProperties(ProtocolProperties.class)
class WebSocketConfiguration implements WebSocketConfigurer {

    private final ChatWebSocketHandler handler;
    private final FrameTracing tracing;
    private final UserConnectionLimit connectionLimit;
    private final ProtocolProperties properties;

    WebSocketConfiguration(
            ChatWebSocketHandler handler,
            FrameTracing tracing,
            UserConnectionLimit connectionLimit,
            ProtocolProperties properties) {
        this.handler = handler;
        this.tracing = tracing;
        this.connectionLimit = connectionLimit;
        this.properties = properties;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // tokens travel in a header or the query, never in a cookie, so another origin cannot borrow a user's session
        // a user's connections over the limit are refused at the handshake (429), before any work is done for them
        // protocol v2 for a client that offers the subprotocol streamchat.v2 (before streamchat.v1, if it offers both);
        // v1 for every other client, whatever else it offers
        var handshake = new DefaultHandshakeHandler();
        handshake.setSupportedProtocols(ServerFrame.V2, ServerFrame.V1);
        registry.addHandler(connectionLimit.counting(handler), "/ws/chat")
                .setHandshakeHandler(handshake)
                .addInterceptors(connectionLimit, tracing.handshakeInterceptor())
                .setAllowedOriginPatterns(properties.allowedOrigins().toArray(String[]::new));
    }

    /**
     * Small buffers (they are allocated per connection): frames arrive in parts and are put together up to
     * {@code streamchat.protocol.max-frame-chars}; the idle timeout closes connections that stopped sending
     * heartbeats.
     */
    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        var container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(8192);
        container.setMaxBinaryMessageBufferSize(8192);
        container.setMaxSessionIdleTimeout(properties.idleTimeout().toMillis());
        return container;
    }
}
