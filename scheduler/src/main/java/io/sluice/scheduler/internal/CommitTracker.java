package io.sluice.scheduler.internal;

import io.sluice.core.status.BatchInfo;
import io.sluice.core.store.BatchManifest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * Knows which batches of one pipeline are in flight and releases them for commit strictly in batch
 * order: batch N+1 may finish first, but its offsets are committed only after batch N's, so a
 * restart never skips an uncommitted batch.
 */
final class CommitTracker {

    /** One batch in flight: its manifest and its tasks. */
    static final class BatchRun {
        final BatchManifest manifest;
        final List<TaskRun> tasks;
        /** Whether its tasks were handed to the dispatcher; batches past the in-flight bound wait. */
        boolean released;
        private int remaining;

        BatchRun(BatchManifest manifest, List<TaskRun> tasks) {
            this.manifest = manifest;
            this.tasks = List.copyOf(tasks);
            this.remaining = tasks.size();
        }

        boolean complete() {
            return remaining == 0;
        }

        BatchInfo info() {
            long start = Long.MAX_VALUE;
            long end = 0;
            long out = 0;
            int attempts = 0;
            int ran = 0;
            long deadLettered = 0;
            for (TaskRun t : tasks) {
                start = Math.min(start, t.firstDispatchedAt() == 0 ? t.finishedAt() : t.firstDispatchedAt());
                end = Math.max(end, t.finishedAt());
                out += t.recordsOut();
                attempts += t.attempts();
                ran += t.attempts() > 0 ? 1 : 0;
                deadLettered += t.deadLettered();
            }
            if (tasks.isEmpty()) {
                start = end = manifest.cutTime();
            }
            return new BatchInfo(manifest.pipeline(), manifest.batchTime(), manifest.records(), out,
                    manifest.partitions(), ran, attempts, deadLettered, manifest.cutTime(), start, end);
        }
    }

    private final TreeMap<Long, BatchRun> inFlight = new TreeMap<>();

    void add(BatchRun batch) {
        if (!inFlight.isEmpty() && batch.manifest.batchTime() <= inFlight.lastKey()) {
            throw new IllegalStateException("batch " + batch.manifest.batchTime() + " is not after " + inFlight.lastKey());
        }
        inFlight.put(batch.manifest.batchTime(), batch);
    }

    /** Notes that a task of the batch succeeded. */
    void taskSucceeded(long batchTime) {
        BatchRun batch = inFlight.get(batchTime);
        if (batch != null) {
            batch.remaining--;
        }
    }

    /** @return the complete batches at the head of the queue, oldest first, removed from tracking */
    List<BatchRun> drainCommittable() {
        List<BatchRun> ready = new ArrayList<>();
        while (!inFlight.isEmpty() && inFlight.firstEntry().getValue().complete()) {
            ready.add(inFlight.pollFirstEntry().getValue());
        }
        return ready;
    }

    int size() {
        return inFlight.size();
    }

    /** @return the batch in flight with that batch time, or null */
    BatchRun batch(long batchTime) {
        return inFlight.get(batchTime);
    }

    Collection<BatchRun> batches() {
        return inFlight.values();
    }
}
