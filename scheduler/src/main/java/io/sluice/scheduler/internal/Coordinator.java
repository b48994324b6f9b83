package io.sluice.scheduler.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.CancelTask;
import io.sluice.core.wire.WireMessage.FailureKind;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.sluice.scheduler.SchedulerConfig;
import io.sluice.scheduler.internal.SchedulerEvent.AttemptDone;
import io.sluice.scheduler.internal.SchedulerEvent.AttemptFailed;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCommitted;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCut;
import io.sluice.scheduler.internal.SchedulerEvent.HeartbeatReceived;
import io.sluice.scheduler.internal.SchedulerEvent.IngestTrouble;
import io.sluice.scheduler.internal.SchedulerEvent.PipelineChanged;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeJoined;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeLost;
import io.sluice.scheduler.internal.SchedulerEvent.Tick;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The scheduler's state machine. Every {@link SchedulerEvent} is handled here, on one thread, so
 * pipelines, tasks and runtimes need no locks. After each event, free slots are filled.
 */
final class Coordinator {

    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

    private final SchedulerConfig config;
    private final SluiceNode node;
    private final Clock clock;
    private final Consumer<SchedulerEvent> post;
    private final Executor background;
    private final RetryPolicy retry;
    private final SpeculationPolicy speculation = SpeculationPolicy.DEFAULT;
    /** How long a due task waits for the runtime that holds its transactional producer. */
    private static final Duration LOCALITY_WAIT = Duration.ofMillis(100);
    /** Failed steps after which a bisection dead-letters a failing range whole instead of splitting it. */
    private static final int BISECT_FAILURE_BUDGET = 100;

    private final TaskDispatcher dispatcher = new TaskDispatcher(new ProducerAffinity(new SecureRandom().nextInt()), LOCALITY_WAIT);
    private final Map<String, PipelineRun> pipelines = new HashMap<>();
    private boolean runtimesChanged;
    private long runtimesPublishedAt;

    Coordinator(SchedulerConfig config, SluiceNode node, Clock clock, Consumer<SchedulerEvent> post,
                Executor background) {
        this.config = config;
        this.node = node;
        this.clock = clock;
        this.post = post;
        this.background = background;
        this.retry = new RetryPolicy(config.maxAttempts(), config.retryBackoff(), config.maxRetryBackoff());
    }

    void handle(SchedulerEvent event) {
        if (event instanceof PipelineChanged e) {
            pipelineChanged(e.pipeline());
        } else if (event instanceof BatchCut e) {
            batchCut(e.manifest(), e.recovered());
        } else if (event instanceof AttemptDone e) {
            attemptDone(e.runtimeId(), e.done());
        } else if (event instanceof AttemptFailed e) {
            attemptFailed(e.runtimeId(), e.failed());
        } else if (event instanceof HeartbeatReceived e) {
            dispatcher.runtime(e.runtimeId()).ifPresent(r -> r.seen(clock.millis()));
        } else if (event instanceof RuntimeJoined e) {
            dispatcher.addRuntime(e.session());
            runtimesChanged = true;
            log.info("Runtime {} joined with {} free slot(s)", e.session(), e.session().freeSlots());
        } else if (event instanceof RuntimeLost e) {
            runtimeLost(e.runtimeId(), e.reason());
        } else if (event instanceof BatchCommitted e) {
            log.debug("Batch {}/{} committed", e.pipeline(), e.batchTime());
        } else if (event instanceof IngestTrouble e) {
            withPipeline(e.pipeline(), run -> publish(run, run.progress().withLastError(e.error())));
        } else if (event instanceof Tick) {
            tick();
        }
        long now = clock.millis();
        dispatcher.dispatch(now, (task, attempt, epoch) -> task.pipeline().runTask(task, attempt, epoch));
    }

    // ---- pipelines

    private void pipelineChanged(String name) {
        Optional<PipelineSpec> spec = node.registry().pipeline(name);
        PipelineRun run = pipelines.get(name);
        if (spec.isEmpty()) {
            if (run != null) {
                abandon(run);
            }
        } else if (run == null) {
            start(spec.get());
        } else if (!run.spec().equals(spec.get())) {
            log.info("Pipeline {} is now {}", name, spec.get().state());
            run.update(spec.get());
        }
    }

