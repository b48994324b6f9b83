package io.sluice.scheduler.internal;

import io.sluice.core.store.MissingBlockException;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.CancelTask;
import io.sluice.core.wire.WireMessage.FailureKind;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Decides what happens to a task after each attempt: success, a retry with backoff, a bisection
 * once attempts run out, a cancel when it runs past its timeout, a speculative copy when it
 * straggles. Runs on the scheduler thread; it changes task state and queues work on the
 * {@link TaskDispatcher}, never anything else.
 */
final class TaskSupervisor {

    private static final Logger log = LoggerFactory.getLogger(TaskSupervisor.class);
    /** Failed steps after which a bisection dead-letters a failing range whole instead of splitting it. */
    static final int BISECT_FAILURE_BUDGET = 100;
    private static final String MISSING_BLOCK = MissingBlockException.class.getName();

    private final TaskDispatcher dispatcher;
    private final RetryPolicy retry;
    private final SpeculationPolicy speculation;
    private final Duration taskTimeout;
    private final Clock clock;
    private final Function<TaskId, TaskRun> tasks;
    private final Consumer<TaskRun> succeeded;
    private final SchedulerMetrics metrics;

    /**
     * @param tasks     finds the live task of an id, or null
     * @param succeeded told when a task has succeeded, to commit its batch when it can
     */
    TaskSupervisor(TaskDispatcher dispatcher, RetryPolicy retry, SpeculationPolicy speculation, Duration taskTimeout,
                   SchedulerMetrics metrics, Clock clock, Function<TaskId, TaskRun> tasks, Consumer<TaskRun> succeeded) {
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.retry = retry;
        this.speculation = speculation;
        this.taskTimeout = taskTimeout;
        this.clock = clock;
        this.tasks = tasks;
        this.succeeded = succeeded;
    }

    void attemptDone(String runtimeId, TaskDone done) {
        TaskAttempt attempt = done.attempt();
        dispatcher.runtime(runtimeId).ifPresent(r -> r.finished(attempt, true));
        TaskRun task = tasks.apply(attempt.task());
        if (task == null || task.state().isFinal() || task.runtimeOf(attempt) == null) {
            log.debug("Ignoring DONE of {} from {}: not a live attempt", attempt, runtimeId);
            return;
        }
        metrics.attempt(task.pipeline().name(), SchedulerMetrics.Outcome.SUCCEEDED);
        long now = clock.millis();
        long observed = now - task.startedAt(attempt);
        task.drop(attempt);
        for (TaskAttempt other : List.copyOf(task.running().keySet())) {
            cancel(task, other);
        }
        dispatcher.withdraw(task);
        BisectPlan bisection = task.bisection();
        if (!task.lastStage() && (bisection == null || !bisection.current().deadLetter())) {
            task.wrote(new TaskRun.ShufflePart(task.shuffleKey(), done.shuffled()));
        } else {
            task.output(done.recordsOut());
        }
        task.took(observed);
        if (bisection != null) {
            BisectPlan.Step step = bisection.current();
            bisection.succeeded();
            if (step.deadLetter()) {
                task.deadLettered(step.size());
                log.warn("Task {}: {} record(s) [{}, {}) written to dead-letter topic {}: {}", task.id(), step.size(),
                        step.from(), step.until(), task.pipeline().deadLetterTopic(), task.deadLetterReason());
            }
            if (!bisection.done()) {
                task.retryAt(now);
                dispatcher.submit(task, now);
                return;
            }
        }
        task.succeeded(now);
        succeeded.accept(task);
    }

    void attemptFailed(String runtimeId, TaskFailed failed) {
        TaskAttempt attempt = failed.attempt();
        dispatcher.runtime(runtimeId).ifPresent(r -> r.finished(attempt, false));
        TaskRun task = tasks.apply(attempt.task());
        if (task == null || task.state().isFinal() || task.runtimeOf(attempt) == null) {
            return;
        }
        task.drop(attempt);
        String error = failed.errorClass() + (failed.message() == null ? "" : ": " + failed.message());
        boolean missing = failed.kind() == FailureKind.PLATFORM && MISSING_BLOCK.equals(failed.errorClass());
        metrics.attempt(task.pipeline().name(), missing ? SchedulerMetrics.Outcome.MISSING_BLOCK
                : failed.kind() == FailureKind.PLATFORM ? SchedulerMetrics.Outcome.PLATFORM_FAILURE
                : SchedulerMetrics.Outcome.FAILED);
        if (missing) {
            if (task.stage() > 0) {
                shuffleBlockMissing(task, attempt, runtimeId, error);
            } else {
                blockMissing(task, attempt, runtimeId, error);
            }
            return;
        }
        if (failed.kind() == FailureKind.PLATFORM) {
            platformFailure(task, attempt, runtimeId, error);
            return;
        }
        int failures = task.countFailure(runtimeId, error, failed.kind());
        log.info("Attempt {} failed on {} ({} failure {} of {}): {}", attempt, runtimeId, failed.kind(), failures,
                retry.maxAttempts(), error);
        retryOrGiveUp(task);
    }

