package io.sluice.core.store;

import io.sluice.core.task.TaskId;

/** Thrown when a task's block is not in the store; the attempt fails and the scheduler decides what next. */
public final class MissingBlockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MissingBlockException(TaskId task) {
        super("block " + task.blockKey() + " is not in the batch store (never written, or freed after commit)");
    }
}
