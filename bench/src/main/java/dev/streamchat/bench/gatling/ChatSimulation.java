package dev.streamchat.bench.gatling;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.UUID;

/**
 * The chat scenario of the Java load client, for teams that use Gatling: each virtual user gets a dev token, connects
 * through the gateway, asks for an answer and waits for all of it ({@code COMPLETE} with the chunk count it asked
 * for). System properties: {@code gateway} (http://localhost:8080), {@code users} (100), {@code rampSeconds} (10),
 * {@code chunks} (200), {@code intervalMs} (5). Any failed request or check fails the run.
 */
public class ChatSimulation extends Simulation {

    private final String gateway = System.getProperty("gateway", "http://localhost:8080");
    private final int users = Integer.getInteger("users", 100);
    private final int rampSeconds = Integer.getInteger("rampSeconds", 10);
    private final int chunks = Integer.getInteger("chunks", 200);
    private final int intervalMs = Integer.getInteger("intervalMs", 5);

    private final HttpProtocolBuilder protocol =
            http.baseUrl(gateway).wsBaseUrl(gateway.replaceFirst("^http", "ws")).contentTypeHeader("application/json");

    private final ScenarioBuilder chat = scenario("chat")
            .exec(session ->
                    session.set("user", "gatling-" + UUID.randomUUID()).set("requestId", "r-" + UUID.randomUUID()))
            .exec(http("dev token")
                    .post("/api/auth/dev-token")
                    .body(StringBody("{\"userId\":\"#{user}\"}"))
                    .check(jsonPath("$.token").saveAs("token")))
            .exec(ws("connect")
                    .connect("/ws/chat?access_token=#{token}")
                    .await(Duration.ofSeconds(10))
                    .on(ws.checkTextMessage("WELCOME").check(jsonPath("$.type").is("WELCOME"))))
            .exec(ws("answer")
                    .sendText("{\"type\":\"CHAT_REQUEST\",\"requestId\":\"#{requestId}\",\"content\":\"gatling\","
                            + "\"options\":{\"chunks\":" + chunks + ",\"chunkIntervalMs\":" + intervalMs + "}}")
                    .await(Duration.ofSeconds(120))
                    .on(
                            ws.checkTextMessage("STREAM_STARTED")
                                    .matching(jsonPath("$.type").is("STREAM_STARTED"))
                                    .check(jsonPath("$.messageId").saveAs("messageId")),
                            ws.checkTextMessage("COMPLETE")
                                    .matching(jsonPath("$.type").in("COMPLETE", "ERROR"))
                                    .check(jsonPath("$.type").is("COMPLETE"))
                                    .check(jsonPath("$.totalChunks").ofInt().is(chunks))))
            .exec(ws("close").close());

    {
        setUp(chat.injectOpen(rampUsers(users).during(Duration.ofSeconds(rampSeconds))))
                .protocols(protocol)
                .assertions(global().failedRequests().count().is(0L));
    }
}
