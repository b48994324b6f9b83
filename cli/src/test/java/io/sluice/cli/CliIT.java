package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance 1 of the product surface: the real CLI entry point against a real gateway, scheduler,
 * runtimes and broker.
 */
class CliIT {

    private static Stack stack;

    @BeforeAll
    static void start() throws InterruptedException {
        stack = new Stack("cli");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static Stack.Run sluice(String... args) {
        return stack.sluice(args);
    }

    @Test
    void deployGrepProduceReadStatusUndeploy() throws Exception {
        String name = "errors-" + UUID.randomUUID().toString().substring(0, 6);
        String input = name + "-logs";
        String output = name + "-out";
        stack.kafka.createTopic(input, 4);

        Stack.Run deploy = sluice("deploy", System.getProperty("sluice.grep.jar"), "--class", "io.sluice.examples.Grep",
                "--name", name, "--input", input, "--output", output, "--batch", "500ms", "--partitions", "2",
                "--param", "pattern=ERROR");
        assertEquals(0, deploy.exit(), deploy.err());
        assertTrue(deploy.out().contains("Pipeline " + name + " running: " + input + " -> " + output + " every 500ms in 2 partitions, exactly-once"),
                deploy.out());
        assertTrue(deploy.out().matches("(?s).*[\\r\\n]Running since \\d\\d:\\d\\d:\\d\\d\\.\\d{3}, with no input yet: the first batch "
                + "comes 500ms after the first record\\.\\n.*"), "deploy waits until the pipeline runs: " + deploy.out());

        Set<String> expected = new TreeSet<>();
        Map<String, String> lines = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            String line = (i % 10 == 0 ? "ERROR " : "INFO ") + "line " + i;
            lines.put("k" + i, line);
            if (line.startsWith("ERROR")) {
                expected.add(line);
            }
        }
        stack.produceKeyed(input, lines);
        assertEquals(expected, values(stack.read(output, expected.size())), "the grep output is exactly the ERROR lines");

        Stack.Run pipelines = sluice("pipelines");
        assertEquals(0, pipelines.exit());
        assertTrue(pipelines.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.contains("RUNNING")), pipelines.out());
        Stack.Run json = sluice("pipelines", "--output", "json");
        assertEquals(0, json.exit(), json.err());
        assertTrue(new JsonObject(json.out().strip()).getJsonArray("pipelines").stream()
                .anyMatch(p -> ((JsonObject) p).getString("name").equals(name)), json.out());
        Stack.Run statusJson = sluice("status", name, "--output", "json");
        assertEquals(name, new JsonObject(statusJson.out().strip()).getString("name"), statusJson.out());
        assertEquals(ExitCodes.USAGE, sluice("functions", "--output", "yaml").exit());

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Stack.Run status;
        do {
            status = sluice("status", name);
            assertEquals(0, status.exit(), status.err());
        } while (!status.out().contains("1000 records in") && System.nanoTime() < deadline && sleep());
        assertTrue(status.out().contains("1000 records in, 100 out"), status.out());
        assertTrue(status.out().contains("BATCH") && status.out().contains("SCHEDULING DELAY"), status.out());
        assertTrue(status.out().contains("cli-r1") && status.out().contains("cli-r2"), status.out());

