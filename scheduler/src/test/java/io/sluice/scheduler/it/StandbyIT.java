package io.sluice.scheduler.it;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.Leases;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.status.PipelineProgress;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two scheduler processes share the grid; one holds the scheduler lease, the other stands by, and
 * the runtimes know both addresses. When the active one is SIGKILLed, or SIGSTOPped long enough
 * for its lease to lapse, the standby takes over from the manifests and markers, and the runtimes
 * find it. A stopped scheduler that wakes up (SIGCONT) finds its lease gone and does nothing more.
 * Either way every record is in the output once.
 */
@Tag("slow")
class StandbyIT {

    private static final Logger log = LoggerFactory.getLogger(StandbyIT.class);
    private static final String LEASE = "scheduler";

    @Test
    void theStandbyTakesOverWhenTheActiveSchedulerIsKilled() throws Exception {
        try (Cluster cluster = Cluster.start("standby")) {
            Cluster.Run run = cluster.startPipeline();
            cluster.active.kill();
            long killedAt = System.nanoTime();
            Await.until(Duration.ofSeconds(30), () -> cluster.holderIs(cluster.standbyPort),
                    () -> "the standby takes the lease; standby:\n" + cluster.standby.tail());
            log.info("standby took over {} ms after the SIGKILL", (System.nanoTime() - killedAt) / 1_000_000);
            run.finishAndCheck(cluster.standby);
        }
    }

