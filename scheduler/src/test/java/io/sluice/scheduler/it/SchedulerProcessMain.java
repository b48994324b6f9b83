package io.sluice.scheduler.it;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;

import java.util.List;

/**
 * A scheduler in its own JVM, for the restart test:
 * {@code <kafka> <cluster name> <cluster port> <cluster hosts,comma-separated> <runtime port>}.
 * It runs until killed.
 */
public final class SchedulerProcessMain {

    private SchedulerProcessMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> hosts = List.of(args[3].split(","));
        SluiceNode node = SluiceNode.clustered(new ClusterSettings(args[1], "127.0.0.1", Integer.parseInt(args[2]), hosts, false));
        Scheduler.start(SchedulerConfig.defaults(args[0]).withPort(Integer.parseInt(args[4])).withCluster(args[1], hosts), node);
        Thread.currentThread().join();
    }
}
