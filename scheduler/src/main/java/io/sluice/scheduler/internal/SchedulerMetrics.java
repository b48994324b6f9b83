package io.sluice.scheduler.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.RuntimeInfo;
import io.sluice.core.status.StageInfo;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scheduler's own {@code /metrics}, served on its runtime port: task attempts as they end, by
 * outcome; speculative copies and dead letters as their batches complete; the runtimes' slots as
 * last published; and the JVM's metrics. Thread-safe: the scheduler thread counts, a scrape reads.
 */
final class SchedulerMetrics implements AutoCloseable {

    /** How a task attempt ended, as the {@code outcome} tag says it. */
    enum Outcome {
        /** it finished and its result counts */
        SUCCEEDED,
        /** the function threw or ran past its timeout */
        FAILED,
        /** the runtime could not read its input or write its output */
        PLATFORM_FAILURE,
        /** its input block was gone from the store, to be rebuilt */
        MISSING_BLOCK,
        /** its runtime went away while it ran */
        LOST,
        /** the scheduler stopped it: a copy finished first, it timed out, or its pipeline went */
        CANCELLED;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private volatile List<RuntimeInfo> runtimes = List.of();

    SchedulerMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("sluice.runtimes", this, m -> m.runtimes.size())
                .description("runtimes connected to the scheduler").register(registry);
        Gauge.builder("sluice.runtime.slots", this, m -> m.runtimes.stream().mapToInt(r -> Math.min(r.running(), r.slots())).sum())
                .description("task slots of the connected runtimes").tag("state", "used").register(registry);
        Gauge.builder("sluice.runtime.slots", this, m -> m.runtimes.stream().mapToInt(r -> Math.max(0, r.slots() - r.running())).sum())
                .description("task slots of the connected runtimes").tag("state", "free").register(registry);
    }

    void attempt(String pipeline, Outcome outcome) {
        counter("sluice.task.attempts", "task attempts that ended, by outcome", pipeline, "outcome", outcome.tag).increment();
    }

    /** Counts what a completed batch's stages did that no single attempt's end tells. */
    void batchCompleted(BatchInfo batch) {
        int copies = batch.stages().stream().mapToInt(StageInfo::copies).sum();
        counter("sluice.task.speculative.copies", "speculative copies of stragglers, counted as their batch completes",
                batch.pipeline(), null, null).increment(copies);
        counter("sluice.task.dead.letters", "input records sent to the dead-letter topic, counted as their batch completes",
                batch.pipeline(), null, null).increment(batch.deadLettered());
        counter("sluice.scheduler.batches", "batches completed by this scheduler", batch.pipeline(), null, null).increment();
    }

    void runtimes(List<RuntimeInfo> latest) {
        runtimes = List.copyOf(latest);
    }

    private Counter counter(String name, String description, String pipeline, String tag, String value) {
        return counters.computeIfAbsent(name + '\0' + pipeline + '\0' + value, k -> {
            Counter.Builder b = Counter.builder(name).description(description).tag("pipeline", pipeline);
            return (tag == null ? b : b.tag(tag, value)).register(registry);
        });
    }

    /** @return every meter in the Prometheus text format */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