    @Test
    void aPausedSchedulerThatWakesAfterATakeoverDoesNothingMore() throws Exception {
        try (Cluster cluster = Cluster.start("zombie")) {
            Cluster.Run run = cluster.startPipeline();
            signal("STOP", cluster.active.pid());
            try {
                Await.until(Duration.ofSeconds(30), () -> cluster.holderIs(cluster.standbyPort),
                        () -> "the standby takes the lease from the stopped scheduler; standby:\n" + cluster.standby.tail());
                long committed = run.committedBatches();
                Await.until(Duration.ofSeconds(60), () -> run.committedBatches() > committed + 3,
                        () -> "the runtimes leave the silent scheduler and the new one commits batches; standby:\n"
                                + cluster.standby.tail());
            } finally {
                signal("CONT", cluster.active.pid());
            }
            Await.until(Duration.ofSeconds(20), () -> cluster.active.output().contains("lost the scheduler lease"),
                    () -> "the woken scheduler sees that its lease lapsed; it:\n" + cluster.active.tail());
            run.finishAndCheck(cluster.standby);
            Leases.Holder now = cluster.data.leases().holder(LEASE).orElseThrow();
            assertTrue(!now.holder().equals(cluster.first.holder()) && now.epoch() > cluster.first.epoch(),
                    "the stopped incarnation never holds the lease again: " + now + " after " + cluster.first);
            // Its failed renewal can wait out Infinispan's lock and ack timeouts (10-15 s) before it closes
            // its engine: it stands by again, but not at once.
            Await.until(Duration.ofSeconds(40), () -> {
                        String woken = cluster.active.output();
                        return woken.substring(woken.indexOf("lost the scheduler lease")).contains("standing by");
                    },
                    () -> "the woken scheduler stands by again:\n" + cluster.active.tail());
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }

    /** A data node in this JVM, an active and a standby scheduler process, and two runtime processes. */
    private static final class Cluster implements AutoCloseable {
        final EmbeddedKafkaBroker kafka = EngineFixture.broker();
        final SluiceNode data;
        final RuntimeProcess active;
        final RuntimeProcess standby;
        final int standbyPort;
        final Leases.Holder first;
        final RuntimeProcess r1;
        final RuntimeProcess r2;

        private Cluster(String test) throws Exception {
            String name = EngineFixture.unique(test);
            String cluster = EngineFixture.unique("cluster");
            int dataPort = EngineFixture.freePort();
            int clusterA = EngineFixture.freePort();
            int clusterB = EngineFixture.freePort();
            int activePort = EngineFixture.freePort();
            standbyPort = EngineFixture.freePort();
            String hosts = "127.0.0.1[" + dataPort + "],127.0.0.1[" + clusterA + "],127.0.0.1[" + clusterB + "]";
            data = SluiceNode.clustered(new ClusterSettings(cluster, "127.0.0.1", dataPort, List.of(hosts.split(",")), false));
            active = RuntimeProcess.java(name + "-scheduler-a", SchedulerProcessMain.class.getName(),
                    kafka.bootstrapServers(), cluster, Integer.toString(clusterA), hosts, Integer.toString(activePort));
            try {
                Await.until(Duration.ofSeconds(60), () -> holderIs(activePort),
                        () -> "the first scheduler takes the lease:\n" + active.tail());
            } catch (AssertionError e) {
                active.kill();
                data.close();
                throw e;
            }
            first = data.leases().holder(LEASE).orElseThrow();
            standby = RuntimeProcess.java(name + "-scheduler-b", SchedulerProcessMain.class.getName(),
                    kafka.bootstrapServers(), cluster, Integer.toString(clusterB), hosts, Integer.toString(standbyPort));
            String schedulers = "ws://127.0.0.1:" + activePort + "/runtime,ws://127.0.0.1:" + standbyPort + "/runtime";
            r1 = RuntimeProcess.start(name + "-r1", schedulers, 2);
            r2 = RuntimeProcess.start(name + "-r2", schedulers, 2);
            try {
                Await.until(Duration.ofSeconds(90), () -> data.members() == 5 && data.statusBoard().runtimes().size() == 2,
                        () -> "schedulers and runtimes are up; standby:\n" + standby.tail() + "\nr1:\n" + r1.tail());
                Await.until(Duration.ofSeconds(30), () -> standby.output().contains("standing by"),
                        () -> "the second scheduler stands by:\n" + standby.tail());
            } catch (AssertionError e) {
                close();
                throw e;
            }
        }

        static Cluster start(String name) throws Exception {
            return new Cluster(name);
        }

        boolean holderIs(int runtimePort) {
            Optional<Leases.Holder> holder = data.leases().holder(LEASE);
            return holder.map(h -> h.holder().startsWith("127.0.0.1:" + runtimePort + "/")).orElse(false);
        }

        Run startPipeline() throws Exception {
            return new Run(this);
        }

        @Override
        public void close() {
            for (RuntimeProcess p : List.of(r1, r2, active, standby)) {
                p.kill();
            }
            data.close();
        }

        /** Steady input through an exactly-once pipeline, started before the fault. */
        static final class Run {
            final Cluster cluster;
            final String input = EngineFixture.unique("in");
            final String output = EngineFixture.unique("out");
            final String pipeline = EngineFixture.unique("standby");
            final UniqueRecords records;
            final ExecutorService producer = Executors.newSingleThreadExecutor();
            final Future<?> producing;

            Run(Cluster cluster) throws Exception {
                this.cluster = cluster;
                cluster.kafka.createTopic(input, 4);
                FunctionSpec fn = cluster.data.registry().putFunction("slowly", "io.sluice.testfunctions.PassthroughSlowly",
                        EngineFixture.testFunctionsJar());
                cluster.data.registry().createPipeline(new PipelineSpec(pipeline, "slowly", fn.version(), List.of(input),
                        output, Duration.ofMillis(200), 4, Map.of("delay.ms", "50"), Delivery.EXACTLY_ONCE,
                        PipelineState.RUNNING, System.currentTimeMillis()));
                records = new UniqueRecords(cluster.kafka.bootstrapServers(), input);
                producing = producer.submit(() -> {
                    records.produceSteadily(500, Duration.ofSeconds(25));
                    return null;
                });
                Await.until(Duration.ofSeconds(60), () -> committedBatches() >= 5,
                        () -> "batches commit before the fault; active:\n" + cluster.active.tail());
            }

            long committedBatches() {
                return cluster.data.statusBoard().progress(pipeline).map(PipelineProgress::batches).orElse(0L);
            }

            void finishAndCheck(RuntimeProcess newScheduler) throws Exception {
                producing.get(60, TimeUnit.SECONDS);
                producer.shutdown();
                KafkaChecks checks = new KafkaChecks(cluster.kafka.bootstrapServers());
                Await.until(Duration.ofSeconds(120), () -> checks.committedToEnd("sluice." + pipeline, input),
                        () -> "the new scheduler commits to the end; it:\n" + newScheduler.tail());
                records.assertEachExactlyOnce(checks.readAll(output));
                Await.until(Duration.ofSeconds(10), () -> cluster.data.batchStore().manifests(pipeline).isEmpty(),
                        () -> "every batch committed and freed: " + cluster.data.batchStore().manifests(pipeline));
                Await.until(Duration.ofSeconds(10), () -> cluster.data.statusBoard().progress(pipeline)
                                .map(p -> p.outputRecords() == records.produced()).orElse(false),
                        () -> "status counts every output record once: " + cluster.data.statusBoard().progress(pipeline));
                assertEquals(records.produced(), cluster.data.statusBoard().progress(pipeline).orElseThrow().records());
            }
        }
    }
}
