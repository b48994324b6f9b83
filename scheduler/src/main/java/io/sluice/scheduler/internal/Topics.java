package io.sluice.scheduler.internal;

import io.sluice.core.registry.PipelineSpec;
import io.sluice.scheduler.SchedulerConfig.IngestLimits;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the topics a pipeline writes to when they do not exist yet. */
final class Topics {

    private Topics() {
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions unless it exists.
     *
     * @throws IllegalStateException if the broker refuses or does not answer in 30 s
     */
    static void ensure(String bootstrap, String topic, int partitions) {
        ensure(bootstrap, topic, partitions, Map.of());
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions and the topic {@code configs} unless it
     * exists; an existing topic is left as it is.
     *
     * @throws IllegalStateException if the broker refuses or does not answer in 30 s
     */
    static void ensure(String bootstrap, String topic, int partitions, Map<String, String> configs) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(configs)))
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
            awaitLeaders(admin, topic);
        } catch (TimeoutException e) {
            throw new IllegalStateException("broker did not create topic " + topic + " within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        }
    }

    /**
     * Waits until every partition's leader serves requests. A topic is "created" once the
     * controller has it, which can be before its leaders do; an idempotent producer that writes in
     * that gap can get stuck retrying out-of-order sequence errors.
     */
    private static void awaitLeaders(Admin admin, String topic) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                        .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
                admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("the leaders of " + topic + " are not ready after 30 s: " + e.getCause());
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * @return the settings of a pipeline's ingest consumer: its group, read_committed, no auto-commit,
     *     and polls and fetches no larger than a batch may be
     */
    static Properties ingestConsumer(String bootstrap, PipelineSpec spec, IngestLimits limits) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, spec.consumerGroup());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-ingest-" + spec.name());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // One poll and one fetch may overshoot the open batch's limits, so they are no larger than a batch.
        int fetchBytes = (int) Math.min(64L << 20, Math.max(1L << 20, limits.maxBatchBytes()));
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(10_000, limits.maxBatchRecords()));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, fetchBytes);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Math.min(8 << 20, fetchBytes));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }
}
