package io.sluice.scheduler.internal;

import java.time.Duration;

/**
 * When to retry a failed attempt: a pure function of how many attempts failed.
 *
 * <p>Backoff doubles from {@code baseBackoff} up to {@code maxBackoff}. An attempt lost with its
 * runtime does not count towards {@code maxAttempts}: the function did nothing wrong, and under
 * churn (runtimes killed and replaced) counting it would dead-letter good records.
 *
 * @param maxAttempts attempts (counted failures) before the task's records go to the dead-letter topic
 * @param baseBackoff delay before the first retry
 * @param maxBackoff cap on the delay
 */
record RetryPolicy(int maxAttempts, Duration baseBackoff, Duration maxBackoff) {

    static final RetryPolicy DEFAULT = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2));

    RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
    }

    /** @return true if a task that has failed {@code failures} times should run again */
    boolean shouldRetry(int failures) {
        return failures < maxAttempts;
    }

    /** @return how long to wait before running again after {@code failures} counted failures */
    Duration backoff(int failures) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        long ms = baseBackoff.toMillis() << Math.min(failures - 1, 20);
        return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
    }
}
