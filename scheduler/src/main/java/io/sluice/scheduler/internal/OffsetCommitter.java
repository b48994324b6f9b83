package io.sluice.scheduler.internal;

import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.BatchStore;
import io.sluice.core.store.OffsetRange;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCommitted;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Commits the offsets of finished batches, in the order the event loop hands them over, then frees
 * their blocks. A Kafka consumer belongs to one thread, so the commits run on the ingest thread,
 * which calls this on every turn; the event loop only queues requests. A batch's place in the
 * {@link IngestBudget} is given back at its commit, its bytes once its blocks are freed; a free
 * that fails is tried again next turn, so a grid hiccup leaves no batch behind in the store.
 */
final class OffsetCommitter {

    private static final Logger log = LoggerFactory.getLogger(OffsetCommitter.class);

    private final String pipeline;
    private final BatchStore store;
    private final IngestBudget budget;
    private final Consumer<SchedulerEvent> events;
    private final Predicate<String> mayWrite;
    private final java.util.function.Consumer<BatchManifest> batchLog;
    private final ConcurrentLinkedQueue<BatchManifest> requested = new ConcurrentLinkedQueue<>();
    private final Queue<BatchManifest> toFree = new ArrayDeque<>();
    /** The highest offset committed per partition, as far as this committer knows. */
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    /** @param mayWrite asked before each commit, with what is about to be done; false once this scheduler lost its lease */
    OffsetCommitter(String pipeline, BatchStore store, IngestBudget budget, Consumer<SchedulerEvent> events,
                    Predicate<String> mayWrite) {
        this(pipeline, store, budget, events, mayWrite, m -> { });
    }

    /** @param batchLog given each batch before its offsets are committed (the batch log); a throw leaves the batch for the next turn */
    OffsetCommitter(String pipeline, BatchStore store, IngestBudget budget, Consumer<SchedulerEvent> events,
                    Predicate<String> mayWrite, java.util.function.Consumer<BatchManifest> batchLog) {
        this.batchLog = batchLog;
        this.pipeline = pipeline;
        this.store = store;
        this.budget = budget;
        this.events = events;
        this.mayWrite = mayWrite;
    }

    /**
     * Drops the offsets that would move a partition's committed position back. Batches commit in
     * order, so that only happens for a batch whose records were committed already through another
     * one: a manifest left by a scheduler that lost its lease halfway through storing it, and
     * recovered by a later one. Committing it would make the next restart read those records again.
     */
    private void forwardOnly(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
        Set<TopicPartition> unknown = new HashSet<>(offsets.keySet());
        unknown.removeAll(committed.keySet());
        if (!unknown.isEmpty()) {
            c.committed(unknown, Duration.ofSeconds(10)).forEach((tp, at) -> committed.put(tp, at == null ? 0L : at.offset()));
        }
        offsets.entrySet().removeIf(e -> {
            long at = committed.getOrDefault(e.getKey(), 0L);
            if (e.getValue().offset() < at) {
                log.warn("Pipeline {}: not moving the committed offset of {} back from {} to {}", pipeline, e.getKey(), at,
                        e.getValue().offset());
                return true;
            }
            return e.getValue().offset() == at;
        });
    }

    /** Queues a completed batch for commit; called by the event loop. */
    void request(BatchManifest manifest) {
        requested.add(manifest);
    }

    /** Commits what was requested, oldest first, then frees what was committed. Ingest thread only. */
    void commitAndFree(KafkaConsumer<byte[], byte[]> c) {
        for (BatchManifest m = requested.peek(); m != null; m = requested.peek()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (OffsetRange r : m.ranges()) {
                offsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.until()),
                        (a, b) -> a.offset() >= b.offset() ? a : b);
            }
            if (!mayWrite.test("commit batch " + m.batchTime())) {
                return;
            }
            try {
                batchLog.accept(m);
            } catch (RuntimeException e) {
                log.warn("Pipeline {}: batch {} is committed once it is logged: {}", pipeline, m.batchTime(),
                        e.getMessage());
                return;
            }
            forwardOnly(c, offsets);
            if (!offsets.isEmpty()) {
                c.commitSync(offsets, Duration.ofSeconds(10));
                offsets.forEach((tp, at) -> committed.merge(tp, at.offset(), Math::max));
            }
            requested.poll();
            budget.committed(m.batchTime());
            toFree.add(m);
            events.accept(new BatchCommitted(m.pipeline(), m.batchTime()));
        }
        while (!toFree.isEmpty()) {
            BatchManifest m = toFree.peek();
            try {
                store.removeBatch(m);
            } catch (RuntimeException e) {
                log.warn("Pipeline {}: cannot free committed batch {} yet ({}); trying again", pipeline, m.batchTime(),
                        e.toString());
                return;
            }
            budget.freed(m.batchTime());
            toFree.poll();
        }
    }
}
