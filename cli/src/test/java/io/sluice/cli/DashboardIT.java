package io.sluice.cli;

import io.sluice.gateway.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dashboard in a real headless Chromium (Debian's, through its own chromedriver; Selenium
 * downloads nothing): against a gateway that needs a token, it asks for one, then follows a running
 * pipeline live. The test waits until the charts hold at least three batches that arrived after the
 * page opened, and checks what the page shows against the API. A screenshot goes to
 * {@code target/dashboard/}.
 */
class DashboardIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String ADMIN = Tokens.generate();
    private static final String READ = Tokens.generate();

    private static Stack stack;
    private static WebDriver browser;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("DashboardIT needs Debian's chromium and chromium-driver at " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install chromium chromium-driver (.ci/run does it when they are missing)");
        }
        stack = new Stack("dashboard", Tokens.of(Map.of(ADMIN, Tokens.Role.ADMIN, READ, Tokens.Role.READ)));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1440,1000",
                "--user-data-dir=" + Files.createTempDirectory("sluice-chromium-"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void asksForTheTokenThenFollowsARunningPipelineLive() throws Exception {
        String name = "watched-" + UUID.randomUUID().toString().substring(0, 6);
        String input = name + "-in";
        stack.kafka.createTopic(input, 2);
        Stack.Run deploy = stack.sluice("sql", "--token", ADMIN, "--name", name, "--input", input, "--output",
                name + "-out", "--schema", "n BIGINT", "--format", "csv", "--batch", "1s",
                "SELECT n FROM \"" + input + "\" WHERE MOD(n, 2) = 0");
        assertEquals(0, deploy.exit(), deploy.err());

        browser.get(stack.gateway.url() + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(100));
        wait.until(b -> b.findElement(By.id("token-dialog")).isDisplayed());
        assertTrue(text("token-reason").contains("token"), text("token-reason"));
        browser.findElement(By.id("token-input")).sendKeys(READ);
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        wait.until(b -> "live".equals(b.findElement(By.id("connection")).getAttribute("data-state")));
        wait.until(b -> b.findElement(By.id("pipeline")).isDisplayed());
        assertEquals(name, text("pipeline-name"));

        AtomicInteger produced = new AtomicInteger();
        ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            feeder.scheduleAtFixedRate(() -> {
                for (int i = 0; i < 40; i++) {
                    producer.send(new ProducerRecord<>(input, Integer.toString(produced.getAndIncrement())));
                }
            }, 0, 250, TimeUnit.MILLISECONDS);
            wait.until(b -> number(b.findElement(By.id("pipeline")).getAttribute("data-live-batches")) >= 3
                    && number(b.findElement(By.id("chart-records")).getAttribute("data-points")) >= 3
                    && number(b.findElement(By.id("chart-total")).getAttribute("data-points")) >= 3);
            feeder.shutdown();
            assertTrue(feeder.awaitTermination(10, TimeUnit.SECONDS));
            producer.send(new ProducerRecord<>(input, "not a number")).get();
        }
        int all = produced.get();
        int even = (all + 1) / 2;

        // the pipeline catches up; the page shows the same totals as the API, and the lag falls to 0
        Stack.await(Duration.ofSeconds(60), () -> progress(name).getLong("records") == all + 1,
                () -> "the pipeline completes batches holding all " + (all + 1) + " records: " + progress(name));
        JsonObject progress = progress(name);
        assertEquals(even, progress.getLong("outputRecords"));
        assertEquals(1, progress.getLong("deadLettered"));
        wait.until(b -> number(text("stat-records")) == all + 1 && number(text("stat-lag")) == 0);
        assertEquals(even, number(text("stat-output")));
        assertEquals(1, number(text("stat-dead")));

        // each recent batch on the page matches the API's, record for record
        Map<Long, JsonObject> batches = new HashMap<>();
        progress(name).getJsonArray("recentBatches").forEach(b -> batches.put(((JsonObject) b).getLong("batchTime"), (JsonObject) b));
        int matched = 0;
        for (WebElement row : browser.findElements(By.cssSelector("#batches tbody tr"))) {
            JsonObject api = batches.get(Long.parseLong(row.getAttribute("data-batch-time")));
            assertTrue(api != null, "batch " + row.getAttribute("data-batch-time") + " on the page is one the API knows");
            assertEquals(api.getLong("records"), number(row.findElement(By.className("records")).getText()));
            assertEquals(api.getLong("outputRecords"), number(row.findElement(By.className("output")).getText()));
            assertEquals(api.getLong("totalDelayMs"), number(row.findElement(By.className("total")).getText()));
            JsonObject stage = api.getJsonArray("stages").getJsonObject(0);
            assertTrue(row.findElement(By.className("stages")).getText().contains(stage.getInteger("attempts") + " attempts"));
            matched += api.getLong("records") > 0 ? 1 : 0;
        }
        assertTrue(matched >= 3, "at least three batches with input on the page: " + matched);

        // the charts are drawn; the runtimes are the API's
        assertTrue(browser.findElement(By.cssSelector("#chart-records canvas")).getSize().getWidth() > 100);
        JsonArray runtimes = get("/v1/pipelines/" + name).getJsonArray("runtimes");
        List<WebElement> rows = browser.findElements(By.cssSelector("#runtimes tbody tr"));
        assertEquals(runtimes.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(runtimes.getJsonObject(i).getInteger("slots"), (int) number(rows.get(i).findElement(By.className("slots")).getText()));
        }

        // the last dead letter, with its reason
        browser.findElement(By.id("show-dead-letters")).click();
        wait.until(b -> b.findElements(By.cssSelector("#dead-letters tbody tr")).size() == 1);
        String deadLetter = browser.findElement(By.cssSelector("#dead-letters tbody tr")).getText();
        assertTrue(deadLetter.contains("not a number"), deadLetter);

        screenshot("dashboard-" + name + ".png");
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    /** @return a number as the page writes it ("1,234", "12 ms"), or -1 for none */
    private static long number(String text) {
        if (text == null) {
            return -1;
        }
        String digits = text.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? -1 : Long.parseLong(digits);
    }

    private JsonObject progress(String pipeline) {
        return get("/v1/pipelines/" + pipeline).getJsonObject("progress");
    }

    private JsonObject get(String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(stack.gateway.url() + path))
                    .header("Authorization", "Bearer " + READ).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return new JsonObject(r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void screenshot(String file) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path dir = Files.createDirectories(Path.of("target", "dashboard"));
        Files.copy(shot.toPath(), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
}
