package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.status.RuntimeInfo;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.kafka.embedded.SharedKafka;
import io.sluice.scheduler.Scheduler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** What every engine test needs: the shared broker, function jars built by the build, unique names. */
final class EngineFixture {

    static final String WORD_COUNT = "io.sluice.examples.WordCount";
    static final String SLOW_ON_RUNTIME = "io.sluice.testfunctions.SlowOnRuntime";

    private EngineFixture() {
    }

    static EmbeddedKafkaBroker broker() {
        return SharedKafka.broker();
    }

    /** @return the word-count example's jar as the build produced it; it is not on the test classpath */
    static byte[] wordCountJar() {
        return jar("sluice.word-count.jar");
    }

    /** @return the test-functions jar as the build produced it; it is not on the test classpath */
    static byte[] testFunctionsJar() {
        return jar("sluice.test-functions.jar");
    }

    private static byte[] jar(String property) {
        String path = System.getProperty(property);
        if (path == null) {
            throw new IllegalStateException("system property " + property + " is not set; run the test through Maven");
        }
        try {
            return Files.readAllBytes(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static long completedBatches(SluiceNode node, String pipeline) {
        return node.statusBoard().progress(pipeline).map(PipelineProgress::batches).orElse(0L);
    }

    static long tasksCompletedBy(Scheduler scheduler, String runtimeName) {
        List<RuntimeInfo> runtimes = scheduler.runtimes();
        return runtimes.stream().filter(r -> r.name().equals(runtimeName)).mapToLong(RuntimeInfo::completed).sum();
    }
}