    /** Starts runs for registry pipelines this scheduler does not run yet, and drops deleted ones. */
    void reconcile() {
        List<String> names = new ArrayList<>();
        node.registry().pipelines().forEach(p -> names.add(p.name()));
        names.forEach(this::pipelineChanged);
        new ArrayList<>(pipelines.keySet()).stream().filter(n -> !names.contains(n)).forEach(this::pipelineChanged);
    }

    private void start(PipelineSpec spec) {
        Optional<FunctionSpec> function = node.registry().function(spec.function(), spec.functionVersion());
        if (function.isEmpty()) {
            log.error("Pipeline {} names function {}@{}, which is not registered; it will not run",
                    spec.name(), spec.function(), spec.functionVersion());
            return;
        }
        Ingest ingest = new Ingest(spec, config.kafkaBootstrap(), node.batchStore(), clock, post);
        PipelineRun run = new PipelineRun(spec, function.get(), ingest,
                node.statusBoard().progress(spec.name()).orElse(PipelineProgress.empty(spec.name())));
        pipelines.put(spec.name(), run);
        recover(run);
        ingest.setPaused(spec.state() == PipelineState.STOPPED);
        ingest.start();
        log.info("Pipeline {} started: {} -> {} -> {}, {} ms batches, {} partitions", spec.name(), spec.inputTopics(),
                function.get().ref(), spec.outputTopic(), spec.batchInterval().toMillis(), spec.partitions());
    }

    /**
     * Picks up the batches a previous scheduler cut and did not commit: their manifests are in the
     * grid, and their tasks run again (an exactly-once task that had committed finds its marker and
     * does nothing). Batches from the first one whose blocks are missing onward are re-read from
     * Kafka by the ingest before it reads anything new.
     */
    private void recover(PipelineRun run) {
        List<BatchManifest> recovered = node.batchStore().manifests(run.name());
        if (recovered.isEmpty()) {
            return;
        }
        int firstIncomplete = 0;
        while (firstIncomplete < recovered.size() && node.batchStore().hasBlocks(recovered.get(firstIncomplete))) {
            firstIncomplete++;
        }
        run.ingest().recover(recovered, recovered.subList(firstIncomplete, recovered.size()));
        recovered.subList(0, firstIncomplete).forEach(m -> batchCut(m, true));
        log.info("Pipeline {}: recovered {} uncommitted batch(es) from the grid, {} to re-read from Kafka", run.name(),
                recovered.size(), recovered.size() - firstIncomplete);
    }

    private void abandon(PipelineRun run) {
        pipelines.remove(run.name());
        for (TaskRun task : run.tasks().values()) {
            dispatcher.withdraw(task);
            for (TaskAttempt attempt : List.copyOf(task.running().keySet())) {
                cancel(task, attempt);
            }
            if (!task.state().isFinal()) {
                task.moveTo(TaskState.ABANDONED);
            }
        }
        List<BatchManifest> batches = new ArrayList<>();
        run.commits().batches().forEach(b -> batches.add(b.manifest));
        background.execute(() -> {
            run.ingest().close();
            batches.forEach(node.batchStore()::removeBatch);
            node.statusBoard().forget(run.name());
        });
        log.info("Pipeline {} deleted; {} batch(es) in flight abandoned", run.name(), batches.size());
    }

    // ---- batches and tasks

    /** @param recovered whether a previous scheduler cut the batch, so its tasks may have committed */
    private void batchCut(BatchManifest manifest, boolean recovered) {
        PipelineRun run = pipelines.get(manifest.pipeline());
        if (run == null) {
            background.execute(() -> node.batchStore().removeBatch(manifest));
            return;
        }
        List<TaskRun> tasks = new ArrayList<>(manifest.partitions());
        for (TaskId id : manifest.tasks()) {
            TaskRun task = new TaskRun(id, manifest.sequence(), run,
                    run.transactionalId(id.partition(), manifest.sequence(), config.maxBatchesInFlight()), recovered,
                    manifest.recordsPerPartition().get(id.partition()));
            tasks.add(task);
            run.tasks().put(id, task);
        }
        run.commits().add(new CommitTracker.BatchRun(manifest, tasks));
        release(run);
        commitReady(run);
    }

