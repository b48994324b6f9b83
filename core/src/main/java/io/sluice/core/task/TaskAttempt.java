package io.sluice.core.task;

import java.util.Objects;

/**
 * One attempt at running a task. Retries and speculative copies of a task are new attempts with
 * higher numbers; a report that names an attempt the scheduler no longer tracks is ignored.
 *
 * @param task the task
 * @param attempt the attempt number, counted from 1
 */
public record TaskAttempt(TaskId task, int attempt) {

    public TaskAttempt {
        Objects.requireNonNull(task, "task");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt numbers start at 1, was " + attempt);
        }
    }

    /** @return the next attempt of the same task */
    public TaskAttempt next() {
        return new TaskAttempt(task, attempt + 1);
    }

    @Override
    public String toString() {
        return task + "#" + attempt;
    }
}
