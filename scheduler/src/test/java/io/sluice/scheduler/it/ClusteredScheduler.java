package io.sluice.scheduler.it;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A scheduler in this JVM on a clustered grid, with runtimes in their own JVMs that join it; for
 * the tests that kill, slow or count runtime processes. Closes the processes, then the scheduler.
 */
final class ClusteredScheduler implements AutoCloseable {

    final SluiceNode node;
    final Scheduler scheduler;
    final List<RuntimeProcess> processes = new ArrayList<>();

    private ClusteredScheduler(EmbeddedKafkaBroker kafka) {
        String cluster = EngineFixture.unique("cluster");
        int port = EngineFixture.freePort();
        ClusterSettings settings = new ClusterSettings(cluster, "127.0.0.1", port, List.of("127.0.0.1[" + port + "]"), false);
        node = SluiceNode.clustered(settings);
        scheduler = Scheduler.start(SchedulerConfig.defaults(kafka.bootstrapServers()).withPort(0)
                .withCluster(cluster, settings.initialHosts()), node);
    }

    /** Starts the scheduler and a runtime process of two slots for each name, all at once. */
    static ClusteredScheduler start(EmbeddedKafkaBroker kafka, String... runtimes) {
        ClusteredScheduler cluster = new ClusteredScheduler(kafka);
        for (String name : runtimes) {
            cluster.startRuntime(name);
        }
        return cluster;
    }

    RuntimeProcess startRuntime(String name) {
        RuntimeProcess process = RuntimeProcess.start(name, scheduler.runtimeUri(), 2);
        processes.add(process);
        return process;
    }

    /** Waits until {@code count} runtimes have joined the grid and offer their slots. */
    void awaitReady(int count, Duration timeout) {
        Await.until(timeout, () -> scheduler.runtimes().size() == count && node.members() == count + 1
                        && scheduler.runtimes().stream().allMatch(r -> r.slots() > 0),
                () -> count + " runtime processes join and offer their slots: " + scheduler.runtimes()
                        + "; grid members: " + node.members() + "\n"
                        + processes.get(0).name() + ":\n" + processes.get(0).tail());
    }

    @Override
    public void close() {
        processes.forEach(RuntimeProcess::close);
        scheduler.close();
        node.close();
    }
}