    /**
     * The task's block is gone from the grid (lost with the members that held it, or evicted):
     * retrying would fail forever. The task waits while its batch is read again from Kafka by the
     * offset ranges of its manifest, asked for once per batch; if its records cannot be read again
     * either, it is given up.
     */
    private void blockMissing(TaskRun task, TaskAttempt attempt, String runtimeId, String error) {
        if (!task.running().isEmpty()) {
            return;
        }
        PipelineRun run = task.pipeline();
        long batchTime = task.id().batchTime();
        String lost = run.lostReason(batchTime);
        if (lost != null) {
            giveUp(task, lost);
            return;
        }
        CommitTracker.BatchRun batch = run.commits().batch(batchTime);
        if (batch == null) {
            platformFailure(task, attempt, runtimeId, error);
            return;
        }
        task.retryAt(Long.MAX_VALUE); // until the rebuild says how it went
        dispatcher.submit(task, clock.millis());
        if (run.startRebuild(batchTime)) {
            log.warn("Task {} on {}: {}; recomputing batch {} from its offset ranges", task.id(), runtimeId, error, batchTime);
            run.ingest().rebuildLost(batch.manifest);
        }
    }

    /**
     * A shuffle block the task reads is gone (lost with the members that held it): the task of
     * the stage before that wrote it runs again (lineage), and this task waits until that stage
     * is done again. Recomputing from the same input writes the same block.
     */
    private void shuffleBlockMissing(TaskRun task, TaskAttempt attempt, String runtimeId, String error) {
        PipelineRun run = task.pipeline();
        CommitTracker.BatchRun batch = run.commits().batch(task.id().batchTime());
        TaskRun producer = batch == null ? null : producerOf(batch.stage(task.stage() - 1), failedMessage(error));
        if (producer == null) {
            platformFailure(task, attempt, runtimeId, error);
            return;
        }
        if (!task.running().isEmpty()) {
            return; // a copy still runs; it will find the same
        }
        long now = clock.millis();
        task.waitingForInput(true);
        task.retryAt(Long.MAX_VALUE); // until the stage before is done again
        if (producer.state() == TaskState.SUCCEEDED) {
            log.warn("Task {} on {}: {}; running {} again to recompute it", task.id(), runtimeId, error, producer.id());
            producer.reopen(now);
            run.commits().taskReopened(producer);
            dispatcher.submit(producer, now);
            // No task of this stage may start before the block is back: it would read the stage's
            // output without it. Attempts already running read every block or fail like this one.
            for (TaskRun sibling : batch.stage(task.stage())) {
                if (!sibling.state().isFinal()) {
                    sibling.waitingForInput(true);
                }
            }
        }
    }

    private static String failedMessage(String error) {
        return error == null ? "" : error;
    }

    /**
     * @return the task whose shuffle block the error names (its own key, or one of its bisection
     *     steps', {@code key@from-until}), or null
     */
    private static TaskRun producerOf(List<TaskRun> stage, String error) {
        for (TaskRun t : stage) {
            String key = t.id().shuffleKey();
            if (error.contains(MissingBlockException.quoted(key)) || error.contains("'" + key + "@")) {
                return t;
            }
        }
        return null;
    }

    /** The batch's blocks are back: its tasks that waited for them run again. */
    void blocksRebuilt(PipelineRun run, long batchTime) {
        run.rebuilt(batchTime);
        long now = clock.millis();
        forWaiting(run, batchTime, task -> {
            task.retryAt(now);
            dispatcher.submit(task, now);
        });
    }

    /** The batch's records are gone for good: its tasks that need them are given up, so later batches commit. */
    void blocksLost(PipelineRun run, long batchTime, String reason) {
        run.lost(batchTime, reason);
        forWaiting(run, batchTime, task -> giveUp(task, reason));
    }

    private void forWaiting(PipelineRun run, long batchTime, Consumer<TaskRun> action) {
        CommitTracker.BatchRun batch = run.commits().batch(batchTime);
        if (batch == null) {
            return;
        }
        for (TaskRun task : List.copyOf(batch.stage(0))) { // only stage 0 reads input blocks
            if (!task.state().isFinal() && task.running().isEmpty()) {
                action.accept(task);
            }
        }
    }

    private void giveUp(TaskRun task, String reason) {
        dispatcher.withdraw(task);
        log.error("Task {} given up: {}", task.id(), reason);
        task.output(0);
        task.succeeded(clock.millis());
        succeeded.accept(task);
    }

    /**
     * Kafka or the data grid is unwell, not the function: retry for as long as it takes, backing
     * off, and never dead-letter good records because a broker restarted.
     */
    private void platformFailure(TaskRun task, TaskAttempt attempt, String runtimeId, String error) {
        int failures = task.platformFailure(runtimeId, error);
        log.warn("Attempt {} failed on {} (platform failure {} in a row, retrying): {}", attempt, runtimeId, failures, error);
        if (task.running().isEmpty()) {
            task.retryAt(clock.millis() + retry.backoff(failures).toMillis());
            dispatcher.submit(task, clock.millis());
        }
    }

