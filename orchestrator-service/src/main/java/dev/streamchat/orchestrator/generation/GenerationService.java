package dev.streamchat.orchestrator.generation;

import dev.streamchat.orchestrator.context.ConversationContextClient;
import dev.streamchat.orchestrator.event.StreamEvent;
import dev.streamchat.orchestrator.event.StreamEventPublisher;
import dev.streamchat.orchestrator.event.StreamEventType;
import dev.streamchat.orchestrator.hotlog.HotLog;
import dev.streamchat.orchestrator.hotlog.LogFrame;
import dev.streamchat.orchestrator.provider.ModelProvider;
import dev.streamchat.orchestrator.provider.ProviderRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Starts, cancels and finishes generations. A StartStream command is applied once: its row in
 * {@code stream_sessions} is the idempotency record, so a redelivered command starts nothing. Refusals (unknown
 * model, open circuit, no capacity, too many streams for the user) end the message at once with an ERROR entry, so
 * the client hears of them through the same channel as any answer.
 */
@Service
public class GenerationService {

    private static final Logger log = LoggerFactory.getLogger(GenerationService.class);

    private final StreamSessionRepository repository;
    private final ProviderRegistry providers;
    private final HotLog hotLog;
    private final StreamEventPublisher events;
    private final UserStreamLimiter userLimiter;
    private final Leases leases;
    private final Tracer tracer;
    private final CircuitBreakerRegistry circuitBreakers;
    private final ConversationContextClient context;
    private final GenerationProperties properties;
    private final MeterRegistry meters;
    private final String nodeId;
    private final Semaphore slots;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Commands accepted (row and lease) whose generation is not running yet. */
    private final Set<String> starting = ConcurrentHashMap.newKeySet();

    GenerationService(
            StreamSessionRepository repository,
            ProviderRegistry providers,
            HotLog hotLog,
            StreamEventPublisher events,
            UserStreamLimiter userLimiter,
            Leases leases,
            Tracer tracer,
            CircuitBreakerRegistry circuitBreakers,
            ConversationContextClient context,
            GenerationProperties properties,
            MeterRegistry meters,
            @Value("${eureka.instance.instance-id:${spring.application.name}}") String nodeId) {
        this.repository = repository;
        this.providers = providers;
        this.hotLog = hotLog;
        this.events = events;
        this.userLimiter = userLimiter;
        this.leases = leases;
        this.tracer = tracer;
        this.circuitBreakers = circuitBreakers;
        this.context = context;
        this.properties = properties;
        this.meters = meters;
        this.nodeId = nodeId;
        this.slots = new Semaphore(properties.maxConcurrentStreams());
        meters.gauge("streamchat.generations.active", running, Map::size);
    }

    /** Applies a StartStream command: at most once per message and per (user, requestId). */
    public void start(ChatCommand command) {
        if (command.content() == null || command.requestId() == null) {
            log.warn(
                    "StartStream {} for message {} lacks content or requestId; ignored",
                    command.commandId(),
                    command.messageId());
            return;
        }
        var selection = providers.select(command.model());
        var provider = selection.map(ProviderRegistry.Selection::provider).orElseGet(providers::defaultProvider);
        String providerName = selection.isPresent() ? provider.name() : "unknown";
        // the model a request named is recorded only when it is a configured one: names are meter tags and columns
        String model = selection.isPresent() ? selection.get().model() : "unknown";
        starting.add(command.messageId());
        boolean handedOver = false;
        try {
            var grant = accept(command, providerName, model, selection.isPresent());
            if (grant.isEmpty()) {
                refuseIfRequestReused(command);
                return;
            }
            start(command, grant.get(), provider, selection.isPresent(), providerName, model);
            handedOver = true;
        } finally {
            if (!handedOver) {
                starting.remove(command.messageId());
            }
        }
    }

    /**
     * A command seen before is a redelivery and starts nothing. But a request whose id the user already used for
     * another message (a session node that lost its memory of requests with a Redis restart, a client that counts its
     * request ids from 1 again) would leave its new message without a word for ever: that message ends at once with a
     * VALIDATION error naming the answer the request id belongs to.
     */
    private void refuseIfRequestReused(ChatCommand command) {
        var recorded = repository.messageOf(command.userId(), command.requestId());
        if (recorded.isEmpty() || recorded.get().equals(command.messageId())) {
            log.info(
                    "StartStream for message {} (request {}) seen before; not started again",
                    command.messageId(),
                    command.requestId());
            return;
        }
        log.info(
                "Request {} of message {} was used before for message {}; the new message is refused",
                command.requestId(),
                command.messageId(),
                recorded.get());
        hotLog.append(
                LogFrame.error(
                        command.messageId(),
                        0,
                        ErrorCode.VALIDATION.name(),
                        "requestId " + command.requestId() + " was used before, for message " + recorded.get()
                                + ": send a new request with a new requestId, or RECONNECT to that message",
                        false,
                        System.currentTimeMillis()),
                HotLog.GENERATION,
                properties.completedRetention());
    }

