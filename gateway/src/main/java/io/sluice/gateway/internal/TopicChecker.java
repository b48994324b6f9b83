package io.sluice.gateway.internal;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Asks Kafka which topics exist, and how far behind a consumer group is. Blocking: call it from a worker thread. */
final class TopicChecker implements AutoCloseable {

    private final String bootstrap;
    private Admin admin;

    TopicChecker(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /**
     * @return the topics among {@code topics} that do not exist, in the given order
     * @throws ApiException 503 if Kafka cannot be asked
     */
    synchronized List<String> missing(List<String> topics) {
        Set<String> existing;
        try {
            existing = admin().listTopics().names().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ApiException(503, "cannot reach Kafka at " + bootstrap + " to check the input topics: "
                    + (e.getCause() != null ? e.getCause() : e));
        }
        return topics.stream().filter(t -> !existing.contains(t)).toList();
    }

    /** Deletes topics, quietly: a query's leftovers, which nothing else reads. */
    synchronized void delete(List<String> topics) {
        try {
            admin().deleteTopics(topics).all().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a topic that is missing or cannot be deleted now is left for retention
        }
    }

    /**
     * @return how many offsets of {@code topics} the group has not committed yet, summed over their
     *     partitions (from the earliest offset where it has committed none); as Kafka's own consumer
     *     lag, it counts transaction markers too
     * @throws Exception if Kafka cannot be asked
     */
    synchronized long lag(String group, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin().listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        for (TopicDescription topic : admin().describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
            topic.partitions().forEach(p -> {
                TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                latest.put(tp, OffsetSpec.latest());
                if (committed.get(tp) == null) {
                    earliest.put(tp, OffsetSpec.earliest());
                }
            });
        }
        var ends = admin().listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        var starts = earliest.isEmpty() ? Map.<TopicPartition, ListOffsetsResultInfo>of()
                : admin().listOffsets(earliest).all().get(10, TimeUnit.SECONDS);
        long lag = 0;
        for (var end : ends.entrySet()) {
            OffsetAndMetadata at = committed.get(end.getKey());
            long from = at != null ? at.offset() : starts.get(end.getKey()).offset();
            lag += Math.max(0, end.getValue().offset() - from);
        }
        return lag;
    }

    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
