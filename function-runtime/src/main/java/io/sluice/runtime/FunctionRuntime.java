package io.sluice.runtime;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.runtime.internal.RuntimeEngine;
import io.vertx.core.Vertx;

import java.time.Duration;

/**
 * A function runtime: it connects to a scheduler, announces its slots, and runs the tasks it is
 * given until closed. It holds no state a restart would lose; kill it at any time and the
 * scheduler runs its tasks elsewhere.
 *
 * <pre>{@code
 * try (FunctionRuntime runtime = FunctionRuntime.start(RuntimeConfig.of("ws://127.0.0.1:7070/runtime", "r1", 4))) {
 *     runtime.awaitReady(Duration.ofSeconds(30));
 *     ...
 * }
 * }</pre>
 */
public final class FunctionRuntime implements AutoCloseable {

    private final RuntimeConfig config;
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final RuntimeEngine engine;

    private FunctionRuntime(RuntimeConfig config, Vertx vertx, boolean ownsVertx, SluiceNode sharedNode) {
        this.config = config;
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.engine = new RuntimeEngine(config, vertx, sharedNode);
        engine.start();
    }

    /**
     * Starts a runtime that reads blocks by joining the scheduler's Infinispan cluster as a
     * zero-capacity member: the way runtimes run in their own processes.
     *
     * @param config how to connect
     * @return the started runtime; it connects in the background
     */
    public static FunctionRuntime start(RuntimeConfig config) {
        return new FunctionRuntime(config, Vertx.vertx(), true, null);
    }

    /**
     * Starts a runtime in the scheduler's JVM, reading blocks from the scheduler's own node.
     *
     * @param config how to connect
     * @param node   the scheduler's node
     * @param vertx  the Vert.x instance to share
     * @return the started runtime; it connects in the background
     */
    public static FunctionRuntime startInProcess(RuntimeConfig config, SluiceNode node, Vertx vertx) {
        return new FunctionRuntime(config, vertx, false, node);
    }

    /**
     * Waits until the scheduler has welcomed this runtime and it can run tasks.
     *
     * @param timeout how long to wait
     * @return true if ready, false on timeout
     * @throws IllegalStateException if the runtime cannot work (for example, it cannot reach the batch store)
     * @throws InterruptedException  if interrupted while waiting
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return engine.awaitReady(timeout);
    }

    /** @return this runtime's name */
    public String name() {
        return config.name();
    }

    /** @return the id the scheduler gave this runtime's current connection ({@code null} while disconnected); a reconnect gets a new one */
    public String runtimeId() {
        return engine.runtimeId();
    }

    /** @return the number of attempts this runtime completed */
    /** @return the port of this runtime's {@code GET /metrics}, or -1 when it serves none */
    public int metricsPort() {
        return engine.metricsPort();
    }

    public long tasksCompleted() {
        return engine.tasksCompleted();
    }

    /** @return the number of attempts that failed here */
    public long tasksFailed() {
        return engine.tasksFailed();
    }

    /**
     * @return attempts that were cancelled but whose slot thread has not returned (a function that
     *     ignores interrupts); each holds a slot, and the scheduler is told so with every heartbeat
     */
    public int lingeringAttempts() {
        return engine.lingeringAttempts();
    }

    /** @return the scheduler's reason for refusing this runtime, or {@code null} */
    public String refusal() {
        return engine.refusal();
    }

    /** Cancels running attempts, disconnects, and releases the producer, the class loaders and the cluster membership. */
    @Override
    public void close() {
        engine.close();
        if (ownsVertx) {
            vertx.close();
        }
    }
}