    /**
     * Hands the tasks of the oldest {@code maxBatchesInFlight} uncommitted batches to the
     * dispatcher; later batches wait for earlier ones to commit. Tasks with nothing to read
     * succeed at once.
     */
    private void release(PipelineRun run) {
        long now = clock.millis();
        int position = 0;
        for (CommitTracker.BatchRun batch : run.commits().batches()) {
            if (position++ >= config.maxBatchesInFlight()) {
                return;
            }
            if (batch.released) {
                continue;
            }
            batch.released = true;
            for (TaskRun task : batch.tasks) {
                if (batch.manifest.recordsPerPartition().get(task.id().partition()) == 0) {
                    task.succeeded(now);
                    run.commits().taskSucceeded(batch.manifest.batchTime());
                } else {
                    dispatcher.submit(task, now);
                }
            }
        }
    }

    private void attemptDone(String runtimeId, TaskDone done) {
        TaskAttempt attempt = done.attempt();
        dispatcher.runtime(runtimeId).ifPresent(r -> r.finished(attempt, true));
        TaskRun task = task(attempt.task());
        if (task == null || task.state().isFinal() || task.runtimeOf(attempt) == null) {
            log.debug("Ignoring DONE of {} from {}: not a live attempt", attempt, runtimeId);
            return;
        }
        task.drop(attempt);
        for (TaskAttempt other : List.copyOf(task.running().keySet())) {
            cancel(task, other);
        }
        dispatcher.withdraw(task);
        task.output(done.recordsOut());
        task.took((done.readNanos() + done.runNanos() + done.writeNanos()) / 1_000_000);
        long now = clock.millis();
        BisectPlan bisection = task.bisection();
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
        PipelineRun run = task.pipeline();
        run.commits().taskSucceeded(attempt.task().batchTime());
        commitReady(run);
    }

