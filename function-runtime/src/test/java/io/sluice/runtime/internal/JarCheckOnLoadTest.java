package io.sluice.runtime.internal;

import io.sluice.core.block.BlockWriter;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.JarMismatchException;
import io.sluice.core.registry.Registry;
import io.sluice.core.store.InfinispanBatchStore;
import io.sluice.core.table.Tables;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage;
import io.sluice.core.wire.WireMessage.FailureKind;
import io.sluice.core.wire.WireMessage.FunctionRef;
import io.sluice.core.wire.WireMessage.RecordRange;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.sluice.function.Batch;
import io.sluice.function.BatchFunction;
import io.sluice.function.Emitter;
import org.infinispan.Cache;
import org.infinispan.configuration.cache.CacheMode;
import org.infinispan.configuration.cache.Configuration;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.manager.DefaultCacheManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A runtime loads a function only from a jar that hashes to the SHA-256 the task names. The grid
 * is a real local Infinispan with the jar cache in reach, so the test can overwrite a jar entry.
 * The function throws whenever it runs, which makes "it was loaded and ran" visible in the report.
 */
class JarCheckOnLoadTest {

    /** The function under test: running it at all is the signal. */
    public static final class ReportsThatItRan implements BatchFunction {
        @Override
        public void apply(Batch batch, Emitter out) {
            throw new IllegalStateException("the function ran");
        }
    }

    private static final String CLASS = ReportsThatItRan.class.getName();
    private static final TaskId TASK = new TaskId("p", 1000, 0);

    private DefaultCacheManager grid;
    private Cache<String, byte[]> jars;
    private Services services;

    @BeforeEach
    void startGrid() {
        grid = new DefaultCacheManager(new GlobalConfigurationBuilder().nonClusteredDefault().build(), false);
        Configuration local = new ConfigurationBuilder().clustering().cacheMode(CacheMode.LOCAL).build();
        for (String cache : new String[] {"functions", "jars", "pipelines", "manifests", "blocks", "tables"}) {
            grid.defineConfiguration(cache, local);
        }
        grid.start();
        jars = grid.getCache("jars");
        InfinispanBatchStore store = new InfinispanBatchStore(grid.getCache("manifests"), grid.getCache("blocks"));
        BlockWriter block = new BlockWriter();
        block.append("in", 0, 0, 1, null, "a record".getBytes(StandardCharsets.UTF_8));
        store.putBlocks(Map.of(TASK, block.seal()));
        // Exactly-once without a marker check computes the output before it touches Kafka, so the
        // load and the function's failure happen without a broker.
        services = new Services(store, new Registry(grid.getCache("functions"), jars, grid.getCache("pipelines")), null, null, null,
                new Tables(grid.getCache("tables")));
    }

    @AfterEach
    void stopGrid() {
        grid.stop();
    }

    @Test
    void aJarThatIsNotTheRegisteredOneFailsTheTaskAsSetupWithoutRunningIt() throws Exception {
        byte[] registered = jar(Map.of());
        FunctionSpec spec = services.registry().putFunction("fn", CLASS, registered);
        FunctionRef ref = new FunctionRef("fn", 1, CLASS, spec.sha256());

        TaskFailed intact = run(ref, 1);
        assertEquals(FailureKind.USER, intact.kind(), "the registered jar loads: " + intact);
        assertEquals("the function ran", intact.message());

        // Same class, other bytes: what a stray write or a mixed-up upload would leave.
        jars.put(spec.jarKey(), jar(Map.of("extra.txt", "not in the registered jar")));

        TaskFailed refused = run(ref, 2);
        assertEquals(FailureKind.SETUP, refused.kind(), "a jar mismatch means the function cannot be loaded: " + refused);
        assertEquals(JarMismatchException.class.getName(), refused.errorClass());
        assertTrue(refused.message().startsWith("the stored jar of fn@1 has SHA-256 "), refused.message());
        assertTrue(refused.message().contains("not the " + spec.sha256() + " it was registered with"), refused.message());
    }

    /** Runs one attempt on a fresh runtime (so no function is cached yet) and returns its failure. */
    private TaskFailed run(FunctionRef ref, int attempt) throws InterruptedException {
        BlockingQueue<WireMessage> replies = new LinkedBlockingQueue<>();
        try (TaskRunner runner = new TaskRunner("rt", 1, CompletableFuture.completedFuture(services), replies::add)) {
            runner.run(new RunTask(new TaskAttempt(TASK, attempt), 1, ref, "out", Map.of(), "sluice.p.0.0", 1, false,
                    RecordRange.ALL, "sluice.dlq.p", ""));
            WireMessage reply = replies.poll(30, TimeUnit.SECONDS);
            return assertInstanceOf(TaskFailed.class, reply, "the attempt's report");
        }
    }

    /** A jar holding the test function's class, and any extra text entries. */
    private static byte[] jar(Map<String, String> extra) throws IOException {
        String entry = CLASS.replace('.', '/') + ".class";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out);
             InputStream classFile = JarCheckOnLoadTest.class.getClassLoader().getResourceAsStream(entry)) {
            zip.putNextEntry(new ZipEntry(entry));
            classFile.transferTo(zip);
            for (Map.Entry<String, String> e : extra.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
