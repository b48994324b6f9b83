package io.sluice.bench;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.runtime.FunctionRuntime;
import io.sluice.runtime.RuntimeConfig;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sluice in this JVM, as the throughput bench runs it: a local data grid, a scheduler and runtimes
 * on one Vert.x, running one pass-through pipeline, with a {@link BatchLog} of its batches.
 */
final class InProcessSluice implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InProcessSluice.class);

    static final String PASSTHROUGH = "io.sluice.testfunctions.Passthrough";

    private final Vertx vertx = Vertx.vertx();
    private final SluiceNode node;
    private final Scheduler scheduler;
    private final List<FunctionRuntime> runtimes = new ArrayList<>();
    private final WireTap tap;
    private final TransactionTimes transactions;
    private BatchLog batches;

    /**
     * Starts the scheduler and {@code runtimeCount} runtimes of {@code slots} slots, connected through
     * a {@link WireTap}, and waits for them to connect.
     */
    InProcessSluice(String bootstrap, int runtimeCount, int slots) throws Exception {
        node = SluiceNode.local();
        scheduler = Scheduler.start(SchedulerConfig.defaults(bootstrap).withPort(0), node, vertx);
        tap = new WireTap(vertx, scheduler.runtimeUri());
        transactions = new TransactionTimes("sluice-bench-");
        for (int i = 1; i <= runtimeCount; i++) {
            FunctionRuntime r = FunctionRuntime.startInProcess(RuntimeConfig.of(tap.uri(), "bench-" + i, slots),
                    node, vertx);
            runtimes.add(r);
            if (!r.awaitReady(Duration.ofSeconds(30))) {
                close();
                throw new IllegalStateException("runtime bench-" + i + " did not connect within 30 s");
            }
        }
    }

    /** Registers the pass-through function from {@code jar} and starts a pipeline running it. */
    void runPassthrough(byte[] jar, String pipeline, String input, String output, Duration interval, int partitions,
                        Delivery delivery, boolean speculation) throws Exception {
        scheduler.registerFunction("passthrough", PASSTHROUGH, jar);
        scheduler.createPipeline(pipeline, "passthrough", List.of(input), output, interval, partitions, Map.of(), delivery,
                speculation);
        batches = new BatchLog(scheduler, pipeline, 500);
    }

    /** @return what the runtimes reported about each attempt */
    WireTap tap() {
        return tap;
    }

    /** @return the time the runtimes' transactional producers spent in each call */
    TransactionTimes transactions() {
        return transactions;
    }

    /** @return the batches of the pipeline started by {@link #runPassthrough} */
    BatchLog batches() {
        return batches;
    }

    @Override
    public void close() {
        if (batches != null) {
            batches.close();
        }
        transactions.close();
        runtimes.forEach(FunctionRuntime::close);
        try {
            tap.close();
        } catch (Exception e) {
            log.warn("wire tap did not close cleanly: {}", e.toString());
        }
        scheduler.close();
        node.close();
        vertx.close();
    }
}