    private void attemptFailed(String runtimeId, TaskFailed failed) {
        TaskAttempt attempt = failed.attempt();
        dispatcher.runtime(runtimeId).ifPresent(r -> r.finished(attempt, false));
        TaskRun task = task(attempt.task());
        if (task == null || task.state().isFinal() || task.runtimeOf(attempt) == null) {
            return;
        }
        task.drop(attempt);
        String error = failed.errorClass() + (failed.message() == null ? "" : ": " + failed.message());
        if (failed.kind() == FailureKind.PLATFORM) {
            // Kafka or the data grid is unwell, not the function: retry for as long as it takes,
            // backing off, and never dead-letter good records because a broker restarted.
            int failures = task.platformFailure(runtimeId, error);
            log.warn("Attempt {} failed on {} (platform failure {} in a row, retrying): {}", attempt, runtimeId, failures, error);
            if (task.running().isEmpty()) {
                task.retryAt(clock.millis() + retry.backoff(failures).toMillis());
                dispatcher.submit(task, clock.millis());
            }
            return;
        }
        int failures = task.countFailure(runtimeId, error, failed.kind());
        log.info("Attempt {} failed on {} ({} failure {} of {}): {}", attempt, runtimeId, failed.kind(), failures,
                retry.maxAttempts(), error);
        retryOrGiveUp(task);
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
            boolean cannotStart = task.lastFailureKind() == FailureKind.SETUP;
            task.bisect(cannotStart ? BisectPlan.deadLetterAll(0, task.records())
                    : BisectPlan.after(0, task.records(), BISECT_FAILURE_BUDGET));
            log.warn("Task {} failed {} time(s); {} (last error: {})", task.id(), failures,
                    cannotStart ? "the function cannot start, so its records go to the dead-letter topic"
                            : "bisecting its " + task.records() + " record(s) to dead-letter only those it fails on",
                    task.lastError());
            task.retryAt(now);
        }
        dispatcher.submit(task, now);
    }

    private void commitReady(PipelineRun run) {
        PipelineProgress progress = run.progress();
        List<CommitTracker.BatchRun> ready;
        while (!(ready = run.commits().drainCommittable()).isEmpty()) {
            for (CommitTracker.BatchRun batch : ready) {
                run.ingest().commit(batch.manifest);
                batch.tasks.forEach(t -> run.tasks().remove(t.id()));
                progress = progress.plus(batch.info());
            }
            release(run);
        }
        publish(run, progress.withPending(run.commits().size()));
    }

    // ---- runtimes and time

    private void runtimeLost(String runtimeId, String reason) {
        Optional<RuntimeSession> lost = dispatcher.removeRuntime(runtimeId);
        if (lost.isEmpty()) {
            return;
        }
        runtimesChanged = true;
        RuntimeSession session = lost.get();
        if (RuntimeLost.LEFT.equals(reason) && session.running().isEmpty()) {
            log.info("Runtime {} left", session);
        } else {
            log.warn("Runtime {} lost ({}); re-queueing its {} running attempt(s)", session, reason, session.running().size());
        }
        for (TaskAttempt attempt : List.copyOf(session.running())) {
            TaskRun task = task(attempt.task());
            if (task != null && task.runtimeOf(attempt) != null) {
                task.drop(attempt);
                if (task.running().isEmpty() && !task.state().isFinal()) {
                    task.retryAt(clock.millis());
                    dispatcher.submit(task, clock.millis());
                }
            }
        }
        session.close();
    }

    private void tick() {
        long now = clock.millis();
        for (RuntimeSession r : List.copyOf(dispatcher.runtimes())) {
            if (now - r.lastSeen() > config.runtimeTimeout().toMillis()) {
                runtimeLost(r.id(), "no heartbeat for " + (now - r.lastSeen()) + " ms");
            }
        }
        for (PipelineRun run : pipelines.values()) {
            for (TaskRun task : run.tasks().values()) {
                for (TaskAttempt attempt : List.copyOf(task.running().keySet())) {
                    if (now - task.startedAt(attempt) > config.taskTimeout().toMillis()) {
                        String runtime = task.runtimeOf(attempt);
                        cancel(task, attempt);
                        task.countFailure(runtime, "timed out after " + config.taskTimeout().toMillis() + " ms",
                                FailureKind.USER);
                        retryOrGiveUp(task);
                    }
                }
            }
        }
        speculate(now);
        if (runtimesChanged || now - runtimesPublishedAt > 1000) {
            runtimesChanged = false;
            runtimesPublishedAt = now;
            node.statusBoard().publishRuntimes(dispatcher.runtimes().stream().map(RuntimeSession::info).toList());
        }
    }

    /**
     * Gives each straggler of a released batch a copy on another runtime; the first attempt to
     * finish wins and the other is cancelled. Under exactly-once output both share the task's
     * transactional id and marker, and each computes before it takes the id, so the output is
     * written once whichever wins. Tasks being bisected are never copied.
     */
    private void speculate(long now) {
        for (PipelineRun run : pipelines.values()) {
            if (!run.spec().speculation()) {
                continue;
            }
            for (CommitTracker.BatchRun batch : run.commits().batches()) {
                if (!batch.released) {
                    break;
                }
                speculate(batch, now);
            }
        }
    }

    private void speculate(CommitTracker.BatchRun batch, long now) {
        int tasks = 0;
        int finished = 0;
        long[] durations = new long[batch.tasks.size()];
        for (TaskRun t : batch.tasks) {
            if (t.records() > 0) {
                tasks++;
                if (t.durationMillis() >= 0) {
                    durations[finished++] = t.durationMillis();
                }
            }
        }
        long[] done = java.util.Arrays.copyOf(durations, finished);
        for (TaskRun t : batch.tasks) {
            TaskAttempt only = t.soleAttempt();
            if (only == null || t.bisection() != null || t.state() != TaskState.RUNNING) {
                continue;
            }
            long running = now - t.startedAt(only);
            if (!t.copyWanted() && t.attempts() < 2 * Math.max(1, retry.maxAttempts())
                    && speculation.isStraggler(done, tasks, running)) {
                log.info("Task {} has run {} ms on {}, against a median of {} ms for its batch: queueing a speculative copy",
                        t.id(), running, t.runtimeOf(only), (long) SpeculationPolicy.median(done));
                t.wantCopy();
                dispatcher.submit(t, now);
            }
        }
    }

    private void cancel(TaskRun task, TaskAttempt attempt) {
        String runtimeId = task.runtimeOf(attempt);
        task.drop(attempt);
        dispatcher.runtime(runtimeId).ifPresent(r -> {
            r.finished(attempt, false);
            r.send(new CancelTask(attempt));
        });
    }

    private TaskRun task(TaskId id) {
        PipelineRun run = pipelines.get(id.pipeline());
        return run == null ? null : run.tasks().get(id);
    }

    private void withPipeline(String name, Consumer<PipelineRun> action) {
        PipelineRun run = pipelines.get(name);
        if (run != null) {
            action.accept(run);
        }
    }

    private void publish(PipelineRun run, PipelineProgress progress) {
        run.progress(progress);
        node.statusBoard().publish(progress);
    }

    /** Stops every pipeline's ingest; called once when the scheduler closes. */
    void shutdown() {
        pipelines.values().forEach(run -> run.ingest().close());
        pipelines.clear();
    }
}