        Stack.Run undeploy = sluice("undeploy", name);
        assertEquals(0, undeploy.exit(), undeploy.err());
        assertTrue(undeploy.out().contains("Pipeline " + name + " deleted.") && undeploy.out().contains("Function " + name + " deleted."),
                undeploy.out());
        assertTrue(sluice("pipelines").out().lines().noneMatch(l -> l.startsWith(name + " ")));
        Stack.Run again = sluice("undeploy", name);
        assertEquals(ExitCodes.REFUSED, again.exit());
        assertEquals("sluice: nothing named '" + name + "' is deployed", again.err().strip());
    }

    @Test
    void completionPrintsABashScript() {
        Stack.Run completion = sluice("completion");
        assertEquals(0, completion.exit(), completion.err());
        assertTrue(completion.out().contains("complete -F") && completion.out().contains("sluice"), completion.out());
        assertTrue(completion.out().contains("replay") && completion.out().contains("query"), "every command is completed");
    }

    @Test
    void deployWithASumStage() throws Exception {
        String name = "words-" + UUID.randomUUID().toString().substring(0, 6);
        String input = name + "-text";
        stack.kafka.createTopic(input, 3);
        String jar = System.getProperty("sluice.word-count.jar");
        stack.produce(input, List.of("to be or not to be", "that is the question"));

        Stack.Run deploy = sluice("deploy", jar, "--class", "io.sluice.examples.WordCount", "--name", name, "--input", input,
                "--output", name + "-counts", "--partitions", "3", "--reduce", "sum", "--reduce-partitions", "2");
        assertEquals(0, deploy.exit(), deploy.err());
        assertTrue(deploy.out().matches("(?s).*[\\r\\n]First batch \\d\\d:\\d\\d:\\d\\d\\.\\d{3}: [12] records in, \\d+ out, \\d+ task attempt\\(s\\), "
                + "\\d+ ms total delay .*"), "with input waiting, deploy shows the first batch: " + deploy.out());
        assertTrue(deploy.out().contains("Pipeline " + name + " running: " + input + " -> " + name + "-counts every 1s in 3 partitions, "
                + "then reduce sum in 2 partitions, exactly-once"), deploy.out());

        HttpResponse<String> seen = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(stack.gateway.url() + "/v1/pipelines/" + name)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, seen.statusCode(), seen.body());
        JsonObject pipeline = new JsonObject(seen.body());
        assertEquals(3, pipeline.getInteger("partitions"));
        assertEquals(new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 2)), pipeline.getJsonArray("stages"));

        Stack.Run status = sluice("status", name);
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("1s batches, 3 partitions, then reduce sum in 2 partitions"), status.out());
        Stack.Run pipelines = sluice("pipelines");
        assertTrue(pipelines.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.endsWith("reduce sum in 2")), pipelines.out());

        // a windowed sum, sliding every 2 s over the last 4 s, computed incrementally
        Stack.Run windowed = sluice("deploy", jar, "--class", "io.sluice.examples.WordCount", "--name", name + "-w", "--input",
                input, "--output", name + "-windows", "--reduce", "sum", "--window", "4s/2s", "--incremental");
        assertEquals(0, windowed.exit(), windowed.err());
        assertTrue(windowed.out().contains("then reduce sum over 4s/2s incremental in 4 partitions"), windowed.out());
        HttpResponse<String> seenWindowed = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(stack.gateway.url() + "/v1/pipelines/" + name + "-w")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 4).put("window",
                        new JsonObject().put("length", "4s").put("slide", "2s").put("incremental", true))),
                new JsonObject(seenWindowed.body()).getJsonArray("stages"));

        // a stage class must be in the function's jar: the gateway refuses the pipeline (the jar is uploaded first)
        Stack.Run missingClass = sluice("deploy", jar, "--class", "io.sluice.examples.WordCount", "--name", name + "-topk",
                "--input", input, "--output", name + "-top", "--stage-class", "com.acme.TopK");
        assertEquals(ExitCodes.REFUSED, missingClass.exit(), missingClass.out());
        assertTrue(missingClass.err().startsWith("sluice: stages[0] (function " + name + "-topk@1): class com.acme.TopK not found in the jar"),
                missingClass.err());
        assertEquals(0, sluice("undeploy", name + "-topk").exit());

        Stack.Run undeploy = sluice("undeploy", name);
        assertEquals(0, undeploy.exit(), undeploy.err());
    }

    @Test
    void mistakesGetAMessageAndTheirExitCode() {
        Stack.Run noJar = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o");
        assertEquals(ExitCodes.USAGE, noJar.exit());
        assertEquals("sluice: cannot read jar /no/such.jar: no such file", noJar.err().strip());

        Stack.Run badBatch = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--batch", "soon");
        assertEquals(ExitCodes.USAGE, badBatch.exit());
        assertTrue(badBatch.err().contains("--batch: 'soon' is not a duration"), badBatch.err());

        Stack.Run missingOption = sluice("deploy", "x.jar", "--name", "x");
        assertEquals(ExitCodes.USAGE, missingOption.exit());
        assertTrue(missingOption.err().contains("Missing required options"), missingOption.err());

        Stack.Run bothStages = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce", "sum", "--stage-class", "com.acme.TopK");
        assertEquals(ExitCodes.USAGE, bothStages.exit());
        assertEquals("sluice: --reduce, --stage-class and --state-class are alternatives: give one (each adds one stage "
                + "after the function)", bothStages.err().strip());

        Stack.Run unknownReduction = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce", "avg");
        assertEquals(ExitCodes.USAGE, unknownReduction.exit());
        assertTrue(unknownReduction.err().startsWith("sluice: --reduce: unknown reduction 'avg': use count, sum, min, max"),
                unknownReduction.err());

        Stack.Run partitionsAlone = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce-partitions", "2");
        assertEquals(ExitCodes.USAGE, partitionsAlone.exit());
        assertTrue(partitionsAlone.err().contains("--reduce-partitions applies to a stage: give --reduce, --stage-class or"
                + " --state-class too"), partitionsAlone.err());

        Stack.Run windowAlone = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--window", "30s/5s");
        assertEquals(ExitCodes.USAGE, windowAlone.exit());
        assertTrue(windowAlone.err().contains("--window applies to a stage"), windowAlone.err());

        Stack.Run badWindow = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce", "sum", "--window", "30s/5s/1s");
        assertEquals(ExitCodes.USAGE, badWindow.exit());
        assertTrue(badWindow.err().contains("--window is LENGTH or LENGTH/SLIDE"), badWindow.err());

        Stack.Run incrementalMax = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce", "max", "--window", "30s/5s", "--incremental");
        assertEquals(ExitCodes.USAGE, incrementalMax.exit());
        assertTrue(incrementalMax.err().contains("--reduce: 'max' has no inverse"), incrementalMax.err());

        Stack.Run timeoutWithoutState = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i",
                "--output", "o", "--reduce", "sum", "--state-timeout", "1m");
        assertEquals(ExitCodes.USAGE, timeoutWithoutState.exit());
        assertTrue(timeoutWithoutState.err().contains("only a stateful stage ('state') has a timeout"), timeoutWithoutState.err());

        Stack.Run zeroStagePartitions = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce", "count", "--reduce-partitions", "0");
        assertEquals(ExitCodes.USAGE, zeroStagePartitions.exit());
        assertEquals("sluice: --reduce-partitions must be 1 to 1024, was 0", zeroStagePartitions.err().strip());

        Stack.Run unknownPipeline = sluice("status", "ghost");
        assertEquals(ExitCodes.REFUSED, unknownPipeline.exit());
        assertEquals("sluice: no pipeline named 'ghost'", unknownPipeline.err().strip());

        Stack.Run unknownClass = sluice("deploy", System.getProperty("sluice.grep.jar"), "--class", "io.sluice.examples.Nope",
                "--name", "nope", "--input", "i", "--output", "o");
        assertEquals(ExitCodes.REFUSED, unknownClass.exit());
        assertTrue(unknownClass.err().startsWith("sluice: class io.sluice.examples.Nope"), unknownClass.err());

        Stack.Run unreachable = sluice("functions", "--gateway", "http://127.0.0.1:1");
        assertEquals(ExitCodes.UNREACHABLE, unreachable.exit());
        assertTrue(unreachable.err().startsWith("sluice: cannot reach the gateway at http://127.0.0.1:1"), unreachable.err());

        Stack.Run help = sluice("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("deploy") && help.out().contains("Exit codes"), help.out());
    }

    private static boolean sleep() {
        try {
            Thread.sleep(200);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Set<String> values(List<ConsumerRecord<String, String>> records) {
        Set<String> values = new TreeSet<>();
        records.forEach(r -> values.add(r.value()));
        return values;
    }
}
