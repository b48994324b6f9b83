package io.sluice.bench;

import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.PipelineProgress;
import io.sluice.scheduler.Scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Every completed batch of one pipeline, as the scheduler's progress API reports them. The
 * progress keeps only the most recent {@value PipelineProgress#RECENT} batches, so this samples
 * it often enough to miss none, and keeps them all by batch time.
 */
final class BatchLog implements AutoCloseable {

    private final Scheduler scheduler;
    private final String pipeline;
    private final TreeMap<Long, BatchInfo> batches = new TreeMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "batch-log");
        t.setDaemon(true);
        return t;
    });
    private volatile PipelineProgress last;

    /** @param everyMillis how often to sample; keep it well under the time 50 batches take */
    BatchLog(Scheduler scheduler, String pipeline, long everyMillis) {
        this.scheduler = scheduler;
        this.pipeline = pipeline;
        sampler.scheduleWithFixedDelay(this::sample, 0, everyMillis, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        Optional<PipelineProgress> progress = scheduler.progress(pipeline);
        progress.ifPresent(p -> {
            last = p;
            synchronized (batches) {
                p.recent().forEach(b -> batches.put(b.batchTime(), b));
            }
        });
    }

    /** @return the completed batches seen so far whose batch time is in {@code [from, until)} (epoch ms), oldest first */
    List<BatchInfo> between(long from, long until) {
        sample();
        synchronized (batches) {
            return new ArrayList<>(batches.subMap(from, until).values());
        }
    }

    /** @return the last progress sampled, or null */
    PipelineProgress progress() {
        return last;
    }

    /** @return the value at quantile {@code q} (0..1) of {@code metric} over {@code batches}, or -1 if there are none */
    static long quantile(List<BatchInfo> batches, ToLongFunction<BatchInfo> metric, double q) {
        if (batches.isEmpty()) {
            return -1;
        }
        long[] values = batches.stream().mapToLong(metric).sorted().toArray();
        return values[Math.max(0, (int) Math.ceil(q * values.length) - 1)];
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
