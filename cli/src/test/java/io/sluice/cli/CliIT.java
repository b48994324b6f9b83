package io.sluice.cli;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayConfig;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.kafka.embedded.SharedKafka;
import io.sluice.runtime.FunctionRuntime;
import io.sluice.runtime.RuntimeConfig;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
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

    private static EmbeddedKafkaBroker kafka;
    private static Vertx vertx;
    private static SluiceNode node;
    private static Scheduler scheduler;
    private static FunctionRuntime r1;
    private static FunctionRuntime r2;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws InterruptedException {
        kafka = SharedKafka.broker();
        vertx = Vertx.vertx();
        node = SluiceNode.local();
        scheduler = Scheduler.start(SchedulerConfig.defaults(kafka.bootstrapServers()).withPort(0), node, vertx);
        r1 = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "cli-r1", 2), node, vertx);
        r2 = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), "cli-r2", 2), node, vertx);
        assertTrue(r1.awaitReady(Duration.ofSeconds(30)) && r2.awaitReady(Duration.ofSeconds(30)));
        gateway = Gateway.start(GatewayConfig.defaults(kafka.bootstrapServers()).withPort(0), node, vertx);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        r1.close();
        r2.close();
        scheduler.close();
        node.close();
        vertx.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run sluice(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--gateway") && !List.of("--help", "dev").contains(args[0])) {
            all.add("--gateway");
            all.add(gateway.url());
        }
        int exit = SluiceCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void deployGrepProduceReadStatusUndeploy() throws Exception {
        String name = "errors-" + UUID.randomUUID().toString().substring(0, 6);
        String input = name + "-logs";
        String output = name + "-out";
        kafka.createTopic(input, 4);

        Run deploy = sluice("deploy", System.getProperty("sluice.grep.jar"), "--class", "io.sluice.examples.Grep",
                "--name", name, "--input", input, "--output", output, "--batch", "500ms", "--partitions", "2",
                "--param", "pattern=ERROR");
        assertEquals(0, deploy.exit(), deploy.err());
        assertTrue(deploy.out().contains("Pipeline " + name + " running: " + input + " -> " + output + " every 500ms in 2 partitions, exactly-once"),
                deploy.out());

        Set<String> expected = new TreeSet<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 1000; i++) {
                String line = (i % 10 == 0 ? "ERROR " : "INFO ") + "line " + i;
                producer.send(new ProducerRecord<>(input, "k" + i, line));
                if (line.startsWith("ERROR")) {
                    expected.add(line);
                }
            }
        }
        assertEquals(expected, readValues(output, expected.size()), "the grep output is exactly the ERROR lines");

        Run pipelines = sluice("pipelines");
        assertEquals(0, pipelines.exit());
        assertTrue(pipelines.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.contains("RUNNING")), pipelines.out());

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Run status;
        do {
            status = sluice("status", name);
            assertEquals(0, status.exit(), status.err());
        } while (!status.out().contains("1000 records in") && System.nanoTime() < deadline && sleep());
        assertTrue(status.out().contains("1000 records in, 100 out"), status.out());
        assertTrue(status.out().contains("BATCH") && status.out().contains("SCHEDULING DELAY"), status.out());
        assertTrue(status.out().contains("cli-r1") && status.out().contains("cli-r2"), status.out());

        Run undeploy = sluice("undeploy", name);
        assertEquals(0, undeploy.exit(), undeploy.err());
        assertTrue(undeploy.out().contains("Pipeline " + name + " deleted.") && undeploy.out().contains("Function " + name + " deleted."),
                undeploy.out());
        assertTrue(sluice("pipelines").out().lines().noneMatch(l -> l.startsWith(name + " ")));
        Run again = sluice("undeploy", name);
        assertEquals(ExitCodes.REFUSED, again.exit());
        assertEquals("sluice: nothing named '" + name + "' is deployed", again.err().strip());
    }

    @Test
    void deployWithASumStage() throws Exception {
        String name = "words-" + UUID.randomUUID().toString().substring(0, 6);
        String input = name + "-text";
        kafka.createTopic(input, 3);
        String jar = System.getProperty("sluice.word-count.jar");

        Run deploy = sluice("deploy", jar, "--class", "io.sluice.examples.WordCount", "--name", name, "--input", input,
                "--output", name + "-counts", "--partitions", "3", "--reduce", "sum", "--reduce-partitions", "2");
        assertEquals(0, deploy.exit(), deploy.err());
        assertTrue(deploy.out().contains("Pipeline " + name + " running: " + input + " -> " + name + "-counts every 1s in 3 partitions, "
                + "then reduce sum in 2 partitions, exactly-once"), deploy.out());

        HttpResponse<String> seen = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/pipelines/" + name)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, seen.statusCode(), seen.body());
        JsonObject pipeline = new JsonObject(seen.body());
        assertEquals(3, pipeline.getInteger("partitions"));
        assertEquals(new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 2)), pipeline.getJsonArray("stages"));

        Run status = sluice("status", name);
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("1s batches, 3 partitions, then reduce sum in 2 partitions"), status.out());
        Run pipelines = sluice("pipelines");
        assertTrue(pipelines.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.endsWith("reduce sum in 2")), pipelines.out());

        // a stage class must be in the function's jar: the gateway refuses the pipeline (the jar is uploaded first)
        Run missingClass = sluice("deploy", jar, "--class", "io.sluice.examples.WordCount", "--name", name + "-topk",
                "--input", input, "--output", name + "-top", "--stage-class", "com.acme.TopK");
        assertEquals(ExitCodes.REFUSED, missingClass.exit(), missingClass.out());
        assertTrue(missingClass.err().startsWith("sluice: stages[0] (function " + name + "-topk@1): class com.acme.TopK not found in the jar"),
                missingClass.err());
        assertEquals(0, sluice("undeploy", name + "-topk").exit());

        Run undeploy = sluice("undeploy", name);
        assertEquals(0, undeploy.exit(), undeploy.err());
    }

    @Test
    void mistakesGetAMessageAndTheirExitCode() {
        Run noJar = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o");
        assertEquals(ExitCodes.USAGE, noJar.exit());
        assertEquals("sluice: cannot read jar /no/such.jar: no such file", noJar.err().strip());

        Run badBatch = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--batch", "soon");
        assertEquals(ExitCodes.USAGE, badBatch.exit());
        assertTrue(badBatch.err().contains("--batch: 'soon' is not a duration"), badBatch.err());

        Run missingOption = sluice("deploy", "x.jar", "--name", "x");
        assertEquals(ExitCodes.USAGE, missingOption.exit());
        assertTrue(missingOption.err().contains("Missing required options"), missingOption.err());

        Run bothStages = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce", "sum", "--stage-class", "com.acme.TopK");
        assertEquals(ExitCodes.USAGE, bothStages.exit());
        assertEquals("sluice: --reduce and --stage-class are alternatives: give one (each adds one stage after the function)",
                bothStages.err().strip());

        Run unknownReduction = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce", "avg");
        assertEquals(ExitCodes.USAGE, unknownReduction.exit());
        assertTrue(unknownReduction.err().startsWith("sluice: --reduce: unknown reduction 'avg': use count, sum, min, max"),
                unknownReduction.err());

        Run partitionsAlone = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce-partitions", "2");
        assertEquals(ExitCodes.USAGE, partitionsAlone.exit());
        assertTrue(partitionsAlone.err().contains("--reduce-partitions sets the partitions of a stage"), partitionsAlone.err());

        Run zeroStagePartitions = sluice("deploy", "/no/such.jar", "--class", "a.B", "--name", "x", "--input", "i", "--output", "o",
                "--reduce", "count", "--reduce-partitions", "0");
        assertEquals(ExitCodes.USAGE, zeroStagePartitions.exit());
        assertEquals("sluice: --reduce-partitions must be 1 to 1024, was 0", zeroStagePartitions.err().strip());

        Run unknownPipeline = sluice("status", "ghost");
        assertEquals(ExitCodes.REFUSED, unknownPipeline.exit());
        assertEquals("sluice: no pipeline named 'ghost'", unknownPipeline.err().strip());

        Run unknownClass = sluice("deploy", System.getProperty("sluice.grep.jar"), "--class", "io.sluice.examples.Nope",
                "--name", "nope", "--input", "i", "--output", "o");
        assertEquals(ExitCodes.REFUSED, unknownClass.exit());
        assertTrue(unknownClass.err().startsWith("sluice: class io.sluice.examples.Nope"), unknownClass.err());

        Run unreachable = sluice("functions", "--gateway", "http://127.0.0.1:1");
        assertEquals(ExitCodes.UNREACHABLE, unreachable.exit());
        assertTrue(unreachable.err().startsWith("sluice: cannot reach the gateway at http://127.0.0.1:1"), unreachable.err());

        Run help = sluice("--help");
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

    private static Set<String> readValues(String topic, int expected) {
        Set<String> values = new TreeSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int seen = 0;
            while (seen < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                    seen++;
                }
            }
            // a little longer, to catch anything that should not be there
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> values.add(r.value()));
        }
        return values;
    }
}
