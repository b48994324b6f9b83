package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.runtime.FunctionRuntime;
import io.sluice.runtime.RuntimeConfig;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A scheduler on a local grid with named runtimes in this JVM, all connected; closed in reverse. */
final class InProcessEngine implements AutoCloseable {

    final Vertx vertx = Vertx.vertx();
    final SluiceNode node = SluiceNode.local();
    final Scheduler scheduler;
    final List<FunctionRuntime> runtimes = new ArrayList<>();

    private InProcessEngine(String bootstrap, UnaryOperator<SchedulerConfig> tune) {
        scheduler = Scheduler.start(tune.apply(SchedulerConfig.defaults(bootstrap).withPort(0)), node, vertx);
    }

    /** Starts it and waits until every runtime is connected and ready. */
    static InProcessEngine start(String bootstrap, UnaryOperator<SchedulerConfig> tune, int slots, String... names)
            throws InterruptedException {
        InProcessEngine engine = new InProcessEngine(bootstrap, tune);
        for (String name : names) {
            engine.runtimes.add(FunctionRuntime.startInProcess(RuntimeConfig.of(engine.scheduler.runtimeUri(), name, slots),
                    engine.node, engine.vertx));
        }
        for (FunctionRuntime runtime : engine.runtimes) {
            if (!runtime.awaitReady(Duration.ofSeconds(30))) {
                engine.close();
                throw new AssertionError("runtime " + runtime.name() + " did not connect");
            }
        }
        return engine;
    }

    /** @return cancelled attempts whose threads have not come back, on all runtimes together */
    int lingeringAttempts() {
        return runtimes.stream().mapToInt(FunctionRuntime::lingeringAttempts).sum();
    }

    /** @return the attempts that failed on all runtimes together */
    long tasksFailed() {
        return runtimes.stream().mapToLong(FunctionRuntime::tasksFailed).sum();
    }

    @Override
    public void close() {
        runtimes.forEach(FunctionRuntime::close);
        scheduler.close();
        node.close();
        vertx.close();
    }
}
