package io.sluice.gateway.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.PipelineProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's {@code /metrics}: JVM metrics, and every pipeline's progress as the scheduler
 * publishes it to the status board, read once a second. Counters follow the published totals. Each
 * completed batch seen for the first time is recorded once in the delay histograms (the board keeps
 * each pipeline's last 50 batches, so a pipeline may complete up to 50 batches a second).
 */
final class PipelineMetrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PipelineMetrics.class);
    private static final Duration POLL = Duration.ofSeconds(1);

    private final SluiceNode node;
    private final TopicChecker kafka;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Tracked> pipelines = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-gateway-metrics");
        t.setDaemon(true);
        return t;
    });
    private final List<AutoCloseable> binders = new ArrayList<>();

    PipelineMetrics(SluiceNode node, TopicChecker kafka) {
        this.node = node;
        this.kafka = kafka;
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        binders.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        poller.scheduleWithFixedDelay(this::pollQuietly, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return every meter in the Prometheus text format */
    String scrape() {
        return registry.scrape();
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            log.debug("Cannot read pipeline progress for metrics: {}", e.toString());
        }
    }

    /** Reads every pipeline's published progress; called once a second, and before a scrape. */
    synchronized void poll() {
        Set<String> seen = new HashSet<>();
        for (PipelineSpec spec : node.registry().pipelines()) {
            seen.add(spec.name());
            PipelineProgress progress = node.statusBoard().progress(spec.name()).orElse(PipelineProgress.empty(spec.name()));
            Tracked tracked = pipelines.computeIfAbsent(spec.name(), Tracked::new);
            tracked.update(progress);
            tracked.lag = spec.bounded() ? -1 : lagOf(spec);
        }
        pipelines.keySet().removeIf(name -> {
            if (seen.contains(name)) {
                return false;
            }
            pipelines.get(name).meters.forEach(registry::remove);
            return true;
        });
    }

    /**
     * @return the pipeline's consumer lag as last read, or -1 when it is unknown (Kafka cannot be
     *     asked) or means nothing (a bounded pipeline, which never commits offsets)
     */
    long lag(String pipeline) {
        Tracked tracked = pipelines.get(pipeline);
        return tracked == null ? -1 : tracked.lag;
    }

    private long lagOf(PipelineSpec spec) {
        try {
            return kafka.lag(spec.consumerGroup(), spec.inputTopics());
        } catch (Exception e) {
            log.debug("Cannot read the consumer lag of {}: {}", spec.name(), e.toString());
            return -1;
        }
    }

    /** One pipeline's meters, and the latest batch already recorded in its histograms. */
    private final class Tracked {
        volatile PipelineProgress progress;
        volatile long lag = -1;
        long lastBatch = Long.MIN_VALUE;
        final List<Meter> meters = new ArrayList<>();
        final Timer totalDelay;
        final Timer schedulingDelay;
        final Timer processingTime;

        Tracked(String pipeline) {
            Tags tags = Tags.of("pipeline", pipeline);
            progress = PipelineProgress.empty(pipeline);
            counter("sluice.pipeline.input.records", "input records of completed batches", tags, p -> p.records());
            counter("sluice.pipeline.output.records", "output records of completed batches", tags, p -> p.outputRecords());
            counter("sluice.pipeline.batches", "completed batches", tags, p -> p.batches());
            counter("sluice.pipeline.dead.letters", "input records sent to the dead-letter topic", tags, p -> p.deadLettered());
            counter("sluice.pipeline.tasks", "tasks of completed batches", tags, p -> p.tasksRun());
            counter("sluice.pipeline.task.attempts", "task attempts of completed batches, retries and copies included", tags,
                    p -> p.attempts());
            meters.add(Gauge.builder("sluice.pipeline.lag", this, t -> t.lag < 0 ? Double.NaN : t.lag).baseUnit("records")
                    .description("input offsets the pipeline has not committed yet, summed over its input partitions")
                    .tags(tags).register(registry));
            meters.add(Gauge.builder("sluice.pipeline.pending.batches", this, t -> t.progress.pendingBatches())
                    .description("batches cut and not yet completed").tags(tags).register(registry));
            totalDelay = timer("sluice.batch.total.delay", "from a batch's end to its completion", tags);
            schedulingDelay = timer("sluice.batch.scheduling.delay", "from a batch's cut to its first task's start", tags);
            processingTime = timer("sluice.batch.processing", "from a batch's first task's start to its completion", tags);
        }

        private void counter(String name, String description, Tags tags, java.util.function.ToDoubleFunction<PipelineProgress> f) {
            meters.add(FunctionCounter.builder(name, this, t -> f.applyAsDouble(t.progress)).description(description)
                    .tags(tags).register(registry));
        }

        private Timer timer(String name, String description, Tags tags) {
            Timer timer = Timer.builder(name).description(description).tags(tags).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(5)).maximumExpectedValue(Duration.ofMinutes(5)).register(registry);
            meters.add(timer);
            return timer;
        }

        void update(PipelineProgress latest) {
            progress = latest;
            for (BatchInfo b : latest.recent()) {
                if (b.batchTime() > lastBatch) {
                    totalDelay.record(b.totalDelay());
                    schedulingDelay.record(b.schedulingDelay());
                    processingTime.record(b.processingTime());
                    lastBatch = b.batchTime();
                }
            }
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        for (AutoCloseable binder : binders) {
            try {
                binder.close();
            } catch (Exception e) {
                log.debug("Closing a metrics binder: {}", e.toString());
            }
        }
        registry.close();
    }
}
