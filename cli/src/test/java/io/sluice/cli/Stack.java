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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
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
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything {@code sluice dev} runs, in this JVM, for the CLI's tests: the shared embedded broker,
 * a local data node, a scheduler, two runtimes and the gateway; and the CLI and HTTP as a user
 * drives them.
 */
final class Stack implements AutoCloseable {

    record Run(int exit, String out, String err) {
    }

    final EmbeddedKafkaBroker kafka = SharedKafka.broker();
    private final Vertx vertx = Vertx.vertx();
    private final SluiceNode node = SluiceNode.local();
    private final Scheduler scheduler;
    private final FunctionRuntime r1;
    private final FunctionRuntime r2;
    final Gateway gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    Stack(String name) throws InterruptedException {
        this(name, io.sluice.gateway.Tokens.none());
    }

    Stack(String name, io.sluice.gateway.Tokens tokens) throws InterruptedException {
        scheduler = Scheduler.start(SchedulerConfig.defaults(kafka.bootstrapServers()).withPort(0), node, vertx);
        r1 = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), name + "-r1", 2).withMetricsPort(0),
                node, vertx);
        r2 = FunctionRuntime.startInProcess(RuntimeConfig.of(scheduler.runtimeUri(), name + "-r2", 2), node, vertx);
        assertTrue(r1.awaitReady(Duration.ofSeconds(30)) && r2.awaitReady(Duration.ofSeconds(30)));
        gateway = Gateway.start(GatewayConfig.defaults(kafka.bootstrapServers()).withPort(0).withTokens(tokens), node, vertx);
    }

    /** @return the gateway's {@code /metrics} */
    URI gatewayMetrics() {
        return URI.create(gateway.url() + "/metrics");
    }

    /** @return the scheduler's {@code /metrics}, on its runtime port */
    URI schedulerMetrics() {
        URI runtimes = URI.create(scheduler.runtimeUri());
        return URI.create("http://" + runtimes.getHost() + ":" + runtimes.getPort() + "/metrics");
    }

    /** @return how many task attempts the first runtime completed */
    long firstRuntimeCompleted() {
        return r1.tasksCompleted();
    }

    /** @return the first runtime's {@code /metrics}, on a port of its own */
    URI runtimeMetrics() {
        return URI.create("http://127.0.0.1:" + r1.metricsPort() + "/metrics");
    }

    /** Runs the CLI against this stack's gateway (commands that talk to no gateway run as given). */
    Run sluice(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--gateway") && !List.of("--help", "dev", "completion").contains(args[0])) {
            all.add("--gateway");
            all.add(gateway.url());
        }
        int exit = SluiceCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postBytes(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    void produce(String topic, List<String> values) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            values.forEach(v -> producer.send(new ProducerRecord<>(topic, v)));
        }
    }

    /** Produces values with the given record timestamp. */
    void produceAt(String topic, List<String> values, long timestamp) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            values.forEach(v -> producer.send(new ProducerRecord<>(topic, null, timestamp, null, v)));
        }
    }

    void produceKeyed(String topic, Map<String, String> records) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            records.forEach((k, v) -> producer.send(new ProducerRecord<>(topic, k, v)));
        }
    }

    /** @return at least {@code expected} committed records of {@code topic}, waiting up to 60 s, then a second more */
    List<ConsumerRecord<String, String>> read(String topic, int expected) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            consumer.poll(Duration.ofSeconds(1)).forEach(out::add);
        }
        return out;
    }

    /** @return the group's committed offset of each partition of {@code topic} (0 where it has none) */
    Map<Integer, Long> committed(String group, String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, java.util.concurrent.TimeUnit.SECONDS);
            Map<Integer, Long> out = new java.util.TreeMap<>();
            for (var p : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
                var at = offsets.get(new org.apache.kafka.common.TopicPartition(topic, p.partition()));
                out.put(p.partition(), at == null ? 0 : at.offset());
            }
            return out;
        }
    }

    /** @return the end offset of each partition of {@code topic} */
    Map<Integer, Long> ends(String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new java.util.HashMap<>();
            for (var p : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
                request.put(new org.apache.kafka.common.TopicPartition(topic, p.partition()),
                        org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            Map<Integer, Long> out = new java.util.TreeMap<>();
            admin.listOffsets(request).all().get().forEach((tp, r) -> out.put(tp.partition(), r.offset()));
            return out;
        }
    }

    /**
     * Waits until the pipeline's completed batches hold {@code records} input records, so that the
     * next records produced fall in later batches.
     */
    void awaitRecords(String pipeline, long records) throws InterruptedException {
        await(Duration.ofSeconds(60), () -> {
            try {
                HttpResponse<String> r = get("/v1/pipelines/" + pipeline);
                return r.statusCode() == 200
                        && new io.vertx.core.json.JsonObject(r.body()).getJsonObject("progress").getLong("records") >= records;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }, () -> "pipeline " + pipeline + " completes batches holding " + records + " records");
    }

    static void await(Duration timeout, BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting until " + what.get());
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void close() {
        gateway.close();
        r1.close();
        r2.close();
        scheduler.close();
        node.close();
        vertx.close();
    }
}
