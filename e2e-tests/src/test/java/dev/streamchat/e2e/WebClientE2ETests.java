package dev.streamchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamchat.bench.stack.Target;
import dev.streamchat.launcher.LocalStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web client served by the gateway, in Debian's headless Chromium: sign in with a dev token, watch an answer
 * stream in and its digest check out, cancel one, and see a request refused while persistence-service is frozen sent
 * again until it is taken. Skipped, with the reason, where Chromium is not installed
 * ({@code .ci/run} installs it: {@code apt-get install chromium chromium-driver}).
 */
@ExtendWith(SharedStack.class)
class WebClientE2ETests {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final Edge edge;
    private final LocalStack stack;
    private WebDriver browser;
    private WebDriverWait wait;

    WebClientE2ETests(LocalStack stack) {
        this.edge = new Edge(stack);
        this.stack = stack;
    }

    @BeforeEach
    void openBrowser() {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium is not installed here (apt-get install chromium chromium-driver): web client test skipped");
        var options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
        var service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void streamsAnAnswerAndVerifiesItsDigest() {
        signIn("webalice");

        ask("30", "10");

        WebElement answer = wait.until(
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("li.assistant[data-complete='true']")));
        assertThat(answer.getDomAttribute("data-verified")).isEqualTo("true");
        assertThat(answer.getDomAttribute("data-chunks")).isEqualTo("30");
        assertThat(answer.getText()).contains("digest verified");
    }

    @Test
    void theCancelButtonStopsAnAnswer() {
        signIn("webbob");
        ask("3000", "20");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("li.assistant[data-chunks]")));

        browser.findElement(By.id("cancel")).click();

        WebElement answer = wait.until(
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("li.assistant[data-complete='true']")));
        assertThat(answer.getDomAttribute("data-finish-reason")).isEqualTo("CANCELLED");
        assertThat(answer.getDomAttribute("data-verified")).isEqualTo("true");
    }

    @Test
    void aRequestRefusedWhileTheHistoryStoreCatchesUpIsSentAgainUntilItIsTaken() throws InterruptedException {
        signIn("webcarol");
        // an answer under way while persistence-service is frozen: its chunk events wait in Kafka, untaken
        ask("600", "20");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("li.assistant[data-chunks]")));
        var target = new Target(stack);
        Thread frozen = Thread.ofVirtual()
                .start(() -> stack.service("persistence-service").freeze(Duration.ofSeconds(12)));
        try {
            // past 5 s behind, every session node refuses new answers
            await().atMost(Duration.ofSeconds(11))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> target.instancesOf("session-service").stream()
                            .allMatch(node ->
                                    target.metric(node.instanceId(), "streamchat_capacity_refusing", "durable-path")
                                            == 1.0));

            browser.findElement(By.id("prompt")).sendKeys("And now?");
            browser.findElement(By.id("send")).click();

            WebElement refused = wait.until(
                    ExpectedConditions.presenceOfElementLocated(By.cssSelector("li.user[data-refused='CAPACITY']")));
            assertThat(refused.getText()).isEqualTo("And now?");
        } finally {
            frozen.join();
        }
        // persistence-service catches up, the request sent again is taken, and its answer streams whole
        WebElement second = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("li.user[data-refused] ~ li.assistant[data-complete='true']")));
        assertThat(second.getDomAttribute("data-verified")).isEqualTo("true");
        assertThat(browser.findElements(By.cssSelector("li.assistant.error"))).isEmpty();
    }

    private void signIn(String user) {
        browser.get(edge.gateway().baseUrl() + "/");
        browser.findElement(By.id("user")).sendKeys(user);
        browser.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("status"), "data-state", "connected"));
        assertThat(browser.findElement(By.id("status")).getText()).contains("session-service-");
    }

    private void ask(String chunks, String intervalMs) {
        browser.findElement(By.id("prompt")).sendKeys("What makes a stream resumable?");
        var chunkField = browser.findElement(By.id("chunks"));
        chunkField.clear();
        chunkField.sendKeys(chunks);
        var interval = browser.findElement(By.id("interval"));
        interval.clear();
        interval.sendKeys(intervalMs);
        browser.findElement(By.id("send")).click();
    }
}
