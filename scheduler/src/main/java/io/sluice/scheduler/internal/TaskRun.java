package io.sluice.scheduler.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;

import java.util.HashMap;
import java.util.HashSet;
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
    private TaskState state = TaskState.PENDING;
    private int lastAttempt;
    private int countedFailures;
    private int platformFailures;
    private long notBefore;
    private long firstDispatchedAt;
    private long finishedAt;
    private long recordsOut;
    private String lastError;
    private final Map<TaskAttempt, String> running = new HashMap<>();
    private final Map<TaskAttempt, Long> startedAt = new HashMap<>();
    private final Set<String> failedOn = new HashSet<>();

    TaskRun(TaskId id, long batchSequence, PipelineRun pipeline) {
        this.id = id;
        this.batchSequence = batchSequence;
        this.pipeline = pipeline;
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
        moveTo(TaskState.RUNNING);
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

    void succeeded(long recordsOut, long now) {
        moveTo(TaskState.SUCCEEDED);
        this.recordsOut = recordsOut;
        this.finishedAt = now;
    }

    /** Records a failure that counts towards the attempt limit. */
    int countFailure(String runtimeId, String error) {
        failedOn.add(runtimeId);
        lastError = error;
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
        return ++platformFailures;
    }

    void retryAt(long when) {
        notBefore = when;
        if (state == TaskState.RUNNING && running.isEmpty()) {
            moveTo(TaskState.PENDING);
        }
    }

    boolean due(long now) {
        return state == TaskState.PENDING && now >= notBefore;
    }

    Set<String> failedOn() {
        return failedOn;
    }

    int attempts() {
        return lastAttempt;
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

    @Override
    public String toString() {
        return id + " " + state;
    }
}
