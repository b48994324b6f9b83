package io.sluice.runtime.internal;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state of the stateful-stage partitions this runtime works on. The truth is the changelog
 * topic: every task commits its partition's changed keys and a watermark (the batch's sequence and
 * time) in the transaction that commits its output. A task starts from the state after the batch
 * before its own: if the copy kept here from this runtime's last commit of the partition is of that
 * batch, it is taken as it is; otherwise (the partition ran elsewhere, or this runtime restarted)
 * the partition is read again from the changelog with {@code read_committed}.
 *
 * <p>A commit's markers reach the changelog a moment after {@code commitTransaction} returns, so a
 * read that finds the watermark behind waits for it, up to {@link #CATCH_UP}. A watermark further
 * behind than that means batches in between ran no state task (their input was lost); the task then
 * goes on from what the changelog holds, and says so in the log.
 */
final class StateStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StateStore.class);
    static final Duration CATCH_UP = Duration.ofSeconds(10);

    private final String bootstrap;
    private final String runtimeName;
    private final Map<TopicPartition, PartitionState> kept = new ConcurrentHashMap<>();

    StateStore(String bootstrap, String runtimeName) {
        this.bootstrap = bootstrap;
        this.runtimeName = runtimeName;
    }

    /**
     * Takes a partition's state for one task; give it back with {@link #keep} once committed. Two
     * tasks of a partition never share an instance: a second one reads its own from the changelog.
     *
     * @param after the sequence of the batch whose state the task starts from
     * @throws SinkException if the changelog cannot be read
     */
    PartitionState take(String topic, int partition, long after) throws InterruptedException {
        TopicPartition tp = new TopicPartition(topic, partition);
        PartitionState mine = kept.remove(tp);
        if (mine != null && mine.sequence() == after) {
            return mine;
        }
        return restore(tp, after);
    }

    /** Keeps a partition's state after its task committed, for the next batch's task. */
    void keep(String topic, int partition, PartitionState state) {
        kept.put(new TopicPartition(topic, partition), state);
    }

    private PartitionState restore(TopicPartition tp, long after) throws InterruptedException {
        long start = System.nanoTime();
        PartitionState state = new PartitionState();
        long records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.CLIENT_ID_CONFIG, "sluice-state-" + runtimeName + "-" + tp,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + CATCH_UP.toNanos();
            while (true) {
                long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
                while (consumer.position(tp, Duration.ofSeconds(10)) < end) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                        state.replay(r.key(), r.value());
                        records++;
                    }
                    if (Thread.interrupted()) {
                        throw new InterruptedException("interrupted while reading " + tp);
                    }
                }
                if (state.sequence() >= after) {
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    log.warn("State of {} is after batch sequence {}, not {}: the batches in between updated no state "
                            + "(their input was lost); going on from it", tp, state.sequence(), after);
                    break;
                }
                Thread.sleep(20);
            }
        } catch (KafkaException e) {
            throw new SinkException("cannot read the state of " + tp + ": " + e.getMessage(), e);
        }
        log.info("Read the state of {} from its changelog: {} key(s) after batch sequence {}, {} record(s) in {} ms", tp,
                state.size(), state.sequence(), records, (System.nanoTime() - start) / 1_000_000);
        return state;
    }

    @Override
    public void close() {
        kept.clear();
    }
}
