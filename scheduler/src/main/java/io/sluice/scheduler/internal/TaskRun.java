package io.sluice.scheduler.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.FailureKind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the scheduler tracks about one task: its state, its attempts and where they run.
 * Mutated only on the scheduler's event loop.
 */
final class TaskRun {

    private final TaskId id;
    private final long batchSequence;
    private final PipelineRun pipeline;
    private final String transactionalId;
    private final boolean recovered;
    private final boolean lastStage;
    private int records;
    private long queuedAt;
    private TaskState state = TaskState.PENDING;
    private int lastAttempt;
    private int countedFailures;
    private int platformFailures;
    private int failures;
    private int copies;
    private long notBefore;
    private long firstDispatchedAt;
    private long finishedAt;
    private long recordsOut;
    private long deadLettered;
    private long durationMillis = -1;
    private boolean copyWanted;
    private FailureKind lastFailureKind;
    private BisectPlan bisection;
    private String lastError;
    private final Map<TaskAttempt, String> running = new HashMap<>();
    private final Map<TaskAttempt, Long> startedAt = new HashMap<>();
    private final Set<String> failedOn = new HashSet<>();
    /** For a stage that shuffles: the shuffle blocks its successful steps wrote, in record order. */
    private final List<ShufflePart> parts = new ArrayList<>();
    private boolean waitingForInput;
    private boolean waitingForState;

    /**
     * One shuffle block a task wrote: its key, and how many records it holds for each partition of
     * the next stage. A task writes one, or, while its block is bisected, one per successful step.
     */
    record ShufflePart(String key, List<Integer> counts) {
        ShufflePart {
            counts = List.copyOf(counts);
        }
    }

    /**
     * @param transactionalId the id its exactly-once output is written under, or empty
     * @param recovered       whether a previous scheduler ran it, so it may have committed already
     * @param records         how many records its block holds; for a stage after the first, 0 until
     *                        the stage before is done
     * @param lastStage       whether the task's stage writes the sink rather than a shuffle block
     */
    TaskRun(TaskId id, long batchSequence, PipelineRun pipeline, String transactionalId, boolean recovered, int records,
            boolean lastStage) {
        this.id = id;
        this.batchSequence = batchSequence;
        this.pipeline = pipeline;
        this.transactionalId = transactionalId;
        this.recovered = recovered;
        this.records = records;
        this.lastStage = lastStage;
    }

    /** A task of a one-stage pipeline. */
    TaskRun(TaskId id, long batchSequence, PipelineRun pipeline, String transactionalId, boolean recovered, int records) {
        this(id, batchSequence, pipeline, transactionalId, recovered, records, true);
    }

    /** @return how many records the task reads */
    int records() {
        return records;
    }

    /** Sets how many records a task of a later stage reads, once the stage before is done. */
    void records(int count) {
        records = count;
    }

    /** @return the stage within the pipeline */
    int stage() {
        return id.stage();
    }

    /** @return whether the task writes the sink (its stage is the last) rather than a shuffle block */
    boolean lastStage() {
        return lastStage;
    }

    /** @return the transactional id the task's Kafka writes go under; empty for at-least-once output */
    String transactionalId() {
        return transactionalId;
    }

    /**
     * @return the transactional id the next attempt writes Kafka under: the task's id if it writes
     *     the sink or dead-letters a bisection step; empty if it only writes a shuffle block (or
     *     for at-least-once output), so it has no producer to keep close to
     */
    String producerId() {
        boolean writesKafka = lastStage || (bisection != null && !bisection.done() && bisection.current().deadLetter());
        return writesKafka ? transactionalId : "";
    }

    /** @return where the next attempt's shuffle block goes: the task's key, or, while bisecting, one per step */
    String shuffleKey() {
        if (bisection == null || bisection.done()) {
            return id.shuffleKey();
        }
        BisectPlan.Step step = bisection.current();
        return id.shuffleKey() + "@" + step.from() + "-" + step.until();
    }

    /** Notes a shuffle block a successful attempt wrote. */
    void wrote(ShufflePart part) {
        parts.add(part);
    }

    /** @return the shuffle blocks the task's successful attempts wrote, in record order */
    List<ShufflePart> parts() {
        return parts;
    }

    /**
     * Runs the task again because a shuffle block it wrote is gone: from the start, as if it had
     * never succeeded. Its batch has not committed, so nothing downstream of it has either.
     */
    void reopen(long now) {
        moveTo(TaskState.PENDING);
        parts.clear();
        bisection = null;
        countedFailures = 0;
        notBefore = now;
        durationMillis = -1;
    }

    /**
     * @return whether the task is of a stateful stage: it starts from the state its partition's
     *     task of the batch before committed, so it waits for that one, and runs even with no input
     */
    boolean stateful() {
        return lastStage && id.stage() > 0 && pipeline.spec().statefulStage() != null;
    }

    /** @return whether the task waits for its partition's task of the batch before (a stateful stage) */
    boolean waitingForState() {
        return waitingForState;
    }

    void waitingForState(boolean waiting) {
        waitingForState = waiting;
    }

    /** @return whether the task waits for the stage before to write its input again */
    boolean waitingForInput() {
        return waitingForInput;
    }

    void waitingForInput(boolean waiting) {
        waitingForInput = waiting;
    }

