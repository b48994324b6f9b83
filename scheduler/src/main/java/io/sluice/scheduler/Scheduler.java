package io.sluice.scheduler;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.loading.FunctionJars;
import io.sluice.core.loading.InvalidFunctionException;
import io.sluice.core.registry.ConflictException;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.registry.Registry;
import io.sluice.core.registry.UnknownEntryException;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.status.RuntimeInfo;
import io.sluice.scheduler.internal.SchedulerEngine;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Sluice scheduler: ingests each pipeline's Kafka topics, slices them into partitioned
 * micro-batches in the batch store, hands the tasks to whichever runtime has a free slot, retries
 * what fails or is lost, and commits offsets batch by batch.
 *
 * <p>It also offers the registration API that the gateway and CLI build on. Everything registered
 * goes through the shared {@link Registry}, so a gateway in another process has the same effect.
 *
 * <pre>{@code
 * try (SluiceNode node = SluiceNode.local();
 *      Scheduler scheduler = Scheduler.start(SchedulerConfig.defaults("127.0.0.1:9092"), node)) {
 *     scheduler.registerFunction("wc", "io.sluice.examples.WordCount", jarBytes);
 *     scheduler.createPipeline("counts", "wc", List.of("lines"), "counts", Duration.ofSeconds(1), 8, Map.of());
 * }
 * }</pre>
 */
public final class Scheduler implements AutoCloseable {

    private final SchedulerConfig config;
    private final SluiceNode node;
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final Clock clock;
    private volatile SchedulerEngine engine;
    private volatile boolean closed;

    private Scheduler(SchedulerConfig config, SluiceNode node, Vertx vertx, boolean ownsVertx, Clock clock) {
        this.clock = clock;
        this.config = config;
        this.node = node;
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        try {
            this.engine = SchedulerEngine.start(config, node, vertx, clock, () -> closed, this::lostLease);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (ownsVertx) {
                vertx.close();
            }
            throw new IllegalStateException("interrupted while standing by for the scheduler lease", e);
        } catch (RuntimeException e) {
            if (ownsVertx) {
                vertx.close();
            }
            throw e;
        }
    }

    /**
     * Starts a scheduler on its own Vert.x instance. If another scheduler is active on the same data
     * grid, this one stands by, and returns only once it has taken over.
     */
    public static Scheduler start(SchedulerConfig config, SluiceNode node) {
        return new Scheduler(config, node, Vertx.vertx(), true, Clock.systemUTC());
    }

    /** Starts a scheduler on a shared Vert.x instance, which the caller closes; stands by as {@link #start(SchedulerConfig, SluiceNode)} does. */
    public static Scheduler start(SchedulerConfig config, SluiceNode node, Vertx vertx) {
        return new Scheduler(config, node, vertx, false, Clock.systemUTC());
    }

    /**
     * Starts a scheduler on a shared Vert.x instance with its own idea of the time: it decides when
     * batches are due and stamps cut and dispatch times, and is never compared with another host's
     * (a clock behind the previous scheduler's still stamps batch times after its batches).
     */
    public static Scheduler start(SchedulerConfig config, SluiceNode node, Vertx vertx, Clock clock) {
        return new Scheduler(config, node, vertx, false, clock);
    }

    /**
     * The lease lapsed (this process was paused or cut off) or another scheduler took it: this
     * engine has stopped acting. Close it, and stand by again.
     */
    private void lostLease() {
        Thread standby = new Thread(() -> {
            SchedulerEngine lost = engine;
            lost.close();
            try {
                SchedulerEngine next = SchedulerEngine.start(config, node, vertx, clock, () -> closed, this::lostLease);
                if (next != null) {
                    engine = next;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Scheduler.class).error("Scheduler cannot take over again: {}", e.getMessage());
            }
        }, "sluice-scheduler-standby");
        standby.setDaemon(true);
        standby.start();
    }

    /** @return whether this scheduler is the active one (it holds the scheduler lease) */
    public boolean isActive() {
        return engine.isActive();
    }

    /** @return the URI runtimes connect to, e.g. {@code ws://127.0.0.1:7070/runtime} */
    public String runtimeUri() {
        return "ws://" + config.host() + ":" + engine.port() + "/runtime";
    }

    /** @return the data grid node this scheduler uses */
    public SluiceNode node() {
        return node;
    }