    /**
     * Takes the command: its row (a redelivery starts nothing) and at once, in one round trip, its lease and metadata
     * (so that an instance dying from here on leaves an answer that a sweeper ends, never one that nobody ends, and a
     * CancelStream behind it on the partition finds the message), a slot among the user's answers under way when
     * {@code takesUserSlot}, and whether a cancel came first. Empty for a command seen before.
     */
    Optional<Leases.Grant> accept(
            ChatCommand command, String providerName, @Nullable String model, boolean takesUserSlot) {
        if (!repository.insertIfAbsent(command, nodeId, providerName, model)) {
            return Optional.empty();
        }
        var meta = new HashMap<String, String>();
        meta.put("conversationId", conversationId(command));
        meta.put("requestId", command.requestId());
        meta.put("status", GenerationStatus.STREAMING.name());
        return Optional.of(leases.grant(
                command.messageId(),
                nodeId,
                command.userId(),
                meta,
                properties.liveRetention(),
                takesUserSlot ? properties.maxStreamsPerUser() : 0,
                properties.maxDuration()));
    }

    private void start(
            ChatCommand command,
            Leases.Grant grant,
            ModelProvider provider,
            boolean knownModel,
            String providerName,
            @Nullable String model) {
        // a child of the command's consumer span: the generation's events belong to the answer's trace
        Span trace = tracer.nextSpan()
                .name("generation")
                .tag("messageId", command.messageId())
                .tag("provider", providerName)
                .start();
        var started =
                new Generation(command, provider, model, properties, hotLog, events, nodeId, trace, this::finished);
        boolean admitted;
        try (var scope = tracer.withSpan(trace)) {
            admitted = admit(command, grant, started, knownModel, providerName, model);
        } catch (RuntimeException e) {
            // the row exists, so a redelivery would start nothing: end the message here, whatever still works
            log.error("Could not start the generation of message {}", command.messageId(), e);
            started.fail(ErrorCode.INTERNAL, "the answer could not be started", true);
            admitted = false;
        }
        if (!admitted) {
            starting.remove(command.messageId());
            return;
        }
        // the context and the model off the consumer thread: answers started at once do not wait for each other
        Thread.ofVirtual().name("generation-" + command.messageId()).start(() -> {
            try (var scope = tracer.withSpan(trace)) {
                begin(command, grant, started, providerName);
            } catch (RuntimeException e) {
                log.error("Could not start the generation of message {}", command.messageId(), e);
                started.fail(ErrorCode.INTERNAL, "the answer could not be started", true);
            } finally {
                starting.remove(command.messageId());
            }
        });
    }

    /**
     * On the consumer thread, in command order, with nothing but memory and what the grant found: STREAM_STARTED
     * (sent, not awaited), the model, the user's slot over every instance, the provider's breaker and this instance's
     * slots. False when the answer was refused (it ends with an error).
     */
    private boolean admit(
            ChatCommand command,
            Leases.Grant grant,
            Generation started,
            boolean knownModel,
            String providerName,
            @Nullable String model) {
        events.publish(started.event(
                StreamEvent.startedEventId(command.messageId()),
                StreamEventType.STREAM_STARTED,
                System.currentTimeMillis(),
                startedPayload(command, providerName, model)));

        if (!knownModel) {
            refuse(
                    started,
                    ErrorCode.VALIDATION,
                    "unknown model '" + command.model() + "'; known: " + providers.names(),
                    false);
            return false;
        }
        if (!grant.userSlot()) {
            refuse(
                    started,
                    ErrorCode.RATE_LIMITED,
                    "at most " + properties.maxStreamsPerUser() + " answers at once",
                    true);
            return false;
        }
        CircuitBreaker breaker = circuitBreakers.circuitBreaker(providerName);
        if (!breaker.tryAcquirePermission()) {
            releaseUserSlot(command);
            refuse(started, ErrorCode.PROVIDER_UNAVAILABLE, "provider " + providerName + " is unavailable", true);
            return false;
        }
        if (!slots.tryAcquire()) {
            breaker.releasePermission();
            releaseUserSlot(command);
            refuse(started, ErrorCode.CAPACITY, "this orchestrator runs its maximum of answers; try again", true);
            return false;
        }
        running.put(command.messageId(), new Running(started, breaker, System.nanoTime()));
        return true;
    }

    /** Off the consumer thread: a cancel that came first, else the model. */
    private void begin(ChatCommand command, Leases.Grant grant, Generation started, String providerName) {
        if (grant.cancelRequested()) {
            started.cancel();
            return;
        }
        // one line per answer; its trace id and the answer's ids come with it (baggage, structured logging)
        log.info("Generating message {} with {}", command.messageId(), providerName);
        run(started, command);
    }

    /** A slot the grant took for an answer refused after it. */
    private void releaseUserSlot(ChatCommand command) {
        try {
            userLimiter.release(command.userId(), command.messageId());
        } catch (RuntimeException e) {
            // it frees itself when its claim lapses
            log.warn("Could not release the user slot of message {}: {}", command.messageId(), e.toString());
        }
    }

