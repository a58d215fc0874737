package dev.streamchat.orchestrator.command;

import dev.streamchat.orchestrator.generation.ChatCommand;
import dev.streamchat.orchestrator.generation.GenerationService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The consumer of {@code chat.requests} (binding {@code chatRequests-in-0}, group orchestrator-service). */
@Configuration(proxyBeanMethods = false)
class ChatCommandConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ChatCommandConfiguration.class);

    @Bean
    Consumer<ChatCommand> chatRequests(GenerationService generations) {
        return command -> {
            switch (command.commandType()) {
                case ChatCommand.START_STREAM -> generations.start(command);
                case ChatCommand.CANCEL_STREAM -> generations.cancel(command.messageId(), command.userId());
                default ->
                    log.warn("Ignored command {} of unknown type {}", command.commandId(), command.commandType());
            }
        };
    }
}
