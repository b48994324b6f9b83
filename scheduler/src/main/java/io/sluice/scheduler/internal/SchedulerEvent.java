package io.sluice.scheduler.internal;

import io.sluice.core.store.BatchManifest;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;

import java.util.List;

/**
 * The closed set of things that change the scheduler's state. Every one is handled on the
 * scheduler's single event-loop thread; timers, sockets and ingest threads only post them.
 */
sealed interface SchedulerEvent {

    /** A pipeline was created, changed or deleted in the registry. */
    record PipelineChanged(String pipeline) implements SchedulerEvent {
    }

    /** A pipeline was read from the grid (see {@link PipelineLoader}). */
    record PipelineLoaded(PipelineLoader.Loaded pipeline) implements SchedulerEvent {
    }

    /** The registry was listed: these pipelines exist. */
    record RegistryScanned(List<String> pipelines) implements SchedulerEvent {
    }

    /** Time to compare the registry with the running pipelines (a safety net for missed notifications). */
    record Reconcile() implements SchedulerEvent {
    }

    /**
     * The slicer cut a batch and stored its manifest and blocks.
     *
     * @param recovered whether a previous scheduler cut it first (its tasks may have committed)
     */
    record BatchCut(BatchManifest manifest, boolean recovered) implements SchedulerEvent {
    }

    /** Ingest read a batch's offset ranges again and stored its blocks, which a task had found missing. */
    record BlocksRebuilt(String pipeline, long batchTime) implements SchedulerEvent {
    }

    /** A batch's blocks are missing and its records cannot be read again from Kafka (deleted, or too slow). */
    record BlocksLost(String pipeline, long batchTime, String reason) implements SchedulerEvent {
    }

    /** Ingest committed a batch's offsets and freed its blocks. */
    record BatchCommitted(String pipeline, long batchTime) implements SchedulerEvent {
    }

    /** Ingest hit an error it will retry (unknown topic, broker unreachable, commit failed). */
    record IngestTrouble(String pipeline, String error) implements SchedulerEvent {
    }

    /** A runtime said Hello and was welcomed. */
    record RuntimeJoined(RuntimeSession session) implements SchedulerEvent {
    }

    /** A runtime's connection closed, or it missed its heartbeats. */
    record RuntimeLost(String runtimeId, String reason) implements SchedulerEvent {
        /** The reason when a runtime closed its connection normally, as it does when shut down. */
        static final String LEFT = "left";
    }

    /** A runtime has joined the data grid and can run tasks. */
    record RuntimeReady(String runtimeId) implements SchedulerEvent {
    }

    /** A runtime's heartbeat, listing what it runs (see {@link io.sluice.core.wire.WireMessage.Heartbeat}). */
    record HeartbeatReceived(String runtimeId, List<TaskAttempt> running, List<TaskAttempt> inFunction,
                             List<TaskAttempt> lingering) implements SchedulerEvent {
    }

    /** A runtime finished an attempt. */
    record AttemptDone(String runtimeId, TaskDone done) implements SchedulerEvent {
    }

    /** A runtime reported a failed attempt. */
    record AttemptFailed(String runtimeId, TaskFailed failed) implements SchedulerEvent {
    }

    /** Time passed: check timeouts and backoffs. */
    record Tick() implements SchedulerEvent {
    }
}
