package io.sluice.bench;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The floor to compare Sluice's latency with: one consumer, one producer, no framework, on its own
 * thread until closed.
 * <ul>
 *   <li>{@link Mode#AT_LEAST_ONCE}: each poll's records are sent, flushed, and their offsets committed;</li>
 *   <li>{@link Mode#TRANSACTIONAL}: records are sent inside a transaction that, with the input
 *   offsets, commits every {@code commitInterval} (Kafka Streams' exactly_once_v2 with
 *   {@code commit.interval.ms}), so a read_committed reader sees them only then.</li>
 * </ul>
 */
final class RawLoop implements AutoCloseable {

    enum Mode { AT_LEAST_ONCE, TRANSACTIONAL }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Mode mode;
    private final String output;
    private final long commitIntervalNanos;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    static RawLoop start(String bootstrap, String input, String output, Mode mode, Duration commitInterval) {
        RawLoop loop = new RawLoop(bootstrap, input, output, mode, commitInterval);
        loop.thread.start();
        return loop;
    }

    private RawLoop(String bootstrap, String input, String output, Mode mode, Duration commitInterval) {
        this.mode = mode;
        this.output = output;
        this.commitIntervalNanos = commitInterval.toNanos();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "bench-" + output,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        Map<String, Object> producerConfig = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        if (mode == Mode.TRANSACTIONAL) {
            producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-" + output);
        }
        this.producer = new KafkaProducer<>(producerConfig);
        if (mode == Mode.TRANSACTIONAL) {
            producer.initTransactions();
        }
        consumer.subscribe(List.of(input));
        this.thread = new Thread(this::run, "raw-loop-" + output);
        this.thread.setDaemon(true);
    }

    private void run() {
        try {
            if (mode == Mode.TRANSACTIONAL) {
                transactional();
            } else {
                atLeastOnce();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private void atLeastOnce() {
        while (running) {
            Map<TopicPartition, OffsetAndMetadata> offsets = forward(consumer.poll(Duration.ofMillis(100)));
            if (!offsets.isEmpty()) {
                producer.flush();
                consumer.commitSync(offsets);
            }
        }
    }

    private void transactional() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        long openedAt = 0;
        while (running) {
            long waitNanos = offsets.isEmpty() ? 100_000_000L
                    : Math.max(0, openedAt + commitIntervalNanos - System.nanoTime());
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofNanos(waitNanos));
            if (!records.isEmpty() && offsets.isEmpty()) {
                producer.beginTransaction();
                openedAt = System.nanoTime();
            }
            offsets.putAll(forward(records));
            if (!offsets.isEmpty() && System.nanoTime() - openedAt >= commitIntervalNanos) {
                commit(offsets);
            }
        }
        if (!offsets.isEmpty()) {
            commit(offsets);
        }
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        producer.commitTransaction();
        offsets.clear();
    }

    private Map<TopicPartition, OffsetAndMetadata> forward(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            producer.send(new ProducerRecord<>(output, r.key(), r.value()));
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        return offsets;
    }

    @Override
    public void close() throws InterruptedException {
        running = false; // the loop ends within a poll, committing what it has sent
        thread.join(10_000);
        consumer.close(Duration.ofSeconds(2));
        producer.close(Duration.ofSeconds(2));
        if (failure != null) {
            throw new IllegalStateException("the raw " + mode + " loop failed; its figures are void", failure);
        }
    }
}
