package io.sluice.scheduler.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.scheduler.SchedulerConfig;
import io.sluice.scheduler.internal.SchedulerEvent.AttemptDone;
import io.sluice.scheduler.internal.SchedulerEvent.AttemptFailed;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCommitted;
import io.sluice.scheduler.internal.SchedulerEvent.BatchCut;
import io.sluice.scheduler.internal.SchedulerEvent.HeartbeatReceived;
import io.sluice.scheduler.internal.SchedulerEvent.IngestTrouble;
import io.sluice.scheduler.internal.SchedulerEvent.PipelineChanged;
import io.sluice.scheduler.internal.SchedulerEvent.PipelineLoaded;
import io.sluice.scheduler.internal.SchedulerEvent.Reconcile;
import io.sluice.scheduler.internal.SchedulerEvent.RegistryScanned;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeJoined;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeReady;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeLost;
import io.sluice.scheduler.internal.SchedulerEvent.Tick;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The scheduler's state machine. Every {@link SchedulerEvent} is handled here, on one thread, so
 * pipelines, tasks and runtimes need no locks. It runs the pipelines' lifecycle and their batches
 * from cut to commit; attempt outcomes go to the {@link TaskSupervisor} and runtime liveness to the
 * {@link RuntimeMonitor}. After each event, free slots are filled. Nothing here waits for the data
 * grid: reads come back as events from the {@link PipelineLoader}, and writes go out through the
 * {@link StatusPublisher}.
 */
