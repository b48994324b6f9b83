package io.sluice.scheduler.internal;

import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.store.BatchCursor;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.BatchStore;
import io.sluice.core.store.OffsetRange;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCommitted;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCut;
import io.sluice.scheduler.internal.SchedulerEvent.IngestTrouble;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One pipeline's ingest: a thread that owns the pipeline's Kafka consumer and its {@link BatchSlicer}.
 *
 * <p>It reads every partition of the input topics (assigned directly, so no group rebalance delays
 * a start), appends records to the open batch, and at each interval's end stores the batch's
 * cursor, manifest and blocks, then tells the event loop. Offset commits requested by the event loop
 * run here too, because a Kafka consumer belongs to one thread; after a commit the batch's blocks
 * are freed. Kafka errors are reported and retried: ingest never cuts a batch from missing data.
 * A batch that cannot be stored is read again from Kafka and cut again under the same batch time
 * and sequence before anything after it, so it is never skipped and nothing commits past it.
 */
final class Ingest implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Ingest.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final PipelineSpec spec;
    private final String bootstrap;
    private final BatchStore store;
    private final Clock clock;
    private final Consumer<SchedulerEvent> events;
    private final BatchRebuilder rebuilder;
    private final ConcurrentLinkedQueue<BatchManifest> toCommit = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean paused;
    private boolean topicsReady;
    private boolean cursorRead;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    /** Lives as long as the ingest, across consumer restarts, so batch sequences and the open batch survive them. */
    private final BatchSlicer slicer;
    /** Per input partition, the offset after the last record given to the slicer. Ingest thread only. */
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private final List<BatchManifest> toRebuild = new ArrayList<>();
    /** After a batch could not be stored, reading waits until then (epoch ms by {@link #clock}). */
    private long readAfter;
    /** Why this ingest reads and cuts nothing more (a batch cannot be rebuilt as it was); null while it does. */
    private String halted;
    private final BooleanSupplier active;

    /** @param active whether this scheduler still holds the scheduler lease: only then does ingest store or commit */
    Ingest(PipelineSpec spec, String bootstrap, BatchStore store, Clock clock, Consumer<SchedulerEvent> events,
           BooleanSupplier active) {
        this.active = active;
        this.spec = spec;
        this.bootstrap = bootstrap;
        this.store = store;
        this.clock = clock;
        this.events = events;
        this.rebuilder = new BatchRebuilder(clock);
        this.slicer = new BatchSlicer(spec.name(), spec.batchInterval(), spec.partitions(), clock);
        this.thread = new Thread(this::run, "sluice-ingest-" + spec.name());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Takes over from a scheduler that died: reading resumes after the recovered batches, whose
     * sequences and batch times new batches continue (and after the pipeline's {@link BatchCursor},
     * read when the ingest starts), and the blocks of {@code rebuild} (lost between their manifest
     * and their blocks) are read again from Kafka before anything new. Call before {@link #start}.
     *
     * @param recovered every stored manifest of the pipeline, oldest first
     * @param rebuild   the newest of them, whose blocks are missing; their cut is posted once rebuilt
     */
    void recover(List<BatchManifest> recovered, List<BatchManifest> rebuild) {
        for (BatchManifest m : recovered) {
            for (OffsetRange r : m.ranges()) {
                nextOffsets.merge(new TopicPartition(r.topic(), r.partition()), r.until(), Math::max);
            }
        }
        if (!recovered.isEmpty()) {
            BatchManifest last = recovered.get(recovered.size() - 1);
            slicer.resumeAfter(last.sequence() + 1, last.batchTime());
        }
        toRebuild.addAll(rebuild);
    }

    /** Stops or restarts reading new records; batches already cut are unaffected. */
    void setPaused(boolean pause) {
        paused = pause;
    }

    /** Asks the ingest thread to commit a completed batch's offsets and free its blocks. */
    void commit(BatchManifest manifest) {
        toCommit.add(manifest);
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties())) {
                consumer = c;
                prepareTopics();
                readCursor();
                if (assign(c)) {
                    if (!toRebuild.isEmpty() && halted == null) {
                        rebuild(c);
                        assign(c);
                    }
                    pollLoop(c);
                }
            } catch (WakeupException | InterruptException e) {
                if (running) {
                    log.warn("Ingest of pipeline {} interrupted unexpectedly; restarting it", spec.name());
                }
            } catch (KafkaException | IllegalStateException e) {
                trouble("Kafka error, retrying in " + RETRY.toSeconds() + " s: " + e.getMessage());
                pause(RETRY);
            } catch (RuntimeException e) {
                log.error("Ingest of pipeline {} failed; restarting it from the last committed offsets", spec.name(), e);
                trouble("ingest failed, restarting from the last committed offsets: " + e);
                pause(RETRY);
            } finally {
                consumer = null;
            }
        }
        log.debug("Ingest of pipeline {} stopped", spec.name());
    }

    /** Creates the output and dead-letter topics if missing, once per ingest. */
    private void prepareTopics() {
        if (!topicsReady) {
            Topics.ensure(bootstrap, spec.outputTopic(), spec.partitions());
            Topics.ensure(bootstrap, PipelineRun.deadLetterTopic(spec.name()), 1);
            topicsReady = true;
        }
    }

    /**
     * Continues after the last batch any scheduler cut for this pipeline, even if all of them have
     * committed and left no manifest, and even if this host's clock is behind theirs.
     */
    private void readCursor() {
        if (!cursorRead) {
            store.cursor(spec.name()).ifPresent(cursor -> {
                slicer.resumeAfter(cursor.sequence() + 1, cursor.batchTime());
                log.info("Pipeline {} continues after batch {} (sequence {})", spec.name(), cursor.batchTime(),
                        cursor.sequence());
            });
            cursorRead = true;
        }
    }

    private boolean assign(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : spec.inputTopics()) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos == null || infos.isEmpty()) {
                trouble("input topic '" + topic + "' does not exist; ingest retries every " + RETRY.toSeconds() + " s");
                pause(RETRY);
                return false;
            }
            infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        }
        c.assign(partitions);
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.copyOf(partitions), Duration.ofSeconds(10));
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            // After a consumer restart (a broker went away, a commit timed out), continue after what
            // is already in a cut or open batch: going back to the committed offsets would put the
            // records of uncommitted batches into a second batch.
            Long next = nextOffsets.get(tp);
            OffsetAndMetadata at = committed.get(tp);
            if (next != null) {
                c.seek(tp, next);
            } else if (at == null) {
                fromStart.add(tp);
            } else {
                c.seek(tp, at.offset());
            }
        }
        if (!fromStart.isEmpty()) {
            // careful: an empty collection means "every assigned partition"
            c.seekToBeginning(fromStart);
        }
        log.info("Pipeline {} reads {} partition(s) of {}", spec.name(), partitions.size(), spec.inputTopics());
        return true;
    }

    /** Reads the recovered batches' offset ranges again and stores their blocks under the same manifests. */
    private void rebuild(KafkaConsumer<byte[], byte[]> c) {
        for (BatchManifest manifest : List.copyOf(toRebuild)) {
            SlicedBatch rebuilt;
            try {
                rebuilt = rebuilder.rebuild(c, manifest);
            } catch (BatchMismatchException e) {
                halted = e.getMessage();
                log.error("Pipeline {}: {}", spec.name(), halted);
                events.accept(new IngestTrouble(spec.name(), halted));
                return;
            }
            if (!stillActive("store rebuilt batch " + manifest.batchTime())) {
                return;
            }
            store.putBlocks(rebuilt.blocksByTask());
            toRebuild.remove(manifest);
            log.info("Pipeline {}: rebuilt the blocks of recovered batch {} from Kafka", spec.name(), manifest.batchTime());
            events.accept(new BatchCut(manifest, true));
        }
    }

    private void pollLoop(KafkaConsumer<byte[], byte[]> c) {
        boolean wasPaused = false;
        while (running) {
            commitRequested(c);
            boolean hold = paused || halted != null || clock.millis() < readAfter;
            if (hold != wasPaused) {
                wasPaused = hold;
                if (wasPaused) {
                    c.pause(c.assignment());
                } else {
                    c.resume(c.assignment());
                }
            }
            ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(Math.min(100, slicer.millisUntilDue())));
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<byte[], byte[]>> batch = records.records(tp);
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    slicer.append(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
                }
                nextOffsets.put(tp, batch.get(batch.size() - 1).offset() + 1);
            }
            if (halted == null) {
                slicer.cutIfDue().ifPresent(batch -> store(c, batch));
            }
        }
    }

    /**
     * Stores the cut batch: cursor, manifest, blocks. If any write fails, the batch's records are
     * read again from Kafka and cut again, under the same batch time and sequence, overwriting
     * whatever part of it was stored; no later batch is cut before it, so none can commit past it.
     */
    private void store(KafkaConsumer<byte[], byte[]> c, SlicedBatch batch) {
        BatchManifest m = batch.manifest();
        if (!stillActive("store batch " + m.batchTime())) {
            return;
        }
        try {
            store.putCursor(new BatchCursor(m.pipeline(), m.batchTime(), m.sequence()));
            store.putManifest(m);
            store.putBlocks(batch.blocksByTask());
        } catch (RuntimeException e) {
            readAgain(c, m, e);
            return;
        }
        events.accept(new BatchCut(m, false));
    }

    /** Rewinds to the start of a batch that could not be stored; the open batch is empty, as the batch was just cut. */
    private void readAgain(KafkaConsumer<byte[], byte[]> c, BatchManifest failed, RuntimeException cause) {
        slicer.redo(failed);
        for (OffsetRange r : failed.ranges()) {
            nextOffsets.put(new TopicPartition(r.topic(), r.partition()), r.from());
        }
        readAfter = clock.millis() + RETRY.toMillis();
        trouble("could not store batch " + failed.batchTime() + " (" + cause + "); its " + failed.records()
                + " records are read again from Kafka and stored as batch " + failed.batchTime() + " in "
                + RETRY.toSeconds() + " s, before any later batch");
        for (OffsetRange r : failed.ranges()) {
            c.seek(new TopicPartition(r.topic(), r.partition()), r.from());
        }
    }

    private void commitRequested(KafkaConsumer<byte[], byte[]> c) {
        for (BatchManifest m = toCommit.peek(); m != null; m = toCommit.peek()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (OffsetRange r : m.ranges()) {
                offsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.until()),
                        (a, b) -> a.offset() >= b.offset() ? a : b);
            }
            if (!stillActive("commit batch " + m.batchTime())) {
                return;
            }
            c.commitSync(offsets, Duration.ofSeconds(10));
            toCommit.poll();
            store.removeBatch(m);
            events.accept(new BatchCommitted(m.pipeline(), m.batchTime()));
        }
    }

    /**
     * @return true if this scheduler may still write; false after it lost the scheduler lease, in
     *     which case ingest stops for good
     */
    private boolean stillActive(String what) {
        if (active.getAsBoolean()) {
            return true;
        }
        log.warn("Pipeline {}: this scheduler lost the scheduler lease; it does not {} and stops reading", spec.name(), what);
        running = false;
        return false;
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, spec.consumerGroup());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-ingest-" + spec.name());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    private void trouble(String error) {
        log.warn("Pipeline {}: {}", spec.name(), error);
        events.accept(new IngestTrouble(spec.name(), error));
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            // wakeup() lets the consumer close cleanly; interrupting it mid-close leaves fetch sessions open
            thread.join(10_000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
