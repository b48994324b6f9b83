package io.sluice.core.cluster;

import io.sluice.core.block.Block;
import io.sluice.core.block.BlockWriter;
import io.sluice.core.registry.ConflictException;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.registry.Registry;
import io.sluice.core.registry.UnknownEntryException;
import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.MissingBlockException;
import io.sluice.core.store.OffsetRange;
import io.sluice.core.task.TaskId;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data grid for real: a local node, and a two-member cluster with a zero-capacity runtime member. */
class SluiceNodeIT {

    @Test
    void localNodeStoresBatchesAndRegistryEntries() throws Exception {
        try (SluiceNode node = SluiceNode.local()) {
            storesAndFreesBatches(node, node);
            registryLifecycle(node.registry());

            PipelineProgress progress = PipelineProgress.empty("p")
                    .plus(new BatchInfo("p", 1000, 10, 3, 2, 2, 3, 1, 1001, 1005, 1020));
            node.statusBoard().publish(progress);
            assertEquals(progress, node.statusBoard().progress("p").orElseThrow());
            assertEquals(4, progress.recent().get(0).schedulingDelay().toMillis());
            assertEquals(15, progress.recent().get(0).processingTime().toMillis());
            assertEquals(19, progress.recent().get(0).totalDelay().toMillis());
        }
    }

