package io.sluice.scheduler.internal;

import java.time.Duration;
import java.util.Arrays;

/**
 * When a running task gets a speculative copy: a pure function of its batch's finished task
 * durations and how long it has run.
 *
 * <p>Once {@code quantile} of the batch's tasks have finished, a task that has run longer than
 * {@code multiplier} times the median duration of its finished siblings, and longer than
 * {@code minimum}, is a straggler (Spark's {@code spark.speculation.*} rule). Durations run from
 * dispatch to the {@code TaskDone} on the scheduler's clock, the measure a running task's age has:
 * the runtimes' own timings leave out the trip and the slot hand-off, which on a loaded machine
 * were 100 ms against 5 ms of work, and comparing those two copied one healthy task in thirteen.
 *
 * @param multiplier how many times the median a straggler has run
 * @param quantile   the fraction of the batch's tasks that must have finished first
 * @param minimum    no task is a straggler before it has run this long
 */
record SpeculationPolicy(double multiplier, double quantile, Duration minimum) {

    /**
     * 1.5 × the median, once 75 % of the batch is done, and never before 500 ms. Spark's minimum is
     * 100 ms, but a copy here costs more than a slot: it takes the task's transactional id to
     * another runtime, whose new producer needs 100 to 600 ms to initialise, and fences the
     * original's. Below half a second a copy would rarely win.
     */
    static final SpeculationPolicy DEFAULT = new SpeculationPolicy(1.5, 0.75, Duration.ofMillis(500));

    SpeculationPolicy {
        if (multiplier < 1) {
            throw new IllegalArgumentException("speculation multiplier must be >= 1, was " + multiplier);
        }
        if (quantile <= 0 || quantile > 1) {
            throw new IllegalArgumentException("speculation quantile must be in (0, 1], was " + quantile);
        }
    }

    /**
     * @param finishedMillis how long each finished task of the batch took
     * @param tasks          how many tasks of the batch run at all (empty blocks do not)
     * @param runningMillis  how long the task in question has been running
     * @return whether that task should get a copy on another runtime
     */
    boolean isStraggler(long[] finishedMillis, int tasks, long runningMillis) {
        if (finishedMillis.length == 0 || finishedMillis.length < Math.ceil(quantile * tasks)) {
            return false;
        }
        double threshold = Math.max(minimum.toMillis(), multiplier * median(finishedMillis));
        return runningMillis > threshold;
    }

    static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }
}
