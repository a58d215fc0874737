package dev.streamchat.orchestrator.provider;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.Message;

/** What a generation asks of a provider: the conversation so far (ending with the prompt), model and options. */
public record ModelRequest(List<Message> messages, @Nullable String model, Map<String, Object> options) {}