    private void run(Generation generation, ChatCommand command) {
        try {
            var messages =
                    new ArrayList<Message>(context.recentMessages(generation.conversationId(), command.userId()));
            messages.add(new UserMessage(command.content()));
            generation.start(messages, command.optionsOrEmpty());
        } catch (RuntimeException e) {
            log.error("Could not start the generation of message {}", command.messageId(), e);
            generation.fail(ErrorCode.INTERNAL, "the answer could not be started", true);
        }
    }

    /**
     * Renews the lease of every generation this instance runs; one that stops being renewed gets swept. A generation
     * whose cancel was asked for stops here if the relay on the control channel did not reach this instance.
     */
    @Scheduled(fixedDelayString = "${streamchat.generation.lease-renewal:3s}")
    void renewLeases() {
        try {
            var owned = new HashSet<>(starting);
            owned.addAll(running.keySet());
            for (String messageId : leases.renew(owned)) {
                if (cancelLocally(messageId)) {
                    log.info("Cancel of message {} found with its lease (its relay did not arrive)", messageId);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not renew {} leases: {}", running.size() + starting.size(), e.toString());
        }
    }

    /** Answers accepted here and not ended yet (starting or running). */
    int underWay() {
        return running.size() + starting.size();
    }

    /** Applies a CancelStream command: stops the generation on whichever instance runs it. */
    public void cancel(String messageId, String userId) {
        var meta = hotLog.meta(messageId);
        if (meta.isEmpty()) {
            log.info("Cancel of unknown message {} ignored", messageId);
            return;
        }
        if (!userId.equals(meta.get("userId"))) {
            log.warn("User {} may not cancel message {}; ignored", userId, messageId);
            return;
        }
        if (!cancelLocally(messageId)) {
            hotLog.requestCancel(messageId);
            log.info("Cancel of message {} relayed to the instance that runs it", messageId);
        }
    }

    /** Stops the generation if this instance runs it. */
    public boolean cancelLocally(String messageId) {
        var generation = running.get(messageId);
        if (generation == null) {
            return false;
        }
        generation.generation().cancel();
        log.info("Message {} cancelled", messageId);
        return true;
    }

    private void refuse(Generation generation, ErrorCode code, String message, boolean retryable) {
        meters.counter("streamchat.generations.refused", "code", code.name()).increment();
        generation.fail(code, message, retryable);
    }

    private void finished(Generation.Outcome outcome) {
        var generation = outcome.generation();
        var entry = running.remove(generation.messageId());
        try {
            leases.release(generation.messageId());
        } catch (RuntimeException e) {
            log.warn("Could not release the lease of message {}: {}", generation.messageId(), e.toString());
        }
        if (entry != null) {
            slots.release();
            try {
                userLimiter.release(generation.userId(), generation.messageId());
            } catch (RuntimeException e) {
                log.warn("Could not release the user slot of message {}: {}", generation.messageId(), e.toString());
            }
            long elapsed = System.nanoTime() - entry.startedNanos();
            switch (outcome.status()) {
                case FAILED -> {
                    if (ErrorCode.PROVIDER_UNAVAILABLE.name().equals(outcome.errorCode())
                            || ErrorCode.TIMEOUT.name().equals(outcome.errorCode())) {
                        entry.breaker()
                                .onError(elapsed, TimeUnit.NANOSECONDS, new ProviderFailure(outcome.errorCode()));
                    } else {
                        entry.breaker().releasePermission();
                    }
                }
                // CANCELLED, or INTERRUPTED: a sweeper took this generation for dead and ended its message
                case CANCELLED, INTERRUPTED -> entry.breaker().releasePermission();
                default -> entry.breaker().onSuccess(elapsed, TimeUnit.NANOSECONDS);
            }
        }
        try {
            // an INTERRUPTED outcome here is the sweeper's end of the message: the sweeper records it
            if (outcome.status() != GenerationStatus.INTERRUPTED) {
                repository.finish(
                        generation.messageId(),
                        outcome.status(),
                        outcome.totalChunks(),
                        outcome.tokenCount(),
                        outcome.finishReason(),
                        outcome.errorCode(),
                        outcome.contentSha256(),
                        outcome.firstChunkAt());
            }
        } catch (RuntimeException e) {
            log.error("Could not record the end of message {}", generation.messageId(), e);
        }
        meters.counter(
                        "streamchat.generations",
                        "provider",
                        generation.providerName(),
                        "status",
                        outcome.status().name())
                .increment();
    }

    private static Map<String, Object> startedPayload(ChatCommand command, String provider, @Nullable String model) {
        var payload = new HashMap<String, Object>();
        payload.put("requestId", command.requestId());
        payload.put("provider", provider);
        payload.put("model", model == null ? provider : model);
        if (command.sessionId() != null) {
            payload.put("sessionId", command.sessionId());
        }
        return payload;
    }

    private static String conversationId(ChatCommand command) {
        return command.conversationId() == null ? command.messageId() : command.conversationId();
    }

    private record Running(Generation generation, CircuitBreaker breaker, long startedNanos) {}

    private static final class ProviderFailure extends RuntimeException {
        ProviderFailure(String code) {
            super(code, null, false, false);
        }
    }
}
