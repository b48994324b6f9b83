package io.sluice.scheduler.it;

import io.sluice.core.store.OffsetRange;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Reads back what a pipeline wrote and what it committed, on the real broker. */
final class KafkaChecks {

    private final String bootstrap;

    KafkaChecks(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** @return true once the group's committed offsets equal the end offsets of every partition of {@code topic} */
    boolean committedToEnd(String group, String topic) {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, Long> ends = endOffsets(admin, topic);
            return ends.entrySet().stream().allMatch(e -> {
                OffsetAndMetadata c = committed.get(e.getKey());
                return e.getValue() == 0 || (c != null && c.offset() == e.getValue());
            });
        } catch (Exception e) {
            return false;
        }
    }

    /** Reads every record of {@code topic} up to its current end offsets. */
    List<ConsumerRecord<String, String>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        try (Admin admin = admin(); KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            Map<TopicPartition, Long> ends = endOffsets(admin, topic);
            consumer.assign(ends.keySet());
            consumer.seekToBeginning(ends.keySet());
            List<ConsumerRecord<String, String>> out = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end offsets " + ends);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("reading " + topic + " failed", e);
        }
    }

    /** Reads the records of {@code [from, until)} offset ranges, as a batch manifest names them. */
    List<ConsumerRecord<String, String>> read(List<OffsetRange> ranges) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> out = new java.util.ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            for (OffsetRange r : ranges) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                consumer.assign(List.of(tp));
                consumer.seek(tp, r.from());
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (consumer.position(tp) < r.until()) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("could not read " + r);
                    }
                    for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
                        if (rec.offset() < r.until()) {
                            out.add(rec);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Sums word-count output records (key = word, value = count) per word. */
    static Map<String, Long> sumCounts(List<ConsumerRecord<String, String>> records) {
        return records.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                Collectors.summingLong(r -> Long.parseLong(r.value()))));
    }

    private Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> request = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(topic).partitions().stream()
                .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }
}
