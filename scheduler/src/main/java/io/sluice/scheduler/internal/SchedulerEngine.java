package io.sluice.scheduler.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.wire.WireMessage.Welcome;
import io.sluice.scheduler.SchedulerConfig;
import io.sluice.scheduler.internal.SchedulerEvent.PipelineChanged;
import io.sluice.scheduler.internal.SchedulerEvent.Reconcile;
import io.sluice.scheduler.internal.SchedulerEvent.Tick;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires the scheduler together: one event-loop thread running the {@link Coordinator}, the
 * {@link RuntimeServer}, the timers that post {@link Tick}s, and the registry listener. The public
 * {@code io.sluice.scheduler.Scheduler} is a thin face over this.
 */
public final class SchedulerEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SchedulerEngine.class);
    private static final Duration RECONCILE = Duration.ofSeconds(2);

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-scheduler");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService grid = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sluice-scheduler-grid");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService cleanup = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sluice-scheduler-cleanup");
        t.setDaemon(true);
        return t;
    });
    private final Coordinator coordinator;
    private final RuntimeServer server;
    private final SchedulerMetrics metrics = new SchedulerMetrics();

    private final SchedulerLease lease;

    private final TableLoaders tables;

    private SchedulerEngine(SchedulerConfig config, SluiceNode node, Vertx vertx, Clock clock, SchedulerLease lease) {
        this.lease = lease;
        this.coordinator = new Coordinator(config, node, clock, this::post, grid, cleanup, lease::valid, metrics);
        this.server = new RuntimeServer(vertx,
                new Welcome("", config.kafkaBootstrap(), config.clusterName(), config.clusterHosts()), clock, this::post,
                config.runtimeSecret(), metrics::scrape);
        this.tables = new TableLoaders(config.kafkaBootstrap(), node.tables(), lease::valid);
    }

    /**
     * Waits as a standby until this scheduler holds the scheduler lease, then starts the engine:
     * the runtime socket listens, registered pipelines start (recovering what a previous scheduler
     * left), ticks begin.
     *
     * @param onLost run, on another thread, if the lease is lost later: the engine has stopped acting
     * @return the engine, or null if {@code giveUp} ended the wait first
     * @throws IllegalStateException if the runtime socket cannot listen
     */
    public static SchedulerEngine start(SchedulerConfig config, SluiceNode node, Vertx vertx, Clock clock,
                                        BooleanSupplier giveUp, Runnable onLost) throws InterruptedException {
        String holder = config.host() + ":" + config.port() + "/" + UUID.randomUUID().toString().substring(0, 8);
        SchedulerLease lease = SchedulerLease.acquire(node.leases(), holder, SchedulerLease.DEFAULT_DURATION,
                System::nanoTime, giveUp);
        if (lease == null) {
            return null;
        }
        SchedulerEngine engine = new SchedulerEngine(config, node, vertx, clock, lease);
        try {
            engine.server.listen(config.host(), config.port()).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            engine.close();
            throw new IllegalStateException("scheduler cannot listen for runtimes on " + config.host() + ":"
                    + config.port() + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        lease.onLost(onLost);
        node.registry().onPipelineChange(name -> engine.post(new PipelineChanged(name)));
        engine.post(new Reconcile());
        engine.tables.start();
        long tick = config.tickInterval().toMillis();
        engine.loop.scheduleAtFixedRate(() -> engine.handle(new Tick()), tick, tick, TimeUnit.MILLISECONDS);
        engine.loop.scheduleWithFixedDelay(() -> engine.handle(new Reconcile()),
                RECONCILE.toMillis(), RECONCILE.toMillis(), TimeUnit.MILLISECONDS);
        return engine;
    }

    /** @return whether this engine still holds the scheduler lease */
    public boolean isActive() {
        return lease.valid();
    }

    /** @return the epoch of this scheduler's lease: higher than that of every scheduler before it */
    public long epoch() {
        return lease.epoch();
    }

    /** @return the port runtimes connect to */
    public int port() {
        return server.port();
    }

    void post(SchedulerEvent event) {
        try {
            loop.execute(() -> handle(event));
        } catch (RejectedExecutionException e) {
            log.debug("Scheduler closed; dropped {}", event);
        }
    }

    private void handle(SchedulerEvent event) {
        safely(() -> coordinator.handle(event));
    }

    private void safely(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.error("Scheduler event failed; the scheduler goes on", e);
        }
    }

    @Override
    public void close() {
        tables.close();
        try {
            loop.submit(() -> safely(coordinator::shutdown)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("Scheduler shutdown did not finish cleanly: {}", e.toString());
        }
        loop.shutdownNow();
        cleanup.shutdown();
        grid.shutdown();
        try {
            cleanup.awaitTermination(10, TimeUnit.SECONDS);
            grid.awaitTermination(5, TimeUnit.SECONDS);
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Runtime socket close: {}", e.toString());
        }
        metrics.close();
        lease.close();
    }
}
