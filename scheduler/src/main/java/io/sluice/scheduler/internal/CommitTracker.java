package io.sluice.scheduler.internal;

import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.StageInfo;
import io.sluice.core.store.BatchManifest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Knows which batches of one pipeline are in flight and releases them for commit strictly in batch
 * order: batch N+1 may finish first, but its offsets are committed only after batch N's, so a
 * restart never skips an uncommitted batch.
 */
final class CommitTracker {

    /** One batch in flight: its manifest and its tasks, stage by stage. */
    static final class BatchRun {
        final BatchManifest manifest;
        /** Every task of every stage. */
        final List<TaskRun> tasks;
        private final List<List<TaskRun>> stages;
        /** Whether its stage-0 tasks were handed to the dispatcher; batches past the in-flight bound wait. */
        boolean released;
        /** How many stages were handed to the dispatcher: a stage goes once the one before is done. */
        private int releasedStages;
        private final int[] remaining;

        BatchRun(BatchManifest manifest, List<TaskRun> tasks) {
            this.manifest = manifest;
            this.tasks = List.copyOf(tasks);
            List<List<TaskRun>> byStage = new ArrayList<>();
            for (int s = 0; s < manifest.stages(); s++) {
                byStage.add(new ArrayList<>());
            }
            tasks.forEach(t -> byStage.get(t.stage()).add(t));
            this.stages = byStage.stream().map(List::copyOf).toList();
            this.remaining = stages.stream().mapToInt(List::size).toArray();
        }

        boolean complete() {
            for (int r : remaining) {
                if (r != 0) {
                    return false;
                }
            }
            return true;
        }

        int stageCount() {
            return stages.size();
        }

        List<TaskRun> stage(int stage) {
            return stages.get(stage);
        }

        /** @return whether every task of the stage has succeeded */
        boolean stageDone(int stage) {
            return remaining[stage] == 0;
        }

        /** @return how many stages were handed to the dispatcher */
        int releasedStages() {
            return releasedStages;
        }

        void stageReleased(int stage) {
            releasedStages = Math.max(releasedStages, stage + 1);
        }

        void succeeded(TaskRun task) {
            remaining[task.stage()]--;
        }

        void reopened(TaskRun task) {
            remaining[task.stage()]++;
        }

        BatchInfo info() {
            long start = Long.MAX_VALUE;
            long end = 0;
            long out = 0;
            int last = stages.size() - 1;
            int attempts = 0;
            int ran = 0;
            long deadLettered = 0;
            for (TaskRun t : tasks) {
                start = Math.min(start, t.firstDispatchedAt() == 0 ? t.finishedAt() : t.firstDispatchedAt());
                end = Math.max(end, t.finishedAt());
                out += t.stage() == last ? t.recordsOut() : 0;
                attempts += t.attempts();
                ran += t.attempts() > 0 ? 1 : 0;
                deadLettered += t.deadLettered();
            }
            if (tasks.isEmpty()) {
                start = end = manifest.cutTime();
            }
            return new BatchInfo(manifest.pipeline(), manifest.batchTime(), manifest.records(), out,
                    tasks.size(), ran, attempts, deadLettered, manifest.cutTime(), start, end, stageInfos());
        }

        private List<StageInfo> stageInfos() {
            List<StageInfo> infos = new ArrayList<>(stages.size());
            for (List<TaskRun> stage : stages) {
                int ran = 0;
                int attempts = 0;
                int copies = 0;
                int failures = 0;
                for (TaskRun t : stage) {
                    ran += t.attempts() > 0 ? 1 : 0;
                    attempts += t.attempts();
                    copies += t.copies();
                    failures += t.failures();
                }
                infos.add(new StageInfo(stage.size(), ran, attempts, copies, failures));
            }
            return infos;
        }
    }

    private final TreeMap<Long, BatchRun> inFlight = new TreeMap<>();

    void add(BatchRun batch) {
        if (!inFlight.isEmpty() && batch.manifest.batchTime() <= inFlight.lastKey()) {
            throw new IllegalStateException("batch " + batch.manifest.batchTime() + " is not after " + inFlight.lastKey());
        }
        inFlight.put(batch.manifest.batchTime(), batch);
    }

    /** Notes that a task of its batch succeeded. */
    void taskSucceeded(TaskRun task) {
        BatchRun batch = inFlight.get(task.id().batchTime());
        if (batch != null) {
            batch.succeeded(task);
        }
    }

    /** Notes that a succeeded task of its batch must run again (a shuffle block it wrote was lost). */
    void taskReopened(TaskRun task) {
        BatchRun batch = inFlight.get(task.id().batchTime());
        if (batch != null) {
            batch.reopened(task);
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

    /** @return the batch in flight just before that batch time, or null */
    BatchRun before(long batchTime) {
        Map.Entry<Long, BatchRun> e = inFlight.lowerEntry(batchTime);
        return e == null ? null : e.getValue();
    }

    /** @return the batch in flight just after that batch time, or null */
    BatchRun after(long batchTime) {
        Map.Entry<Long, BatchRun> e = inFlight.higherEntry(batchTime);
        return e == null ? null : e.getValue();
    }

    /** @return the batch in flight with that batch time, or null */
    BatchRun batch(long batchTime) {
        return inFlight.get(batchTime);
    }

    Collection<BatchRun> batches() {
        return inFlight.values();
    }
}
