package io.sluice.scheduler.it;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Input whose every value is unique, so the output can be checked record by record: none lost, none twice. */
final class UniqueRecords {

    private final String bootstrap;
    private final String topic;
    private long next;

    UniqueRecords(String bootstrap, String topic) {
        this.bootstrap = bootstrap;
        this.topic = topic;
    }

    void produce(int count) {
        try (KafkaProducer<String, String> producer = producer()) {
            send(producer, count);
        }
    }

    /**
     * Produces {@code perSecond} records a second, in tenths of a second, for {@code duration}: the
     * steady input of a stream rather than a backlog.
     */
    void produceSteadily(int perSecond, Duration duration) throws InterruptedException {
        try (KafkaProducer<String, String> producer = producer()) {
            long start = System.nanoTime();
            for (long tick = 1; System.nanoTime() - start < duration.toNanos(); tick++) {
                send(producer, perSecond / 10);
                long nextTick = start + tick * 100_000_000L;
                long wait = (nextTick - System.nanoTime()) / 1_000_000;
                if (wait > 0) {
                    Thread.sleep(wait); // pacing the input is the point here
                }
            }
        }
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    private void send(KafkaProducer<String, String> producer, int count) {
        for (int i = 0; i < count; i++, next++) {
            producer.send(new ProducerRecord<>(topic, "k" + (next % 101), "v" + next));
        }
        producer.flush();
    }

    long produced() {
        return next;
    }

    /** Fails, naming a few, if a value is missing, appears twice, or was never produced. */
    void assertEachExactlyOnce(List<ConsumerRecord<String, String>> output) {
        Map<String, Integer> seen = new HashMap<>();
        output.forEach(r -> seen.merge(r.value(), 1, Integer::sum));
        List<String> missing = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        for (long i = 0; i < next; i++) {
            Integer n = seen.remove("v" + i);
            if (n == null) {
                missing.add("v" + i);
            } else if (n > 1) {
                duplicated.add("v" + i + " x" + n);
            }
        }
        if (!missing.isEmpty() || !duplicated.isEmpty() || !seen.isEmpty()) {
            throw new AssertionError(next + " produced, " + output.size() + " read; missing " + missing.size() + " "
                    + head(missing) + ", duplicated " + duplicated.size() + " " + head(duplicated) + ", unexpected "
                    + head(new ArrayList<>(seen.keySet())));
        }
    }

    private static List<String> head(List<String> values) {
        return values.subList(0, Math.min(10, values.size()));
    }
}
