package io.sluice.scheduler.it;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.status.PipelineProgress;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The scheduler process is killed with SIGKILL while batches are in flight, and started again.
 * The grid (this JVM's node holds a copy of everything) keeps the manifests; the new scheduler
 * re-dispatches the uncommitted batches, exactly-once markers stop committed tasks from writing
 * twice, and reading resumes after the recovered batches.
 */
@Tag("slow")
class SchedulerRestartIT {

    @Test
    void sigkillOfTheSchedulerLosesNothingAndDuplicatesNothing() throws Exception {
        EmbeddedKafkaBroker kafka = EngineFixture.broker();
        String cluster = EngineFixture.unique("cluster");
        int dataPort = EngineFixture.freePort();
        int schedulerClusterPort = EngineFixture.freePort();
        int runtimePort = EngineFixture.freePort();
        String hosts = "127.0.0.1[" + dataPort + "],127.0.0.1[" + schedulerClusterPort + "]";
        String[] schedulerArgs = {kafka.bootstrapServers(), cluster, Integer.toString(schedulerClusterPort), hosts,
            Integer.toString(runtimePort)};
        String schedulerUri = "ws://127.0.0.1:" + runtimePort + "/runtime";

        try (SluiceNode data = SluiceNode.clustered(new ClusterSettings(cluster, "127.0.0.1", dataPort,
                List.of(hosts.split(",")), false))) {
            RuntimeProcess scheduler = RuntimeProcess.java("scheduler", SchedulerProcessMain.class.getName(), schedulerArgs);
            try (RuntimeProcess r1 = RuntimeProcess.start("restart-r1", schedulerUri, 2);
                 RuntimeProcess r2 = RuntimeProcess.start("restart-r2", schedulerUri, 2)) {
                Await.until(Duration.ofSeconds(60), () -> data.members() == 4 && data.statusBoard().runtimes().size() == 2,
                        () -> "scheduler and runtimes are up; scheduler:\n" + scheduler.tail());

                String input = EngineFixture.unique("in");
                String output = EngineFixture.unique("out");
                String pipeline = EngineFixture.unique("restart");
                kafka.createTopic(input, 4);
                FunctionSpec fn = data.registry().putFunction("slowly", "io.sluice.testfunctions.PassthroughSlowly",
                        EngineFixture.testFunctionsJar());
                data.registry().createPipeline(new PipelineSpec(pipeline, "slowly", fn.version(), List.of(input), output,
                        Duration.ofMillis(400), 4, Map.of("delay.ms", "300"), Delivery.EXACTLY_ONCE, PipelineState.RUNNING,
                        System.currentTimeMillis()));

                UniqueRecords records = new UniqueRecords(kafka.bootstrapServers(), input);
                records.produce(4_000);
                Await.until(Duration.ofSeconds(60), () -> batches(data, pipeline) > 0, "a first batch commits");
                records.produce(4_000);
                Await.until(Duration.ofSeconds(30), () -> data.statusBoard().runtimes().stream().anyMatch(r -> r.running() > 0),
                        "tasks of the second wave are running");
                scheduler.kill();

                records.produce(4_000);
                RuntimeProcess restarted = RuntimeProcess.java("scheduler", SchedulerProcessMain.class.getName(), schedulerArgs);
                try {
                    KafkaChecks checks = new KafkaChecks(kafka.bootstrapServers());
                    Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                            () -> "the restarted scheduler commits to the end; scheduler:\n" + restarted.tail());
                    records.assertEachExactlyOnce(checks.readAll(output));
                    assertEquals(List.of(), data.batchStore().manifests(pipeline), "every batch committed and freed");
                    Await.until(Duration.ofSeconds(10), () -> data.statusBoard().progress(pipeline)
                                    .map(p -> p.outputRecords() == records.produced()).orElse(false),
                            () -> "status counts every output record once, also for tasks found committed after the "
                                    + "restart: " + data.statusBoard().progress(pipeline));
                } finally {
                    restarted.kill();
                }
            }
        }
    }

    private static long batches(SluiceNode node, String pipeline) {
        return node.statusBoard().progress(pipeline).map(PipelineProgress::batches).orElse(0L);
    }
}