    /**
     * After a counted failure: retry with backoff while attempts remain; then bisect the block so
     * that only the records the function fails on are dead-lettered (or dead-letter it whole if
     * the function cannot even start); during a bisection, the failed step is split further.
     */
    private void retryOrGiveUp(TaskRun task) {
        if (!task.running().isEmpty()) {
            return;
        }
        long now = clock.millis();
        int failures = task.countedFailures();
        BisectPlan bisection = task.bisection();
        if (bisection != null) {
            bisection.failed();
            task.retryAt(now);
        } else if (retry.shouldRetry(failures)) {
            task.retryAt(now + retry.backoff(failures).toMillis());
        } else {
            // A stateful task commits its partition whole (its keys fail one by one inside it), so it is
            // never bisected: its input goes to the dead-letter topic, and its state stays as it was.
            boolean cannotStart = task.lastFailureKind() == FailureKind.SETUP || task.stateful();
            task.bisect(cannotStart ? BisectPlan.deadLetterAll(0, task.records())
                    : BisectPlan.after(0, task.records(), BISECT_FAILURE_BUDGET));
            log.warn("Task {} failed {} time(s); {} (last error: {})", task.id(), failures,
                    task.stateful() ? "its stage keeps state, so its records go to the dead-letter topic whole"
                            : cannotStart ? "the function cannot start, so its records go to the dead-letter topic"
                            : "bisecting its " + task.records() + " record(s) to dead-letter only those it fails on",
                    task.lastError());
            task.retryAt(now);
        }
        dispatcher.submit(task, now);
    }

    /**
     * Cancels attempts that have run past the task timeout. One that its runtime's last heartbeat
     * placed outside the function (reading, writing, waiting for the grid) is the platform's and is
     * retried without counting; any other counts as a failure of the task, and may end in bisection.
     */
    void checkTimeouts(Iterable<PipelineRun> pipelines, long now) {
        for (PipelineRun run : pipelines) {
            for (TaskRun task : run.tasks().values()) {
                for (TaskAttempt attempt : List.copyOf(task.running().keySet())) {
                    if (now - task.startedAt(attempt) > taskTimeout.toMillis()) {
                        String runtime = task.runtimeOf(attempt);
                        boolean inFunction = !dispatcher.runtime(runtime).map(r -> r.outsideFunction(attempt)).orElse(false);
                        cancel(task, attempt);
                        String error = "timed out after " + taskTimeout.toMillis() + " ms "
                                + (inFunction ? "in the function" : "outside the function (reading, writing or waiting)");
                        if (inFunction) {
                            task.countFailure(runtime, error, FailureKind.USER);
                            retryOrGiveUp(task);
                        } else {
                            platformFailure(task, attempt, runtime, error);
                        }
                    }
                }
            }
        }
    }

    /**
     * Gives each straggler of a released batch a copy on another runtime; the first attempt to
     * finish wins and the other is cancelled. Under exactly-once output both share the task's
     * transactional id and marker, and each computes before it takes the id, so the output is
     * written once whichever wins. Tasks being bisected are never copied.
     */
    void speculate(Iterable<PipelineRun> pipelines, long now) {
        for (PipelineRun run : pipelines) {
            if (!run.spec().speculation()) {
                continue;
            }
            for (CommitTracker.BatchRun batch : run.commits().batches()) {
                if (!batch.released) {
                    break;
                }
                for (int stage = 0; stage < batch.releasedStages(); stage++) {
                    speculate(batch.stage(stage), now);
                }
            }
        }
    }

    /** Speculates within one stage of a batch: its tasks are each other's siblings. */
    private void speculate(List<TaskRun> stage, long now) {
        int running = 0;
        int finished = 0;
        long[] durations = new long[stage.size()];
        for (TaskRun t : stage) {
            if (t.records() > 0) {
                running++;
                if (t.durationMillis() >= 0) {
                    durations[finished++] = t.durationMillis();
                }
            }
        }
        long[] done = Arrays.copyOf(durations, finished);
        for (TaskRun t : stage) {
            TaskAttempt only = t.soleAttempt();
            if (only == null || t.bisection() != null || t.state() != TaskState.RUNNING || t.copyWanted()
                    || t.attempts() >= 2 * retry.maxAttempts()) {
                continue;
            }
            long elapsed = now - t.startedAt(only);
            if (speculation.isStraggler(done, running, elapsed)) {
                log.info("Task {} has run {} ms on {}, against a median of {} ms for its batch: queueing a speculative copy",
                        t.id(), elapsed, t.runtimeOf(only), (long) SpeculationPolicy.median(done));
                t.wantCopy();
                dispatcher.submit(t, now);
            }
        }
    }

    /** Stops an attempt: the runtime is told to cancel it, and its result will be ignored. */
    void cancel(TaskRun task, TaskAttempt attempt) {
        String runtimeId = task.runtimeOf(attempt);
        task.drop(attempt);
        metrics.attempt(task.pipeline().name(), SchedulerMetrics.Outcome.CANCELLED);
        dispatcher.runtime(runtimeId).ifPresent(r -> {
            r.finished(attempt, false);
            r.send(new CancelTask(attempt));
        });
    }
}
