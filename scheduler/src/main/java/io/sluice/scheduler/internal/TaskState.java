package io.sluice.scheduler.internal;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The lifecycle of a task, with its legal transitions listed here rather than spread over the code.
 *
 * <pre>
 * PENDING ──► RUNNING ──► SUCCEEDED          (PENDING ──► SUCCEEDED: empty block, nothing to run)
 *    ▲           │
 *    └───────────┘ (failed or lost: retry; out of attempts: the next steps of its bisection)
 *    ▲                       │
 *    └───────────────────────┘ (a shuffle block it wrote was lost before its batch committed: lineage re-run)
 * any state but SUCCEEDED ──► ABANDONED (pipeline deleted)
 * </pre>
 */
enum TaskState {
    /** Waiting for a free runtime slot, or for its retry backoff to pass. */
    PENDING,
    /** At least one attempt is running. */
    RUNNING,
    /** Output written (or records dead-lettered); the batch may commit. */
    SUCCEEDED,
    /** Dropped because its pipeline was deleted. */
    ABANDONED;

    private static final Map<TaskState, Set<TaskState>> LEGAL = Map.of(
            PENDING, EnumSet.of(RUNNING, SUCCEEDED, ABANDONED),
            RUNNING, EnumSet.of(RUNNING, PENDING, SUCCEEDED, ABANDONED),
            SUCCEEDED, EnumSet.of(PENDING),
            ABANDONED, EnumSet.noneOf(TaskState.class));

    /** @return true if a task in this state may move to {@code next} */
    boolean canMoveTo(TaskState next) {
        return LEGAL.get(this).contains(next);
    }

    /** @return true once the task has nothing left to run (a succeeded task runs again only if its shuffle block is lost) */
    boolean isFinal() {
        return this == SUCCEEDED || this == ABANDONED;
    }
}
