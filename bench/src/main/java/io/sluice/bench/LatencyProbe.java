package io.sluice.bench;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads an output topic with {@code isolation.level=read_committed}, as a downstream consumer of
 * exactly-once output would, and notes for every {@link PacedInput} record its end-to-end latency:
 * the time this consumer's poll returned it minus the send time in its value. Both clocks are this
 * JVM's {@link System#nanoTime()}. It counts records seen twice, too.
 */
final class LatencyProbe implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long[] latency;
    private final Thread thread;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong primed = new AtomicLong();
    private volatile boolean running = true;
    private long duplicates;
    private long unexpected;

    /** Starts reading {@code topic} from its beginning; {@code capacity} as given to the {@link PacedInput}. */
    static LatencyProbe start(String bootstrap, String topic, int partitions, long capacity) {
        LatencyProbe probe = new LatencyProbe(bootstrap, topic, partitions, capacity);
        probe.thread.start();
        return probe;
    }

    private LatencyProbe(String bootstrap, String topic, int partitions, long capacity) {
        this.latency = new long[Math.toIntExact(capacity)];
        Arrays.fill(latency, -1);
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            all.add(new TopicPartition(topic, p));
        }
        consumer.assign(all);
        consumer.seekToBeginning(all);
        this.thread = new Thread(this::run, "latency-probe-" + topic);
        this.thread.setDaemon(true);
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    note(r.value(), now);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void note(byte[] value, long now) {
        long sequence = PacedInput.sequenceOf(value);
        if (sequence < 0) {
            primed.incrementAndGet();
        } else if (sequence >= latency.length) {
            unexpected++;
        } else if (latency[(int) sequence] >= 0) {
            duplicates++;
        } else {
            latency[(int) sequence] = now - PacedInput.sentAtOf(value);
            received.incrementAndGet();
        }
    }

    /** @return measured records received so far, each counted once */
    long received() {
        return received.get();
    }

    /** @return priming records received so far */
    long primed() {
        return primed.get();
    }

    /**
     * Stops reading and summarises measured records {@code [from, until)}. A record not received
     * counts with the lower bound of its latency, now minus its send time.
     */
    Summary stopAndSummarise(PacedInput input, long from, long until) throws InterruptedException {
        close();
        long now = System.nanoTime();
        long[] values = new long[Math.toIntExact(until - from)];
        for (long s = from; s < until; s++) {
            long v = latency[(int) s];
            values[(int) (s - from)] = v >= 0 ? v : -(now - input.sentAt(s));
        }
        return new Summary(values, duplicates, unexpected);
    }

    /** Stops reading; idempotent. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }

    /**
     * Latencies of a range of measured records, in send order.
     *
     * @param nanos      per record its latency; negative for a record never received, whose
     *                   latency is at least the absolute value
     * @param duplicates records received more than once (in the whole run)
     * @param unexpected records received with a sequence never sent (in the whole run)
     */
    record Summary(long[] nanos, long duplicates, long unexpected) {

        Summary firstHalf() {
            return new Summary(Arrays.copyOfRange(nanos, 0, nanos.length / 2), duplicates, unexpected);
        }

        Summary secondHalf() {
            return new Summary(Arrays.copyOfRange(nanos, nanos.length / 2, nanos.length), duplicates, unexpected);
        }

        long count() {
            return nanos.length;
        }

        long missing() {
            return Arrays.stream(nanos).filter(v -> v < 0).count();
        }

        /**
         * @return the latency at quantile {@code q} (0..1), prefixed with ">=" when it is only a lower
         *     bound: when a missing record's bound is at or below it, the true value may be higher
         */
        String percentile(double q) {
            if (nanos.length == 0) {
                return "-";
            }
            long minBound = Long.MAX_VALUE;
            long[] sorted = new long[nanos.length];
            for (int i = 0; i < nanos.length; i++) {
                sorted[i] = Math.abs(nanos[i]);
                if (nanos[i] < 0) {
                    minBound = Math.min(minBound, sorted[i]);
                }
            }
            Arrays.sort(sorted);
            long v = sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
            return (v >= minBound ? ">=" : "") + millis(v);
        }

        String max() {
            return percentile(1.0);
        }

        static String millis(long nanos) {
            long ms = nanos / 1_000_000;
            return ms >= 10_000 ? String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0) : ms + " ms";
        }
    }
}