    /** @return the configuration this scheduler runs with */
    public SchedulerConfig config() {
        return config;
    }

    /**
     * Validates and registers a function jar as the next version of {@code name}.
     *
     * @throws InvalidFunctionException if the jar or class cannot be used; nothing is stored
     */
    public FunctionSpec registerFunction(String name, String className, byte[] jar) throws InvalidFunctionException {
        FunctionJars.validate(jar, className);
        return registry().putFunction(name, className, jar);
    }

    /**
     * Creates and starts a pipeline running the newest version of {@code function}.
     *
     * @throws IllegalArgumentException if a field is invalid (the message says which)
     * @throws UnknownEntryException if the function is not registered
     * @throws ConflictException if the pipeline exists
     */
    public PipelineSpec createPipeline(String name, String function, List<String> inputs, String output,
                                       Duration batchInterval, int partitions, Map<String, String> parameters) {
        return createPipeline(name, function, inputs, output, batchInterval, partitions, parameters, Delivery.EXACTLY_ONCE);
    }

    /**
     * Creates and starts a pipeline running the newest version of {@code function}, with the given
     * delivery guarantee for its output.
     *
     * @throws IllegalArgumentException if a field is invalid (the message says which)
     * @throws UnknownEntryException if the function is not registered
     * @throws ConflictException if the pipeline exists
     */
    public PipelineSpec createPipeline(String name, String function, List<String> inputs, String output,
                                       Duration batchInterval, int partitions, Map<String, String> parameters,
                                       Delivery delivery) {
        return createPipeline(name, function, inputs, output, batchInterval, partitions, parameters, delivery, true);
    }

    /**
     * Creates and starts a pipeline running the newest version of {@code function}, choosing its
     * delivery guarantee and whether stragglers get speculative copies.
     *
     * @throws IllegalArgumentException if a field is invalid (the message says which)
     * @throws UnknownEntryException if the function is not registered
     * @throws ConflictException if the pipeline exists
     */
    public PipelineSpec createPipeline(String name, String function, List<String> inputs, String output,
                                       Duration batchInterval, int partitions, Map<String, String> parameters,
                                       Delivery delivery, boolean speculation) {
        return createPipeline(name, function, inputs, output, batchInterval, partitions, parameters, delivery,
                speculation, List.of());
    }

    /**
     * Creates and starts a pipeline of several stages: the newest version of {@code function} over
     * the input, then {@code stages}, each reading the one before shuffled by key.
     *
     * @throws IllegalArgumentException if a field is invalid (the message says which)
     * @throws UnknownEntryException if the function is not registered
     * @throws ConflictException if the pipeline exists
     */
    public PipelineSpec createPipeline(String name, String function, List<String> inputs, String output,
                                       Duration batchInterval, int partitions, Map<String, String> parameters,
                                       Delivery delivery, boolean speculation, List<StageSpec> stages) {
        FunctionSpec fn = registry().latestFunction(function)
                .orElseThrow(() -> new UnknownEntryException("no function named '" + function + "'; register it first"));
        return registry().createPipeline(new PipelineSpec(name, function, fn.version(), inputs, output, batchInterval,
                partitions, parameters, delivery, PipelineState.RUNNING, System.currentTimeMillis(), speculation, stages));
    }

    /** Stops ingesting for a pipeline; batches already cut finish and commit. */
    public PipelineSpec stopPipeline(String name) {
        return registry().setPipelineState(name, PipelineState.STOPPED);
    }

    /** Resumes a stopped pipeline from its last committed offsets. */
    public PipelineSpec startPipeline(String name) {
        return registry().setPipelineState(name, PipelineState.RUNNING);
    }

    /** Deletes a pipeline; its batches in flight are abandoned (their offsets stay uncommitted). */
    public void deletePipeline(String name) {
        registry().removePipeline(name);
    }

    /** @return the pipeline's progress: totals and its recent batches */
    public Optional<PipelineProgress> progress(String pipeline) {
        return node.statusBoard().progress(pipeline);
    }

    /** @return the connected runtimes, as last published (at most a second old) */
    public List<RuntimeInfo> runtimes() {
        return node.statusBoard().runtimes();
    }

    private Registry registry() {
        return node.registry();
    }

    @Override
    public void close() {
        closed = true;
        engine.close();
        if (ownsVertx) {
            vertx.close();
        }
    }
}
