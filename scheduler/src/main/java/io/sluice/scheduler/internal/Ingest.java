package io.sluice.scheduler.internal;

import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.store.BatchCursor;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.BatchStore;
import io.sluice.core.store.OffsetRange;
import io.sluice.scheduler.SchedulerConfig.IngestLimits;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCut;
import io.sluice.scheduler.internal.SchedulerEvent.IngestTrouble;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One pipeline's ingest: a thread that owns the pipeline's Kafka consumer and its {@link BatchSlicer}.
 *
 * <p>It reads every partition of the input topics (assigned directly, so no group rebalance delays
 * a start), appends records to the open batch, and at each interval's end stores the batch's
 * cursor, manifest and blocks, then tells the event loop. Offset commits requested by the event
 * loop run here too, because a Kafka consumer belongs to one thread; after a commit the batch's
 * blocks are freed. Kafka errors are reported and retried: ingest never cuts a batch from missing data.
 *
 * <p>It holds no more than its {@link IngestBudget} allows: its partitions are paused while the
 * pipeline has {@code maxBatchesInFlight} batches uncommitted, or too many bytes stored, or a full
 * open batch, and resume as batches commit; a due batch waits to be cut while the budget is spent.
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
    private final IngestLimits limits;
    private final IngestBudget budget;
    private final BatchRebuilder rebuilder;
    private final OffsetCommitter committer;
    /** Where committed batches' manifests go for replays; null for a bounded pipeline, itself a replay or query. */
    private final BatchLog batchLog;
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
    private final ConcurrentLinkedQueue<BatchManifest> lostBlocks = new ConcurrentLinkedQueue<>();
    /** After a batch could not be stored, reading waits until then (epoch ms by {@link #clock}). */
    private long readAfter;
    /** Why this ingest reads and cuts nothing more (a batch cannot be rebuilt as it was); null while it does. */
    private String halted;
    private final BooleanSupplier active;

    /**
     * @param maxBatchesInFlight stop reading and cutting while this many batches are uncommitted
     * @param active whether this scheduler still holds the scheduler lease: only then does ingest store or commit
     */
    Ingest(PipelineSpec spec, String bootstrap, BatchStore store, Clock clock, Consumer<SchedulerEvent> events,
           int maxBatchesInFlight, IngestLimits limits, BooleanSupplier active) {
        this.active = active;
        this.spec = spec;
        this.bootstrap = bootstrap;
        this.store = store;
        this.clock = clock;
        this.events = events;
        this.limits = limits;
        this.budget = new IngestBudget(maxBatchesInFlight, limits);
        this.rebuilder = new BatchRebuilder(clock);
        this.batchLog = spec.bounded() ? null : new BatchLog(bootstrap, spec.batchLogTopic());
        this.committer = new OffsetCommitter(spec.name(), store, budget, events, this::stillActive,
                batchLog == null ? m -> { } : batchLog::append);
        this.slicer = new BatchSlicer(spec.name(), spec.batchInterval(), spec.partitions(),
                spec.laterStagePartitions(), clock);
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
            if (!spec.bounded()) {
                budget.recovered(m.batchTime()); // a bounded pipeline's batches count as they are read, a few at a time
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

    /**
     * Asks the ingest thread to read a batch's offset ranges again and store its blocks, which a
     * task found missing (lineage: the manifest says where every record came from). The outcome is
     * posted as {@link SchedulerEvent.BlocksRebuilt} or {@link SchedulerEvent.BlocksLost}; only
     * this pipeline's reading waits for it.
     */
    void rebuildLost(BatchManifest manifest) {
        lostBlocks.add(manifest);
    }

    /** Asks the ingest thread to commit a completed batch's offsets and free its blocks. */
    void commit(BatchManifest manifest) {
        committer.request(manifest);
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Topics.ingestConsumer(bootstrap, spec, limits))) {
                consumer = c;
                prepareTopics();
                readCursor();
                if (assign(c)) {
                    if (spec.bounded()) {
                        runBounded(c);
                    } else {
                        if (!toRebuild.isEmpty() && halted == null) {
                            rebuild(c);
                            assign(c);
                        }
                        pollLoop(c);
                    }
                }
            } catch (WakeupException | InterruptException e) {
                if (running) {
                    log.warn("Ingest of pipeline {} interrupted unexpectedly; restarting it", spec.name());
                }
            } catch (KafkaException | IllegalStateException e) {
                trouble("Kafka error, retrying in " + RETRY.toSeconds() + " s: " + e.getMessage());
                pause(RETRY);
            } catch (RuntimeException e) {
                log.error("Ingest of pipeline {} failed; restarting it where it was", spec.name(), e);
                trouble("ingest failed, restarting it where it was: " + e);
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
            if (batchLog != null) {
                Topics.ensure(bootstrap, spec.batchLogTopic(), 1);
            }
            if (spec.statefulStage() != null) {
                // Compacted: a partition's state is the last value of each key, and the watermark's.
                Topics.ensure(bootstrap, spec.stateTopic(), spec.statefulStage().partitions(),
                        Map.of("cleanup.policy", "compact", "segment.bytes", Integer.toString(64 << 20)));
            }
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
            if (!rebuildOne(c, manifest)) {
                return;
            }
        }
    }

    /** @return whether the batch was rebuilt and cut; false if ingest halted or this scheduler is no longer active */
    private boolean rebuildOne(KafkaConsumer<byte[], byte[]> c, BatchManifest manifest) {
        SlicedBatch rebuilt;
        try {
            rebuilt = rebuilder.rebuild(c, manifest);
        } catch (BatchMismatchException e) {
            halted = e.getMessage();
            log.error("Pipeline {}: {}", spec.name(), halted);
            events.accept(new IngestTrouble(spec.name(), halted));
            return false;
        }
        if (!stillActive("store rebuilt batch " + manifest.batchTime())) {
            return false;
        }
        if (!rebuilt.manifest().equals(manifest)) {
            store.putManifest(rebuilt.manifest()); // a query's batch, whose record counts are known only now
        }
        store.putBlocks(rebuilt.blocksByTask());
        budget.stored(manifest.batchTime(), rebuilt.bytes());
        toRebuild.remove(manifest);
        log.info("Pipeline {}: {} batch {} from Kafka", spec.name(), spec.bounded() ? "read" : "rebuilt the blocks of recovered",
                manifest.batchTime());
        events.accept(new BatchCut(rebuilt.manifest(), true));
        return true;
    }

    /**
     * A bounded pipeline (a replay or a query): its batches are the manifests stored for it, read
     * from Kafka a few at a time, as the budget allows, so a replay of a long range holds no more
     * than a live pipeline does. After the last it reads nothing more, and idles.
     */
    private void runBounded(KafkaConsumer<byte[], byte[]> c) {
        c.pause(c.assignment());
        while (running) {
            committer.commitAndFree(c);
            if (!toRebuild.isEmpty() && halted == null && budget.mayCut()) {
                if (!rebuildOne(c, toRebuild.get(0))) {
                    return;
                }
                c.pause(c.assignment());
                continue;
            }
            c.poll(Duration.ofMillis(50)); // every partition paused: keeps the consumer alive, reads nothing
        }
    }

    private void pollLoop(KafkaConsumer<byte[], byte[]> c) {
        Boolean reading = null; // not known yet: a new consumer, or one the rebuild paused and resumed
        while (running) {
            committer.commitAndFree(c);
            if (!lostBlocks.isEmpty()) {
                rebuildLostBlocks(c);
                reading = null; // the rebuild paused and resumed partitions
            }
            boolean read = mayRead();
            if (reading == null || read != reading) {
                reading = read;
                if (read) {
                    c.resume(c.assignment());
                } else {
                    c.pause(c.assignment());
                    log.debug("Pipeline {} holds its input: {}", spec.name(), holdReason());
                }
            }
            boolean mayCut = halted == null && budget.mayCut();
            // a due batch that may not be cut yet must not make this a busy loop
            long wait = mayCut ? Math.min(100, slicer.millisUntilDue()) : 100;
            ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(wait));
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<byte[], byte[]>> batch = records.records(tp);
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    slicer.append(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
                }
                nextOffsets.put(tp, batch.get(batch.size() - 1).offset() + 1);
            }
            if (mayCut) {
                // A stateful stage sees every batch, empty ones too: its windows end and its keys time
                // out as time goes on, and its partitions' state follows the batch sequence without gaps.
                slicer.cutIfDue(spec.statefulStage() != null && !paused).ifPresent(batch -> store(c, batch));
            }
        }
    }

    /**
     * Rebuilds the batches whose blocks tasks found missing, then puts the consumer back where it
     * was reading. A batch that cannot be rebuilt (its input was deleted by retention, or reading
     * it took too long) is reported lost, with the reason, and the pipeline moves on without it.
     */
    private void rebuildLostBlocks(KafkaConsumer<byte[], byte[]> c) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : c.assignment()) {
            positions.put(tp, c.position(tp));
        }
        for (BatchManifest manifest = lostBlocks.poll(); manifest != null; manifest = lostBlocks.poll()) {
            try {
                SlicedBatch rebuilt = rebuilder.rebuild(c, manifest);
                if (!stillActive("store rebuilt batch " + manifest.batchTime())) {
                    return;
                }
                store.putBlocks(rebuilt.blocksByTask());
                log.info("Pipeline {}: recomputed the missing blocks of batch {} from its offset ranges", spec.name(),
                        manifest.batchTime());
                events.accept(new SchedulerEvent.BlocksRebuilt(spec.name(), manifest.batchTime()));
            } catch (WakeupException | InterruptException e) {
                lostBlocks.add(manifest); // asked again when ingest restarts
                throw e;
            } catch (RuntimeException e) {
                String reason = "the blocks of batch " + manifest.batchTime() + " were lost and its input cannot be read "
                        + "again (" + e.getMessage() + "); its " + manifest.records() + " record(s) are skipped";
                log.error("Pipeline {}: {}", spec.name(), reason);
                events.accept(new SchedulerEvent.BlocksLost(spec.name(), manifest.batchTime(), reason));
            }
        }
        positions.forEach(c::seek);
    }

    private boolean mayRead() {
        return !paused && halted == null && clock.millis() >= readAfter
                && budget.mayRead(slicer.openRecords(), slicer.openBytes());
    }

    private String holdReason() {
        if (halted != null) {
            return "halted: " + halted;
        }
        if (paused) {
            return "the pipeline is stopped";
        }
        if (clock.millis() < readAfter) {
            return "a batch could not be stored; reading again shortly";
        }
        return budget.holdReason(slicer.openRecords(), slicer.openBytes());
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
        budget.stored(m.batchTime(), batch.bytes());
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
        if (batchLog != null) {
            batchLog.close();
        }
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
