package io.sluice.cli;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's {@code /metrics}, scraped while a pipeline runs and parsed line by line as the
 * Prometheus text format: the record counters equal the pipeline's progress, the delay histograms
 * count its batches, and the JVM's metrics are there.
 */
class MetricsIT {

    private static Stack stack;

    @BeforeAll
    static void start() throws InterruptedException {
        stack = new Stack("metrics");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void theCountersFollowTheProgressAndTheHistogramsCountTheBatches() throws Exception {
        String name = "metered-" + UUID.randomUUID().toString().substring(0, 6);
        String input = name + "-in";
        stack.kafka.createTopic(input, 2);
        Stack.Run deploy = stack.sluice("sql", "--name", name, "--input", input, "--output", name + "-out",
                "--schema", "n BIGINT", "--format", "csv", "--batch", "500ms", "SELECT n FROM \"" + input + "\" WHERE MOD(n, 3) = 0");
        assertEquals(0, deploy.exit(), deploy.err());
        int produced = 0;
        for (int wave = 0; wave < 4; wave++) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                values.add(Integer.toString(produced++));
            }
            stack.produce(input, values);
            stack.awaitRecords(name, produced); // the next wave goes in later batches
        }
        int all = produced;
        Stack.await(Duration.ofSeconds(60), () -> progress(name).getLong("records") == all,
                () -> "the pipeline completes batches holding all " + all + " records: " + progress(name));
        JsonObject progress = progress(name);

        HttpResponse<String> scrape = stack.get("/metrics");
        assertEquals(200, scrape.statusCode());
        assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), scrape.headers().toString());
        Map<String, Double> samples = parse(scrape.body());
        String p = "{pipeline=\"" + name + "\"}";
        assertEquals(progress.getLong("records").doubleValue(), samples.get("sluice_pipeline_input_records_total" + p));
        assertEquals(progress.getLong("outputRecords").doubleValue(), samples.get("sluice_pipeline_output_records_total" + p));
        assertEquals(400.0, samples.get("sluice_pipeline_output_records_total" + p), "one in three of 1,200 passes the filter");
        assertEquals(progress.getLong("batches").doubleValue(), samples.get("sluice_pipeline_batches_total" + p));
        assertEquals(0.0, samples.get("sluice_pipeline_dead_letters_total" + p));
        double batches = samples.get("sluice_batch_total_delay_seconds_count" + p);
        assertTrue(batches >= 3, "the histogram counts the batches: " + batches);
        assertTrue(samples.get("sluice_batch_total_delay_seconds_sum" + p) > 0);
        assertEquals(batches, samples.get("sluice_batch_processing_seconds_count" + p));
        assertEquals(batches, samples.get("sluice_batch_total_delay_seconds_bucket{pipeline=\"" + name + "\",le=\"+Inf\"}"),
                "the +Inf bucket holds every batch");
        assertTrue(samples.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes{")), "JVM metrics");
        assertTrue(samples.containsKey("process_uptime_seconds"));

        // once every batch is committed, the consumer lag is 0
        Stack.await(Duration.ofSeconds(30), () -> Double.valueOf(0).equals(parse(scrape(stack.gatewayMetrics()))
                .get("sluice_pipeline_lag_records" + p)), () -> "the pipeline's lag falls to 0");

        // the scheduler's own metrics: attempts by outcome, copies, dead letters, slots
        Map<String, Double> scheduler = parse(scrape(stack.schedulerMetrics()));
        double succeeded = scheduler.get("sluice_task_attempts_total{outcome=\"succeeded\",pipeline=\"" + name + "\"}");
        assertTrue(succeeded >= progress.getLong("tasksRun"), "every task that ran succeeded once: " + succeeded + " vs " + progress);
        assertEquals(0.0, scheduler.get("sluice_task_speculative_copies_total" + p));
        assertEquals(0.0, scheduler.get("sluice_task_dead_letters_total" + p));
        assertTrue(scheduler.get("sluice_scheduler_batches_total" + p) >= progress.getLong("batches"));
        assertEquals(2.0, scheduler.get("sluice_runtimes"));
        assertEquals(4.0, scheduler.get("sluice_runtime_slots{state=\"used\"}") + scheduler.get("sluice_runtime_slots{state=\"free\"}"),
                "two runtimes of two slots");
        assertTrue(scheduler.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes{")), "the scheduler's JVM metrics");

        // a runtime's own metrics
        Map<String, Double> runtime = parse(scrape(stack.runtimeMetrics()));
        String r = "runtime=\"metrics-r1\"";
        assertEquals(2.0, runtime.get("sluice_runtime_slots{" + r + ",state=\"used\"}") + runtime.get("sluice_runtime_slots{" + r + ",state=\"free\"}"));
        double ran = runtime.get("sluice_runtime_task_attempts_total{outcome=\"succeeded\"," + r + "}");
        assertEquals((double) stack.firstRuntimeCompleted(), ran, "the attempts the runtime completed");
        assertTrue(ran <= succeeded, "the runtime ran some of the scheduler's attempts: " + ran + " of " + succeeded);
        assertTrue(runtime.containsKey("sluice_runtime_output_records_total{" + r + "}"));
        assertTrue(runtime.containsKey("process_uptime_seconds"));
    }

    private static String scrape(URI uri) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), uri + ": " + response.body());
            return response.body();
        } catch (Exception e) {
            throw new AssertionError("cannot scrape " + uri, e);
        }
    }

    private static JsonObject progress(String pipeline) {
        try {
            return new JsonObject(stack.get("/v1/pipelines/" + pipeline).body()).getJsonObject("progress");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*})? (\\S+)( -?\\d+)?");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .*");

    /**
     * Parses the Prometheus text format (version 0.0.4) strictly: every line is a HELP or TYPE
     * comment or a sample, every TYPE names a known type once, every sample's value is a number.
     *
     * @return each sample's value by its name and labels, as written
     */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher comment = COMMENT.matcher(line);
            if (comment.matches()) {
                if (comment.group(1).equals("TYPE")) {
                    String type = line.substring(line.lastIndexOf(' ') + 1);
                    assertTrue(List.of("counter", "gauge", "histogram", "summary", "untyped").contains(type), line);
                    assertTrue(types.put(comment.group(2), type) == null, "one TYPE per metric: " + line);
                }
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), "not a sample line: " + line);
            String value = sample.group(3);
            double v = value.equals("+Inf") ? Double.POSITIVE_INFINITY : value.equals("-Inf") ? Double.NEGATIVE_INFINITY
                    : value.equals("NaN") ? Double.NaN : Double.parseDouble(value);
            samples.put(sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)), v);
        }
        assertTrue(!types.isEmpty() && !samples.isEmpty(), "the scrape has metrics");
        return samples;
    }
}
