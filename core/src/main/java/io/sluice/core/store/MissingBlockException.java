package io.sluice.core.store;

import io.sluice.core.task.TaskId;

/**
 * Thrown when a block is not in the store; the attempt fails and the scheduler decides what next.
 * The message names the block's key in single quotes, so the scheduler can tell which block of a
 * task's inputs is gone and recompute that one.
 */
public final class MissingBlockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MissingBlockException(TaskId task) {
        this(task.blockKey());
    }

    public MissingBlockException(String key) {
        super("block '" + key + "' is not in the batch store (never written, or freed after commit)");
    }

    /** @return how a message names the block with this key */
    public static String quoted(String key) {
        return "'" + key + "'";
    }
}
