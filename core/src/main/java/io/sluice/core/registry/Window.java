package io.sluice.core.registry;

import java.time.Duration;
import java.util.Objects;

/**
 * A sliding window over a stage's input: at every batch whose time is a multiple of {@code slide},
 * the stage's output covers the batches whose times fall in {@code (t - length, t]}. A tumbling
 * window has {@code slide == length}.
 *
 * @param length      how much of the stream each output covers
 * @param slide       how often the stage emits
 * @param incremental whether each window is computed from the previous one, with the batches that
 *                    left taken out by the reduction's inverse (only {@code count}, {@code sum} and
 *                    an {@code io.sluice.function.InvertibleReducer} have one), rather than reduced
 *                    again from every batch it covers
 */
public record Window(Duration length, Duration slide, boolean incremental) {

    /** The most batches one window may cover: each is kept per key until the window has passed. */
    public static final int MAX_BATCHES = 1000;

    public Window {
        Objects.requireNonNull(length, "window length");
        Objects.requireNonNull(slide, "window slide");
        if (slide.isNegative() || slide.isZero()) {
            throw new IllegalArgumentException("window slide must be positive, was " + slide.toMillis() + " ms");
        }
        if (length.compareTo(slide) < 0) {
            throw new IllegalArgumentException("window length " + length.toMillis() + " ms is shorter than its slide "
                    + slide.toMillis() + " ms: some batches would be in no window");
        }
    }

    /**
     * Checks the window against the pipeline's batch interval.
     *
     * @throws IllegalArgumentException saying what does not fit
     */
    void checkAgainst(Duration batchInterval) {
        long interval = batchInterval.toMillis();
        if (length.toMillis() % interval != 0 || slide.toMillis() % interval != 0) {
            throw new IllegalArgumentException("window " + this + " must be a multiple of the batch interval of "
                    + interval + " ms in length and in slide");
        }
        if (length.toMillis() / interval > MAX_BATCHES) {
            throw new IllegalArgumentException("window " + this + " covers " + length.toMillis() / interval
                    + " batches; at most " + MAX_BATCHES + " are allowed (use longer batches)");
        }
    }

    /** @return the window in the CLI's {@code length/slide} form, e.g. {@code 30s/5s} */
    @Override
    public String toString() {
        return Durations.format(length) + "/" + Durations.format(slide) + (incremental ? " incremental" : "");
    }
}
