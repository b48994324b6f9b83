package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code sluice dev --demo}: deploys the word-count example through the gateway, followed by a
 * {@code sum} stage, feeds its input topic a few lines a second, and prints each batch's word totals
 * as they arrive on the output.
 *
 * <p>The function counts the words of each partition of a batch; the sum stage shuffles those
 * counts by word and adds them up, so the output holds one {@code (word, count)} per word per
 * batch, the batch's true total.
 */
final class Demo implements AutoCloseable {

    static final String INPUT = "demo-text";
    static final String OUTPUT = "demo-counts";
    static final String PIPELINE = "demo-wordcount";
    static final int PARTITIONS = 4;
    static final int SUM_PARTITIONS = 2;
    private static final String[] TEXT = {
        "The river does not wait for the sluice to open",
        "Every batch is a small and stateless task",
        "A slow runtime takes less work and a fast one takes more",
        "Water through the gate, records through the stream",
        "Open the sluice and let the stream run",
        "Kafka keeps the stream and Sluice cuts it into batches",
    };

    private final Thread feeder;
    private final Thread printer;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, String> consumer;

    private Demo(String bootstrap, PrintWriter out) {
        this.feeder = new Thread(() -> feed(bootstrap), "sluice-demo-feeder");
        this.printer = new Thread(() -> print(bootstrap, out), "sluice-demo-printer");
        feeder.setDaemon(true);
        printer.setDaemon(true);
    }

    /** @param bootstrap the Kafka cluster, embedded or not: the input topic is created there if missing */
    static Demo start(String bootstrap, GatewayClient gateway, PrintWriter out) {
        DevKafka.createTopic(bootstrap, INPUT, 4);
        gateway.uploadJar(PIPELINE, "io.sluice.examples.WordCount", wordCountJar());
        gateway.postJson("/v1/pipelines", new JsonObject().put("name", PIPELINE).put("function", PIPELINE)
                .put("inputs", new JsonArray().add(INPUT)).put("output", OUTPUT).put("batchInterval", "1s")
                .put("partitions", PARTITIONS)
                .put("stages", new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", SUM_PARTITIONS))));
        out.printf("%nDemo: pipeline %s counts the words of topic %s in %d partitions per 1 s batch, then sums%n",
                PIPELINE, INPUT, PARTITIONS);
        out.printf("      the counts by word in %d partitions: %s gets one (word, count) per word per batch,%n",
                SUM_PARTITIONS, OUTPUT);
        out.printf("      the batch's total. Below, each batch's totals, top words first.%n");
        out.printf("      Try `sluice status %s` in another terminal.%n%n", PIPELINE);
        out.flush();
        Demo demo = new Demo(bootstrap, out);
        demo.feeder.start();
        demo.printer.start();
        return demo;
    }

    private static byte[] wordCountJar() {
        try (InputStream in = Demo.class.getResourceAsStream("demo/word-count.jar")) {
            if (in == null) {
                throw new IllegalStateException("the word-count example is not bundled; build with `mvn package`");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void feed(String bootstrap) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            long line = 0;
            while (running) {
                for (int i = 0; i < 5; i++, line++) {
                    producer.send(new ProducerRecord<>(INPUT, "line-" + line, TEXT[(int) (line % TEXT.length)]));
                }
                Thread.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Prints each batch's output as a line of its top words. Every output record's timestamp is its
     * batch's time, so records are grouped by it; a batch is printed once a later one has begun to
     * arrive, or when the output goes quiet.
     */
    private void print(String bootstrap, PrintWriter out) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "sluice-demo-printer",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer = c;
            c.subscribe(List.of(OUTPUT));
            TreeMap<Long, Map<String, Long>> batches = new TreeMap<>();
            while (running) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(batches.isEmpty() ? 1000 : 200));
                for (ConsumerRecord<String, String> r : records) {
                    batches.computeIfAbsent(r.timestamp(), t -> new HashMap<>()).put(r.key(), Long.parseLong(r.value()));
                }
                while (batches.size() > 1 || (records.isEmpty() && !batches.isEmpty())) {
                    Map.Entry<Long, Map<String, Long>> oldest = batches.pollFirstEntry();
                    printBatch(oldest.getKey(), oldest.getValue(), out);
                }
            }
        } catch (WakeupException e) {
            // closing
        }
    }

    private static void printBatch(long batchTime, Map<String, Long> batch, PrintWriter out) {
        long words = batch.values().stream().mapToLong(Long::longValue).sum();
        String top = batch.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(8).map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        LocalTime time = Instant.ofEpochMilli(batchTime).atZone(ZoneId.systemDefault()).toLocalTime();
        out.printf("[%s] batch of %d words: %s%n", time.truncatedTo(ChronoUnit.SECONDS), words, top);
        out.flush();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        feeder.interrupt();
        feeder.join(5000);
        printer.join(5000);
    }
}
