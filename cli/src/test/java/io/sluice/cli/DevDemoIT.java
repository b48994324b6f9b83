package io.sluice.cli;

import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.kafka.embedded.SharedKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar, as README's first command runs it: {@code sluice dev --demo} in its own JVM
 * prints each batch's word totals (word count, then a sum stage), and stops cleanly on SIGTERM; with
 * {@code --kafka} it runs on a broker that is already there, and refuses one it cannot reach.
 */
@Tag("slow")
class DevDemoIT {

    private static final Pattern BATCH_LINE = Pattern.compile("\\[\\d\\d:\\d\\d:\\d\\d] batch of \\d+ words: the=(\\d+) .*");
    /**
     * The demo feeds 20 lines a second, 7 "the" in every 6, so a whole 1 s batch has about 23; one
     * partition of 4 would have about 6. A line with at least this many shows a batch's total.
     */
    private static final int BATCH_SCALE_THE = 12;
    private static final Pattern GATEWAY_LINE = Pattern.compile("  gateway    (http://127\\.0\\.0\\.1:\\d+) .*");
    private static final Pattern TOKEN_LINE = Pattern.compile("  token      (\\S+)   \\(admin; .*");

    @Test
    void theShadedJarRunsTheDemoAndPrintsWordCounts() throws Exception {
        Path home = Files.createTempDirectory(Path.of("target"), "sluice-home-");
        Process process = dev(home);
        List<String> lines = new ArrayList<>();
        int batches = 0;
        int mostThe = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
                lines.add(line);
                Matcher batch = BATCH_LINE.matcher(line);
                if (batch.matches()) {
                    batches++;
                    mostThe = Math.max(mostThe, Integer.parseInt(batch.group(1)));
                    // the first batches may be partial: wait a few more for a whole one
                    if (batches >= 3 && (mostThe >= BATCH_SCALE_THE || batches >= 8)) {
                        break;
                    }
                }
            }
            assertTrue(batches >= 3, "three batches of word counts within 90 s; printed:\n" + String.join("\n", lines)
                    + "\nstderr:\n" + Files.readString(Path.of("target", "dev-demo.err")));
            assertTrue(mostThe >= BATCH_SCALE_THE, "a batch's total, not a partition's: 'the' at least " + BATCH_SCALE_THE
                    + " in one line; printed:\n" + String.join("\n", lines));
            String gateway = lines.stream().map(GATEWAY_LINE::matcher).filter(Matcher::matches).map(m -> m.group(1))
                    .findFirst().orElse(null);
            assertTrue(gateway != null, String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.contains("one (word, count) per word per batch")), String.join("\n", lines));
            String token = lines.stream().map(TOKEN_LINE::matcher).filter(Matcher::matches).map(m -> m.group(1))
                    .findFirst().orElse(null);
            assertTrue(token != null, "dev prints its admin token: " + String.join("\n", lines));
            assertEquals(token, Files.readString(home.resolve("token")).strip(), "and saves it where the CLI finds it");
            HttpResponse<String> anonymous = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(gateway + "/v1/pipelines/demo-wordcount")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), "dev's gateway needs its token: " + anonymous.body());
            // the totals are per batch because the demo pipeline sums the function's counts by word
            HttpResponse<String> demo = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(gateway + "/v1/pipelines/demo-wordcount"))
                            .header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, demo.statusCode(), demo.body());
            assertEquals(new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 2)),
                    new JsonObject(demo.body()).getJsonArray("stages"), demo.body());
            process.destroy(); // SIGTERM, like Ctrl-C
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "dev stops within 30 s of SIGTERM");
        } finally {
            process.destroyForcibly();
        }
    }

    /** {@code sluice dev --kafka} runs everything but the broker, against one that is already there. */
    @Test
    void devRunsTheDemoOnAnExistingKafka() throws Exception {
        EmbeddedKafkaBroker existing = SharedKafka.broker();
        Process process = dev(Files.createTempDirectory(Path.of("target"), "sluice-home-"), "--kafka", existing.bootstrapServers());
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String line;
            while (System.nanoTime() < deadline && (line = out.readLine()) != null && !BATCH_LINE.matcher(line).matches()) {
                lines.add(line);
            }
            assertTrue(lines.stream().anyMatch(l -> l.equals("  Kafka      " + existing.bootstrapServers()
                    + "   (given with --kafka; produce your input here)")), String.join("\n", lines));
            try (Admin admin = existing.admin()) {
                assertTrue(admin.listTopics().names().get(10, TimeUnit.SECONDS).contains("demo-text"),
                        "the demo's input topic is on the given Kafka");
            }
        } finally {
            process.destroyForcibly();
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void devRefusesAKafkaItCannotReach() {
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = SluiceCli.execute(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(err, true),
                "dev", "--kafka", "127.0.0.1:1", "--port", "0", "--scheduler-port", "0");
        assertEquals(ExitCodes.UNREACHABLE, exit, err.toString());
        assertTrue(err.toString().contains("cannot reach Kafka at 127.0.0.1:1 (--kafka)"), err.toString());
    }

    /** Starts the shaded jar's {@code sluice dev --demo} in its own JVM, saving its token under {@code home}. */
    private static Process dev(Path home, String... extra) throws IOException {
        Path jar = Path.of("target", "sluice.jar");
        assertTrue(Files.exists(jar), "the shaded jar is built in the package phase");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-jar", jar.toString(), "dev", "--demo", "--port", "0",
                "--scheduler-port", "0"));
        command.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(Path.of("target", "dev-demo.err").toFile());
        builder.environment().put("SLUICE_HOME", home.toAbsolutePath().toString()); // where dev saves its token
        return builder.start();
    }
}
