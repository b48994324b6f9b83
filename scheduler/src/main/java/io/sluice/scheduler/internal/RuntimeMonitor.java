package io.sluice.scheduler.internal;

import io.sluice.core.status.RuntimeInfo;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.scheduler.internal.SchedulerEvent.HeartbeatReceived;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeLost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Knows which runtimes are alive: they join, heartbeat, and are lost when their connection closes
 * or their heartbeats stop. A lost runtime's attempts are queued again at once, to run in parallel
 * elsewhere; that does not count as a failure of the task. Runs on the scheduler thread.
 */
final class RuntimeMonitor {

    private static final Logger log = LoggerFactory.getLogger(RuntimeMonitor.class);
    private static final long PUBLISH_EVERY_MS = 1_000;

    private final TaskDispatcher dispatcher;
    private final Duration runtimeTimeout;
    private final Function<TaskId, TaskRun> tasks;
    private final StatusPublisher status;
    private final SchedulerMetrics metrics;
    private boolean changed;
    private long publishedAt;

    RuntimeMonitor(TaskDispatcher dispatcher, Duration runtimeTimeout, Function<TaskId, TaskRun> tasks,
                   StatusPublisher status,
                   SchedulerMetrics metrics) {
        this.dispatcher = dispatcher;
        this.runtimeTimeout = runtimeTimeout;
        this.tasks = tasks;
        this.status = status;
        this.metrics = metrics;
    }

    void joined(RuntimeSession session) {
        dispatcher.addRuntime(session);
        changed = true;
        log.info("Runtime {} connected; it gets tasks once it has joined the data grid", session);
    }

    /** The runtime can read blocks: from now on its slots count. */
    void ready(String runtimeId) {
        dispatcher.runtime(runtimeId).filter(r -> !r.isReady()).ifPresent(r -> {
            r.ready();
            changed = true;
            log.info("Runtime {} is ready with {} free slot(s)", r, r.freeSlots());
        });
    }

    /**
     * Notes that a runtime is alive, and reconciles what it says it runs with what the scheduler
     * thinks it runs: an attempt it stopped reporting is re-run elsewhere, and cancelled attempts
     * that still hold a slot (a function ignoring interrupts) keep that slot taken.
     */
    void heartbeat(HeartbeatReceived beat, long now) {
        dispatcher.runtime(beat.runtimeId()).ifPresent(r -> {
            r.seen(now);
            List<TaskAttempt> vanished = r.reported(beat.running(), beat.inFunction(), beat.lingering().size(), attempt -> {
                TaskRun task = tasks.apply(attempt.task());
                return task == null || now - task.startedAt(attempt) > runtimeTimeout.toMillis();
            });
            for (TaskAttempt attempt : vanished) {
                log.warn("Runtime {} no longer reports attempt {}; running it again", r, attempt);
                r.finished(attempt, false);
                requeue(attempt, now);
            }
            if (!beat.lingering().isEmpty()) {
                log.debug("Runtime {}: {} cancelled attempt(s) still hold a slot: {}", r, beat.lingering().size(),
                        beat.lingering());
            }
        });
    }

    private void requeue(TaskAttempt attempt, long now) {
        TaskRun task = tasks.apply(attempt.task());
        if (task != null && task.runtimeOf(attempt) != null) {
            task.drop(attempt);
            metrics.attempt(task.pipeline().name(), SchedulerMetrics.Outcome.LOST);
            if (task.running().isEmpty() && !task.state().isFinal()) {
                task.retryAt(now);
                dispatcher.submit(task, now);
            }
        }
    }

    void lost(String runtimeId, String reason, long now) {
        Optional<RuntimeSession> lost = dispatcher.removeRuntime(runtimeId);
        if (lost.isEmpty()) {
            return;
        }
        changed = true;
        RuntimeSession session = lost.get();
        if (RuntimeLost.LEFT.equals(reason) && session.running().isEmpty()) {
            log.info("Runtime {} left", session);
        } else {
            log.warn("Runtime {} lost ({}); re-queueing its {} running attempt(s)", session, reason, session.running().size());
        }
        for (TaskAttempt attempt : List.copyOf(session.running())) {
            requeue(attempt, now);
        }
        session.close();
    }

    /** Declares runtimes lost whose heartbeats stopped, and publishes the runtime list now and then. */
    void check(long now) {
        for (RuntimeSession r : List.copyOf(dispatcher.runtimes())) {
            if (now - r.lastSeen() > runtimeTimeout.toMillis()) {
                lost(r.id(), "no heartbeat for " + (now - r.lastSeen()) + " ms", now);
            }
        }
        if (changed || now - publishedAt > PUBLISH_EVERY_MS) {
            changed = false;
            publishedAt = now;
            List<RuntimeInfo> infos = dispatcher.runtimes().stream().map(RuntimeSession::info).toList();
            metrics.runtimes(infos);
            status.publishRuntimes(infos);
        }
    }
}