    @Test
    void zeroCapacityMemberReadsWhatTheOwnerStoresAndSeesRegistryChanges() throws Exception {
        int ownerPort = freePort();
        int memberPort = freePort();
        List<String> hosts = List.of("127.0.0.1[" + ownerPort + "]");
        try (SluiceNode owner = SluiceNode.clustered(new ClusterSettings("sluice-it", "127.0.0.1", ownerPort, hosts, false));
             SluiceNode member = SluiceNode.clustered(ClusterSettings.member("sluice-it", "127.0.0.1", memberPort, hosts))) {
            waitFor(() -> owner.members() == 2 && member.members() == 2, "both members see each other");

            List<String> changes = new CopyOnWriteArrayList<>();
            owner.registry().onPipelineChange(changes::add);

            storesAndFreesBatches(owner, member);
            FunctionSpec fn = member.registry().putFunction("wc", "com.acme.Wc", jar("x"));
            assertEquals(fn, owner.registry().latestFunction("wc").orElseThrow());
            member.registry().createPipeline(pipeline("from-member", 1));
            waitFor(() -> changes.contains("from-member"), "the owner is told of a pipeline created on the member");

            // Conditional writes from a member that owns nothing compare the values it read remotely by content.
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                member.registry().setPipelineState("from-member", PipelineState.STOPPED);
                assertEquals(PipelineState.STOPPED, owner.registry().pipeline("from-member").orElseThrow().state());
                assertArrayEquals(jar("x"), member.registry().jar("wc", 1, fn.sha256()));
                member.registry().removePipeline("from-member");
                member.registry().removeFunction("wc");
            }, "conditional registry writes from the zero-capacity member");
            assertTrue(owner.registry().functions().isEmpty(), "the member's removal removed the function");
        }
    }

    /**
     * A grid with a secret takes a member that proves it (JGroups AUTH) and refuses one without it
     * or with another: the refused one never becomes a member.
     */
    @Test
    void aGridWithASecretRefusesMembersThatDoNotProveIt() throws Exception {
        int ownerPort = freePort();
        List<String> hosts = List.of("127.0.0.1[" + ownerPort + "]");
        String cluster = "sluice-auth-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        try (SluiceNode owner = SluiceNode.clustered(new ClusterSettings(cluster, "127.0.0.1", ownerPort, hosts, false, "grid-s3cret"))) {
            for (String wrong : List.of("", "guessed")) {
                RuntimeException refused = assertThrows(RuntimeException.class, () -> SluiceNode.clustered(
                        ClusterSettings.member(cluster, "127.0.0.1", freePort(), hosts).withSecret(wrong)).close(),
                        "a member proving '" + wrong + "' is refused");
                assertTrue(causes(refused).contains("authentication failed") || causes(refused).contains("SecurityException"),
                        "refused by AUTH: " + causes(refused));
                assertEquals(1, owner.members(), "the refused member never joined");
            }
            try (SluiceNode member = SluiceNode.clustered(ClusterSettings.member(cluster, "127.0.0.1", freePort(), hosts)
                    .withSecret("grid-s3cret"))) {
                waitFor(() -> owner.members() == 2 && member.members() == 2, "the member with the secret joins");
            }
        }
    }

    private static String causes(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c).append(" <- ");
        }
        return all.toString();
    }

    /**
     * Every socket of a clustered node binds to the cluster address: its failure-detection socket at
     * the cluster port + 100 too, and no diagnostics socket is open. Read from Linux's
     * {@code /proc/net}, which lists every socket of this host.
     */
    @Test
    void aClusterNodeListensOnlyOnItsClusterAddress() throws Exception {
        Path tcp = Path.of("/proc/net/tcp");
        Assumptions.assumeTrue(Files.isReadable(tcp), "needs Linux's /proc/net");
        int port = freePort();
        try (SluiceNode node = SluiceNode.clustered(new ClusterSettings("sluice-bind-" + java.util.UUID.randomUUID(), "127.0.0.1", port,
                List.of("127.0.0.1[" + port + "]"), false))) {
            assertEquals(1, node.members());
            List<String> listening = new ArrayList<>();
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.trim().split("\\s+");
                    int localPort = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                    if (f[3].equals("0A") && (localPort == port || localPort == port + 100)) { // 0A: LISTEN
                        listening.add(localPort + "@" + f[1].substring(0, f[1].indexOf(':')));
                    }
                }
            }
            String loopback = "(0100007F|0000000000000000FFFF00000100007F)"; // 127.0.0.1, or it mapped into IPv6
            assertEquals(2, listening.size(), "the cluster port and the failure-detection port: " + listening);
            assertTrue(listening.stream().allMatch(l -> l.matches("\\d+@" + loopback)),
                    "both listen on 127.0.0.1 only: " + listening);
            java.util.Set<String> mine = new java.util.HashSet<>(); // this JVM's sockets, by inode
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                fds.forEach(fd -> {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            mine.add(target.substring(8, target.length() - 1));
                        }
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                });
            }
            for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.trim().split("\\s+");
                    assertTrue(!mine.contains(f[9]) || !f[1].endsWith(":1D4C"), "no diagnostics socket on UDP 7500: " + line);
                }
            }
        }
    }

    private static void storesAndFreesBatches(SluiceNode writer, SluiceNode reader) {
        BlockWriter w = new BlockWriter();
        w.append("in", 0, 5, 1, null, "hello".getBytes(StandardCharsets.UTF_8));
        BatchManifest manifest = new BatchManifest("p", 3000, 0, 3001, List.of(new OffsetRange("in", 0, 5, 6)), List.of(1, 0));
        writer.batchStore().putManifest(manifest);
        writer.batchStore().putBlocks(Map.of(new TaskId("p", 3000, 0), w.seal(), new TaskId("p", 3000, 1), BlockWriter.empty()));

        assertEquals(manifest, reader.batchStore().manifest("p", 3000).orElseThrow());
        assertEquals(List.of(manifest), reader.batchStore().manifests("p"));
        assertEquals("hello", Block.decode(reader.batchStore().block(new TaskId("p", 3000, 0))).get(0).valueAsString());

        writer.batchStore().removeBatch(manifest);
        assertTrue(reader.batchStore().manifests("p").isEmpty());
        MissingBlockException missing = assertThrows(MissingBlockException.class,
                () -> reader.batchStore().block(new TaskId("p", 3000, 0)));
        assertTrue(missing.getMessage().contains("p/3000/0"), missing.getMessage());
    }

    private static void registryLifecycle(Registry registry) {
        FunctionSpec v1 = registry.putFunction("wc", "com.acme.Wc", jar("one"));
        FunctionSpec v2 = registry.putFunction("wc", "com.acme.Wc2", jar("two"));
        assertEquals(1, v1.version());
        assertEquals(2, v2.version());
        assertEquals(64, v1.sha256().length());
        assertEquals(v2, registry.latestFunction("wc").orElseThrow());
        assertEquals(List.of(v2), registry.functions());
        assertEquals("one", new String(registry.jar(v1), StandardCharsets.UTF_8));

        PipelineSpec p = registry.createPipeline(pipeline("counts", 1));
        assertThrows(ConflictException.class, () -> registry.createPipeline(pipeline("counts", 1)));
        assertThrows(UnknownEntryException.class, () -> registry.createPipeline(pipeline("other", 9)));
        ConflictException inUse = assertThrows(ConflictException.class, () -> registry.removeFunction("wc"));
        assertTrue(inUse.getMessage().contains("counts"), inUse.getMessage());

        assertEquals(PipelineState.STOPPED, registry.setPipelineState("counts", PipelineState.STOPPED).state());
        assertEquals(p.withState(PipelineState.STOPPED), registry.pipeline("counts").orElseThrow());
        registry.removePipeline("counts");
        assertThrows(UnknownEntryException.class, () -> registry.removePipeline("counts"));
        registry.removeFunction("wc");
        assertTrue(registry.functions().isEmpty());
        assertThrows(UnknownEntryException.class, () -> registry.jar("wc", 1, v1.sha256()));
    }

    private static PipelineSpec pipeline(String name, int version) {
        return new PipelineSpec(name, "wc", version, List.of("in"), "out", Duration.ofSeconds(1), 4, Map.of(),
                PipelineState.RUNNING, 0);
    }

    private static byte[] jar(String content) {
        return content.getBytes(StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }
}