final class Coordinator {

    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);
    /** How long a due task waits for the runtime that holds its transactional producer. */
    private static final Duration LOCALITY_WAIT = Duration.ofMillis(100);

    private final SchedulerConfig config;
    private final SluiceNode node;
    private final Clock clock;
    private final Consumer<SchedulerEvent> post;
    private final Executor cleanup;
    private final PipelineLoader loader;
    private final StatusPublisher status;
    private final TaskDispatcher dispatcher = new TaskDispatcher(new ProducerAffinity(new SecureRandom().nextInt()), LOCALITY_WAIT);
    private final TaskSupervisor supervisor;
    private final RuntimeMonitor runtimes;
    private final Map<String, PipelineRun> pipelines = new HashMap<>();
    private final BooleanSupplier active;
    private final SchedulerMetrics metrics;

    /**
     * @param grid    runs the scheduler's reads and writes of the data grid, one at a time
     * @param cleanup runs slow clean-up (closing a deleted pipeline's ingest)
     * @param active  whether this scheduler still holds the scheduler lease; once it does not, it
     *                handles no event, and its ingests neither store nor commit
     */
    Coordinator(SchedulerConfig config, SluiceNode node, Clock clock, Consumer<SchedulerEvent> post, Executor grid,
                Executor cleanup, BooleanSupplier active, SchedulerMetrics metrics) {
        this.active = active;
        this.metrics = metrics;
        this.config = config;
        this.node = node;
        this.clock = clock;
        this.post = post;
        this.cleanup = cleanup;
        this.loader = new PipelineLoader(node, grid, post);
        this.status = new StatusPublisher(node.statusBoard(), grid);
        RetryPolicy retry = new RetryPolicy(config.maxAttempts(), config.retryBackoff(), config.maxRetryBackoff());
        this.supervisor = new TaskSupervisor(dispatcher, retry, SpeculationPolicy.DEFAULT, config.taskTimeout(), metrics,
                clock, this::task, this::taskSucceeded);
        this.runtimes = new RuntimeMonitor(dispatcher, config.runtimeTimeout(), this::task, status, metrics);
    }

    void handle(SchedulerEvent event) {
        if (!active.getAsBoolean()) {
            log.debug("Not the active scheduler; ignoring {}", event);
            return;
        }
        long now = clock.millis();
        if (event instanceof PipelineChanged e) {
            loader.load(e.pipeline(), !pipelines.containsKey(e.pipeline()));
        } else if (event instanceof PipelineLoaded e) {
            pipelineLoaded(e.pipeline());
        } else if (event instanceof Reconcile) {
            loader.scan();
        } else if (event instanceof RegistryScanned e) {
            reconcile(e.pipelines());
        } else if (event instanceof BatchCut e) {
            batchCut(e.manifest(), e.recovered());
        } else if (event instanceof AttemptDone e) {
            supervisor.attemptDone(e.runtimeId(), e.done());
        } else if (event instanceof AttemptFailed e) {
            supervisor.attemptFailed(e.runtimeId(), e.failed());
        } else if (event instanceof HeartbeatReceived e) {
            runtimes.heartbeat(e, now);
        } else if (event instanceof RuntimeReady e) {
            runtimes.ready(e.runtimeId());
        } else if (event instanceof RuntimeJoined e) {
            runtimes.joined(e.session());
        } else if (event instanceof RuntimeLost e) {
            runtimes.lost(e.runtimeId(), e.reason(), now);
        } else if (event instanceof SchedulerEvent.BlocksRebuilt e) {
            PipelineRun run = pipelines.get(e.pipeline());
            if (run != null) {
                supervisor.blocksRebuilt(run, e.batchTime());
            }
        } else if (event instanceof SchedulerEvent.BlocksLost e) {
            PipelineRun run = pipelines.get(e.pipeline());
            if (run != null) {
                publish(run, run.progress().withLastError(e.reason()));
                supervisor.blocksLost(run, e.batchTime(), e.reason());
            }
        } else if (event instanceof BatchCommitted e) {
            log.debug("Batch {}/{} committed", e.pipeline(), e.batchTime());
        } else if (event instanceof IngestTrouble e) {
            PipelineRun run = pipelines.get(e.pipeline());
            if (run != null) {
                publish(run, run.progress().withLastError(e.error()));
            }
        } else if (event instanceof Tick) {
            runtimes.check(now);
            supervisor.checkTimeouts(pipelines.values(), now);
            supervisor.speculate(pipelines.values(), now);
        }
        dispatcher.dispatch(clock.millis(), (task, attempt, epoch) -> task.pipeline().runTask(task, attempt, epoch));
    }

    // ---- pipelines

    private void pipelineLoaded(PipelineLoader.Loaded loaded) {
        PipelineRun run = pipelines.get(loaded.name());
        if (loaded.spec().isEmpty()) {
            if (run != null) {
                abandon(run);
            }
        } else if (run == null) {
            start(loaded);
        } else if (!run.spec().equals(loaded.spec().get())) {
            log.info("Pipeline {} is now {}", loaded.name(), loaded.spec().get().state());
            run.update(loaded.spec().get());
        }
    }

    /** Starts pipelines the registry has and this scheduler does not run, and drops deleted ones. */
    private void reconcile(List<String> inRegistry) {
        Set<String> names = new HashSet<>(inRegistry);
        names.stream().filter(n -> !pipelines.containsKey(n)).forEach(n -> loader.load(n, true));
        pipelines.keySet().stream().filter(n -> !names.contains(n)).forEach(n -> loader.load(n, false));
    }

    private void start(PipelineLoader.Loaded loaded) {
        PipelineSpec spec = loaded.spec().orElseThrow();
        if (loaded.function().isEmpty()) {
            log.error("Pipeline {} names function {}@{}, which is not registered; it will not run",
                    spec.name(), spec.function(), spec.functionVersion());
            status.publish(loaded.progress().withLastError("function " + spec.function() + " version " + spec.functionVersion()
                    + " is not registered; the pipeline will not run"));
            return;
        }
        FunctionSpec function = loaded.function().get();
        Ingest ingest = new Ingest(spec, config.kafkaBootstrap(), node.batchStore(), clock, post,
                config.maxBatchesInFlight(), config.ingestLimits(), active);
        PipelineRun run = new PipelineRun(spec, function, ingest, loaded.progress());
        pipelines.put(spec.name(), run);
        recover(run, loaded.recovered(), loaded.withBlocks());
        ingest.setPaused(spec.state() == PipelineState.STOPPED);
        ingest.start();
        publish(run, run.progress().startedAt(clock.millis()));
        log.info("Pipeline {} started: {} -> {} -> {}, {} ms batches, {} partitions", spec.name(), spec.inputTopics(),
                function.ref(), spec.outputTopic(), spec.batchInterval().toMillis(), spec.partitions());
    }

    /**
     * Picks up the batches a previous scheduler cut and did not commit: their manifests are in the
     * grid, and their tasks run again (an exactly-once task that had committed finds its marker and
     * does nothing). Batches from the first one whose blocks are missing onward are re-read from
     * Kafka by the ingest before it reads anything new.
     */
    private void recover(PipelineRun run, List<BatchManifest> recovered, int withBlocks) {
        if (recovered.isEmpty()) {
            return;
        }
        run.ingest().recover(recovered, recovered.subList(withBlocks, recovered.size()));
        recovered.subList(0, withBlocks).forEach(m -> batchCut(m, true));
        log.info("Pipeline {}: recovered {} uncommitted batch(es) from the grid, {} to re-read from Kafka", run.name(),
                recovered.size(), recovered.size() - withBlocks);
    }

    private void abandon(PipelineRun run) {
        pipelines.remove(run.name());
        for (TaskRun task : run.tasks().values()) {
            dispatcher.withdraw(task);
            for (TaskAttempt attempt : List.copyOf(task.running().keySet())) {
                supervisor.cancel(task, attempt);
            }
            if (!task.state().isFinal()) {
                task.moveTo(TaskState.ABANDONED);
            }
        }
        List<BatchManifest> batches = new ArrayList<>();
        run.commits().batches().forEach(b -> batches.add(b.manifest));
        status.forget(run.name());
        cleanup.execute(() -> {
            run.ingest().close();
            batches.forEach(node.batchStore()::removeBatch);
        });
        log.info("Pipeline {} deleted; {} batch(es) in flight abandoned", run.name(), batches.size());
    }

    // ---- batches

    /** @param recovered whether a previous scheduler cut the batch, so its tasks may have committed */
    private void batchCut(BatchManifest manifest, boolean recovered) {
        PipelineRun run = pipelines.get(manifest.pipeline());
        if (run == null) {
            loader.execute(() -> node.batchStore().removeBatch(manifest));
            return;
        }
        List<TaskRun> tasks = new ArrayList<>(manifest.partitions());
        for (int stage = 0; stage < manifest.stages(); stage++) {
            boolean last = stage == manifest.stages() - 1;
            for (TaskId id : manifest.tasks(stage)) {
                TaskRun task = new TaskRun(id, manifest.sequence(), run,
                        run.transactionalId(stage, id.partition(), manifest.sequence(), config.maxBatchesInFlight()),
                        recovered, stage == 0 ? manifest.recordsPerPartition().get(id.partition()) : 0, last);
                tasks.add(task);
                run.tasks().put(id, task);
            }
        }
        run.commits().add(new CommitTracker.BatchRun(manifest, tasks));
        release(run);
        commitReady(run);
    }

    /**
     * Hands the stage-0 tasks of the oldest {@code maxBatchesInFlight} uncommitted batches to the
     * dispatcher; later batches wait for earlier ones to commit. Within a released batch, each
     * stage goes once every task of the stage before has succeeded. Tasks with nothing to read
     * succeed at once.
     */
    private void release(PipelineRun run) {
        int position = 0;
        for (CommitTracker.BatchRun batch : run.commits().batches()) {
            if (position++ >= config.maxBatchesInFlight()) {
                return;
            }
            if (!batch.released) {
                batch.released = true;
                releaseStage(run, batch, 0);
            }
        }
    }

    /** Releases the next stage of a batch if the one before is done, or hands waiting tasks their rewritten input. */
    private void releaseNextStage(PipelineRun run, CommitTracker.BatchRun batch, int doneStage) {
        int next = doneStage + 1;
        if (!batch.released || next >= batch.stageCount() || !batch.stageDone(doneStage)) {
            return;
        }
        if (batch.releasedStages() <= next) {
            releaseStage(run, batch, next);
            return;
        }
        long now = clock.millis();
        for (TaskRun task : batch.stage(next)) {
            if (task.waitingForInput()) {
                task.waitingForInput(false);
                task.records(PipelineRun.inputRecords(batch, task));
                task.retryAt(now);
                dispatcher.submit(task, now);
            }
        }
    }

    private void releaseStage(PipelineRun run, CommitTracker.BatchRun batch, int stage) {
        long now = clock.millis();
        batch.stageReleased(stage);
        CommitTracker.BatchRun before = run.commits().before(batch.manifest.batchTime());
        for (TaskRun task : batch.stage(stage)) {
            if (stage > 0) {
                task.records(PipelineRun.inputRecords(batch, task));
            }
            if (task.stateful()) {
                // Starts from the state the batch before's task of its partition commits, and runs even
                // without input: windows end and keys time out as batch time goes on.
                TaskRun previous = before == null ? null : before.stage(stage).get(task.id().partition());
                if (previous != null && previous.state() != TaskState.SUCCEEDED) {
                    task.waitingForState(true);
                } else {
                    dispatcher.submit(task, now);
                }
            } else if (task.records() == 0) {
                task.succeeded(now);
                run.commits().taskSucceeded(task);
            } else {
                dispatcher.submit(task, now);
            }
        }
        releaseNextStage(run, batch, stage);
    }

    private void taskSucceeded(TaskRun task) {
        PipelineRun run = task.pipeline();
        run.commits().taskSucceeded(task);
        if (task.stateful()) {
            CommitTracker.BatchRun next = run.commits().after(task.id().batchTime());
            TaskRun successor = next == null || next.stageCount() <= task.stage() ? null
                    : next.stage(task.stage()).get(task.id().partition());
            if (successor != null && successor.waitingForState()) {
                successor.waitingForState(false);
                dispatcher.submit(successor, clock.millis());
            }
        }
        CommitTracker.BatchRun batch = run.commits().batch(task.id().batchTime());
        if (batch != null) {
            releaseNextStage(run, batch, task.stage());
        }
        commitReady(run);
    }

    /**
     * Commits the batches whose tasks have all succeeded, in order: first their counts go into the
     * published progress, and once that is in the grid, ingest commits their offsets and frees
     * their blocks (see {@link StatusPublisher}).
     */
    private void commitReady(PipelineRun run) {
        PipelineProgress progress = run.progress();
        List<Runnable> commits = new ArrayList<>();
        List<CommitTracker.BatchRun> ready;
        while (!(ready = run.commits().drainCommittable()).isEmpty()) {
            for (CommitTracker.BatchRun batch : ready) {
                Ingest ingest = run.ingest();
                commits.add(() -> ingest.commit(batch.manifest));
                List<String> stepBlocks = stepShuffleBlocks(batch);
                if (!stepBlocks.isEmpty()) {
                    cleanup.execute(() -> node.batchStore().removeBlocks(stepBlocks));
                }
                run.committed(batch.manifest.batchTime());
                batch.tasks.forEach(t -> run.tasks().remove(t.id()));
                BatchInfo info = batch.info();
                metrics.batchCompleted(info);
                progress = progress.plus(info);
            }
            release(run);
        }
        progress = progress.withPending(run.commits().size());
        run.progress(progress);
        status.publishThen(progress, commits);
    }

    /**
     * @return the shuffle blocks of bisection steps: the manifest names only each task's own
     *     shuffle block, which {@code removeBatch} frees with the batch
     */
    private static List<String> stepShuffleBlocks(CommitTracker.BatchRun batch) {
        List<String> keys = new ArrayList<>();
        for (TaskRun t : batch.tasks) {
            t.parts().stream().map(TaskRun.ShufflePart::key).filter(k -> !k.equals(t.id().shuffleKey())).forEach(keys::add);
        }
        return keys;
    }

    private TaskRun task(TaskId id) {
        PipelineRun run = pipelines.get(id.pipeline());
        return run == null ? null : run.tasks().get(id);
    }

    private void publish(PipelineRun run, PipelineProgress progress) {
        run.progress(progress);
        status.publish(progress);
    }

    /** Stops every pipeline's ingest; called once when the scheduler closes. */
    void shutdown() {
        pipelines.values().forEach(run -> run.ingest().close());
        pipelines.clear();
    }
}