    /**
     * @return whether an earlier attempt may have committed this task (it ran before, here or under
     *     a previous scheduler), so a new attempt must read the commit marker first
     */
    boolean mayHaveCommitted() {
        return recovered || lastAttempt > 1;
    }

    /** Notes when the task was queued for dispatch. */
    void queued(long now) {
        queuedAt = now;
    }

    /** @return since when the task has been waiting to be dispatched */
    long dueSince() {
        return Math.max(queuedAt, notBefore);
    }

    TaskId id() {
        return id;
    }

    /** @return the sequence number of the task's batch within its pipeline */
    long batchSequence() {
        return batchSequence;
    }

    PipelineRun pipeline() {
        return pipeline;
    }

    TaskState state() {
        return state;
    }

    void moveTo(TaskState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("task " + id + " cannot go from " + state + " to " + next);
        }
        state = next;
    }

    /** Starts a new attempt on a runtime. */
    TaskAttempt launch(String runtimeId, long now) {
        if (copyWanted()) {
            copies++;
        }
        moveTo(TaskState.RUNNING);
        copyWanted = false;
        TaskAttempt attempt = new TaskAttempt(id, ++lastAttempt);
        running.put(attempt, runtimeId);
        startedAt.put(attempt, now);
        if (firstDispatchedAt == 0) {
            firstDispatchedAt = now;
        }
        return attempt;
    }

    /** @return the runtime running this attempt, or null if the attempt is not running */
    String runtimeOf(TaskAttempt attempt) {
        return running.get(attempt);
    }

    Map<TaskAttempt, String> running() {
        return running;
    }

    long startedAt(TaskAttempt attempt) {
        return startedAt.getOrDefault(attempt, 0L);
    }

    /** Forgets a running attempt (finished, failed, lost or cancelled). */
    void drop(TaskAttempt attempt) {
        running.remove(attempt);
        startedAt.remove(attempt);
    }

    void succeeded(long now) {
        moveTo(TaskState.SUCCEEDED);
        this.finishedAt = now;
    }

    /**
     * Counts an attempt's output: for exactly-once output the runtime reports all the task has
     * committed (its marker's count), otherwise what the attempt wrote.
     */
    void output(long records) {
        recordsOut = transactionalId.isEmpty() ? recordsOut + records : Math.max(recordsOut, records);
    }

    /**
     * Notes how long the successful attempt took from dispatch to its {@code TaskDone}, on the
     * scheduler's clock: the same measure as a running attempt's age, which speculation compares
     * it with.
     */
    void took(long millis) {
        durationMillis = millis;
    }

    /** @return how long the successful attempt took, or -1 if none has succeeded */
    long durationMillis() {
        return durationMillis;
    }

    /** @return the only running attempt, or null if none or several are running */
    TaskAttempt soleAttempt() {
        return running.size() == 1 ? running.keySet().iterator().next() : null;
    }

    /** @return the bisection under way after the task ran out of attempts, or null */
    BisectPlan bisection() {
        return bisection;
    }

    void bisect(BisectPlan plan) {
        bisection = plan;
    }

    /** @return why the task's records are dead-lettered, for the records' error header */
    String deadLetterReason() {
        return "failed " + countedFailures + " time(s), last: " + lastError;
    }

    FailureKind lastFailureKind() {
        return lastFailureKind;
    }

    /** Records a failure that counts towards the attempt limit. */
    int countFailure(String runtimeId, String error, FailureKind kind) {
        failedOn.add(runtimeId);
        lastError = error;
        lastFailureKind = kind;
        failures++;
        return ++countedFailures;
    }

    /**
     * Records a failure that was not the function's (the runtime could not read the block or write
     * the output): it does not bring the task closer to the dead-letter topic.
     *
     * @return how many platform failures in a row, for the backoff
     */
    int platformFailure(String runtimeId, String error) {
        failedOn.add(runtimeId);
        lastError = error;
        failures++;
        return ++platformFailures;
    }

    void retryAt(long when) {
        notBefore = when;
        if (state == TaskState.RUNNING && running.isEmpty()) {
            moveTo(TaskState.PENDING);
        }
    }

    boolean due(long now) {
        if (waitingForInput || waitingForState) {
            return false;
        }
        return (state == TaskState.PENDING && now >= notBefore) || copyWanted();
    }

    /** Asks for a speculative copy of the running attempt, to be dispatched like a pending task. */
    void wantCopy() {
        copyWanted = true;
    }

    /** @return whether the task waits for a runtime to run a speculative copy on */
    boolean copyWanted() {
        return copyWanted && state == TaskState.RUNNING && running.size() == 1;
    }

    Set<String> failedOn() {
        return failedOn;
    }

    int attempts() {
        return lastAttempt;
    }

    /** @return speculative copies launched: attempts started while another was still running */
    int copies() {
        return copies;
    }

    /** @return failed attempts of any kind: the function's, and the platform's */
    int failures() {
        return failures;
    }

    int countedFailures() {
        return countedFailures;
    }

    String lastError() {
        return lastError;
    }

    long firstDispatchedAt() {
        return firstDispatchedAt;
    }

    long finishedAt() {
        return finishedAt;
    }

    long recordsOut() {
        return recordsOut;
    }

    /** @return how many of the task's records went to the dead-letter topic */
    long deadLettered() {
        return deadLettered;
    }

    void deadLettered(long records) {
        deadLettered += records;
    }

    @Override
    public String toString() {
        return id + " " + state;
    }
}
