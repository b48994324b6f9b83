package io.sluice.gateway.internal;

import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.OffsetRange;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/** What the gateway reads from Kafka itself: batch logs, offsets by time, a query's output. Blocking. */
final class KafkaReads {

    private final String bootstrap;

    KafkaReads(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return consumer("read_committed");
    }

    private KafkaConsumer<byte[], byte[]> consumer(String isolation) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** @return the partitions of the topic, or an empty list if it does not exist */
    List<TopicPartition> partitions(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            return partitions(c, topic);
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String topic) {
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
        List<TopicPartition> out = new ArrayList<>();
        if (infos != null) {
            infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
        }
        out.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return out;
    }

    /** @return every batch in a pipeline's batch log, by batch time (a batch logged twice once) */
    TreeMap<Long, BatchManifest> batchLog(String topic) {
        TreeMap<Long, BatchManifest> batches = new TreeMap<>();
        readAll(topic, () -> false, r -> {
            BatchManifest m = BatchManifest.decode(r.value());
            batches.put(m.batchTime(), m);
        });
        return batches;
    }

    /**
     * @return for each partition of {@code topic}, {@code [from, until)}: the first offset at or after
     *     {@code fromTime} (or the start), and the first at or after {@code untilTime} (or the end now)
     */
    Map<TopicPartition, long[]> ranges(String topic, Long fromTime, Long untilTime) {
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            List<TopicPartition> partitions = partitions(c, topic);
            Map<TopicPartition, Long> start = c.beginningOffsets(partitions, Duration.ofSeconds(10));
            Map<TopicPartition, Long> end = c.endOffsets(partitions, Duration.ofSeconds(10));
            Map<TopicPartition, long[]> out = new HashMap<>();
            for (TopicPartition tp : partitions) {
                out.put(tp, new long[] {start.get(tp), end.get(tp)});
            }
            applyTime(c, partitions, fromTime, out, 0, end);
            applyTime(c, partitions, untilTime, out, 1, end);
            return out;
        }
    }

    private static void applyTime(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> partitions, Long time,
                                  Map<TopicPartition, long[]> out, int slot, Map<TopicPartition, Long> end) {
        if (time == null) {
            return;
        }
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, time));
        Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(query, Duration.ofSeconds(10));
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            out.get(tp)[slot] = Math.min(at == null ? end.get(tp) : at.offset(), end.get(tp));
        }
    }

    /**
     * Reads a topic from the start to the end of its log as it was when called, committed records
     * only. The end is the log's, not the last stable offset: a transaction that has committed may
     * still be waiting for its markers, and a read that stopped at the stable offset would miss it.
     */
    void readAll(String topic, BooleanSupplier stop, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(); KafkaConsumer<byte[], byte[]> ends = consumer("read_uncommitted")) {
            List<TopicPartition> partitions = partitions(c, topic);
            if (partitions.isEmpty()) {
                return;
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = ends.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!stop.getAsBoolean() && partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new ApiException(503, "reading " + topic + " took over 60 s");
                }
                c.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    /** @return offset ranges of one batch: chunk {@code index} of each partition's range, at most {@code size} offsets each */
    static List<OffsetRange> chunk(Map<TopicPartition, long[]> ranges, int index, long size) {
        List<OffsetRange> out = new ArrayList<>();
        ranges.forEach((tp, r) -> {
            long from = r[0] + index * size;
            long until = Math.min(r[1], from + size);
            if (from < until) {
                out.add(new OffsetRange(tp.topic(), tp.partition(), from, until));
            }
        });
        out.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return out;
    }
}
