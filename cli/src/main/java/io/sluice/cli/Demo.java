package io.sluice.cli;

import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
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
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code sluice dev --demo}: deploys the word-count example through the gateway, feeds its input
 * topic a few lines a second, and prints the counts of each batch as they arrive on the output.
 */
final class Demo implements AutoCloseable {

    static final String INPUT = "demo-text";
    static final String OUTPUT = "demo-counts";
    static final String PIPELINE = "demo-wordcount";
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

    private Demo(EmbeddedKafkaBroker kafka, PrintWriter out) {
        this.feeder = new Thread(() -> feed(kafka.bootstrapServers()), "sluice-demo-feeder");
        this.printer = new Thread(() -> print(kafka.bootstrapServers(), out), "sluice-demo-printer");
        feeder.setDaemon(true);
        printer.setDaemon(true);
    }

    static Demo start(EmbeddedKafkaBroker kafka, GatewayClient gateway, PrintWriter out) {
        kafka.createTopic(INPUT, 4);
        gateway.uploadJar(PIPELINE, "io.sluice.examples.WordCount", wordCountJar());
        gateway.postJson("/v1/pipelines", new JsonObject().put("name", PIPELINE).put("function", PIPELINE)
                .put("inputs", new JsonArray().add(INPUT)).put("output", OUTPUT).put("batchInterval", "1s")
                .put("partitions", 4));
        out.printf("%nDemo: pipeline %s counts the words of topic %s per 1 s batch into %s.%n", PIPELINE, INPUT, OUTPUT);
        out.printf("      Try `sluice status %s` in another terminal.%n%n", PIPELINE);
        out.flush();
        Demo demo = new Demo(kafka, out);
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

    /** Prints each burst of output (one batch) as a line of its top words. */
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
            Map<String, Long> batch = new HashMap<>();
            while (running) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(batch.isEmpty() ? 1000 : 200));
                for (ConsumerRecord<String, String> r : records) {
                    batch.merge(r.key(), Long.parseLong(r.value()), Long::sum);
                }
                if (records.isEmpty() && !batch.isEmpty()) {
                    long words = batch.values().stream().mapToLong(Long::longValue).sum();
                    String top = batch.entrySet().stream()
                            .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                            .limit(8).map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
                    out.printf("[%s] batch of %d words: %s%n", LocalTime.now().truncatedTo(ChronoUnit.SECONDS), words, top);
                    out.flush();
                    batch.clear();
                }
            }
        } catch (WakeupException e) {
            // closing
        }
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
