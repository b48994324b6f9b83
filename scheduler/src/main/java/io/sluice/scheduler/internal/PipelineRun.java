package io.sluice.scheduler.internal;

import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.registry.Window;
import io.sluice.core.wire.WireMessage.StateWork;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.FunctionRef;
import io.sluice.core.wire.WireMessage.RecordRange;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.StageWork;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One pipeline as the scheduler runs it: its spec, its ingest, its batches in flight and their tasks.
 * Mutated only on the scheduler's event loop (the ingest has its own thread).
 */
final class PipelineRun {

    private PipelineSpec spec;
    private final FunctionRef function;
    private final Ingest ingest;
    private final CommitTracker commits = new CommitTracker();
    private final Map<TaskId, TaskRun> tasks = new HashMap<>();
    /** Batches whose blocks are being read again from Kafka, and those that could not be: batch time to reason. */
    private final Set<Long> rebuilding = new HashSet<>();
    private final Map<Long, String> lost = new HashMap<>();
    private PipelineProgress progress;

    PipelineRun(PipelineSpec spec, FunctionSpec function, Ingest ingest, PipelineProgress progress) {
        this.spec = spec;
        this.function = new FunctionRef(function.name(), function.version(), function.className(),
                function.sha256());
        this.ingest = ingest;
        this.progress = progress;
    }

    String name() {
        return spec.name();
    }

    PipelineSpec spec() {
        return spec;
    }

    void update(PipelineSpec newSpec) {
        spec = newSpec;
        ingest.setPaused(newSpec.state() == PipelineState.STOPPED);
    }

    Ingest ingest() {
        return ingest;
    }

    CommitTracker commits() {
        return commits;
    }

    Map<TaskId, TaskRun> tasks() {
        return tasks;
    }

    /** @return true if the batch's rebuild was not asked for yet (the caller asks for it) */
    boolean startRebuild(long batchTime) {
        return !lost.containsKey(batchTime) && rebuilding.add(batchTime);
    }

    void rebuilt(long batchTime) {
        rebuilding.remove(batchTime);
    }

    void lost(long batchTime, String reason) {
        rebuilding.remove(batchTime);
        lost.put(batchTime, reason);
    }

    /** @return why the batch's records are gone for good, or null */
    String lostReason(long batchTime) {
        return lost.get(batchTime);
    }

    /** Forgets what it knew of a batch that has committed. */
    void committed(long batchTime) {
        rebuilding.remove(batchTime);
        lost.remove(batchTime);
    }

    PipelineProgress progress() {
        return progress;
    }

    void progress(PipelineProgress next) {
        progress = next;
    }

    /**
     * @param task             the task
     * @param attempt          the attempt to run
     * @param producerEpoch    the epoch of the task's transactional id on the runtime that runs it
     * @return the message that runs {@code attempt} on a runtime
     */
    RunTask runTask(TaskRun task, TaskAttempt attempt, long producerEpoch) {
        RecordRange range = new RecordRange(0, task.records());
        String deadLetterError = "";
        BisectPlan bisection = task.bisection();
        if (bisection != null) {
            BisectPlan.Step step = bisection.current();
            range = new RecordRange(step.from(), step.until());
            deadLetterError = step.deadLetter() ? task.deadLetterReason() : "";
        }
        return new RunTask(attempt, partitions(task.stage()), functionOf(task.stage()), spec.outputTopic(),
                spec.parameters(), task.producerId(), producerEpoch, task.mayHaveCommitted(), range, deadLetterTopic(),
                deadLetterError, stageWork(task));
    }

    /** @return how many partitions (tasks) a stage has */
    int partitions(int stage) {
        return stage == 0 ? spec.partitions() : spec.stages().get(stage - 1).partitions();
    }

    /** @return the class a stage's tasks load: the pipeline's function, a stage's own class, or its Reducer */
    private FunctionRef functionOf(int stage) {
        if (stage == 0) {
            return function;
        }
        StageSpec s = spec.stages().get(stage - 1);
        return s.userClass().isEmpty() || s.reduces() ? function
                : new FunctionRef(function.name(), function.version(), s.userClass(), function.sha256());
    }

    /**
     * What a task's stage reads (stage 0 its input block; a later stage the shuffle blocks the
     * stage before wrote, in partition order), runs, and writes (the next stage's shuffle block,
     * combined by key if the next stage reduces, or the sink).
     */
    private StageWork stageWork(TaskRun task) {
        int stage = task.stage();
        List<String> inputs = new ArrayList<>();
        if (stage > 0) {
            CommitTracker.BatchRun batch = commits.batch(task.id().batchTime());
            for (TaskRun producer : batch.stage(stage - 1)) {
                producer.parts().forEach(p -> inputs.add(p.key()));
            }
        }
        String reduce = stage == 0 ? "" : spec.stages().get(stage - 1).reduce();
        if (task.stateful()) {
            StageSpec s = spec.statefulStage();
            Window w = s.window();
            return new StageWork(0, "", "", reduce, inputs, new StateWork(spec.stateTopic(), task.batchSequence(),
                    s.stateClass(), s.timeout().toMillis(), w == null ? 0 : w.length().toMillis(),
                    w == null ? 0 : w.slide().toMillis(), w != null && w.incremental(), spec.batchInterval().toMillis()));
        }
        if (task.lastStage()) {
            return new StageWork(0, "", "", reduce, inputs);
        }
        StageSpec next = spec.stages().get(stage);
        return new StageWork(next.partitions(), next.reduce(), task.shuffleKey(), reduce, inputs);
    }

    /**
     * @return how many records a task of a stage after the first reads: its partition's share of
     *     every shuffle block the stage before wrote
     */
    static int inputRecords(CommitTracker.BatchRun batch, TaskRun task) {
        long sum = 0;
        for (TaskRun producer : batch.stage(task.stage() - 1)) {
            for (TaskRun.ShufflePart part : producer.parts()) {
                sum += part.counts().get(task.id().partition());
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    /**
     * @param transactionSlots how many batches may be in flight, and so how many transactional ids
     *                         each partition cycles through
     * @return the transactional id of a task of this pipeline, or empty for at-least-once output:
     *     a task of the last stage writes the sink under it; one of an earlier stage only the
     *     dead letters of its bisection (its output goes to a shuffle block)
     */
    String transactionalId(int stage, int partition, long batchSequence, int transactionSlots) {
        if (spec.delivery() != Delivery.EXACTLY_ONCE) {
            return "";
        }
        if (stage == spec.stageCount() - 1 && spec.statefulStage() != null) {
            // A stateful stage's tasks of one partition run one batch after another: one id serves them
            // all, and keeps the partition on the runtime that holds its producer, and its state.
            return "sluice." + spec.name() + "." + partition + ".state";
        }
        long slot = batchSequence % transactionSlots;
        return stage == spec.stageCount() - 1 ? transactionalId(spec.name(), partition, slot)
                : transactionalId(spec.name() + "/s" + stage, partition, slot); // '/' is in no pipeline name
    }

    /**
     * Every attempt of a task shares its id, so a newer attempt fences an older one; batches that
     * may be in flight together get different ids, so one never fences another.
     */
    static String transactionalId(String pipeline, int partition, long slot) {
        return "sluice." + pipeline + "." + partition + "." + slot;
    }

    /** @return the topic that receives the records of tasks that ran out of attempts */
    String deadLetterTopic() {
        return deadLetterTopic(spec.name());
    }

    static String deadLetterTopic(String pipeline) {
        return "sluice.dlq." + pipeline;
    }
}
