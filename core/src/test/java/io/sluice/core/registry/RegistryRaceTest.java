package io.sluice.core.registry;

import io.sluice.core.cluster.SluiceNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry under writers that race, on a real local Infinispan node. Gateways may be several
 * processes, so the registry cannot lean on a JVM lock; these tests fail if a grid write is not
 * conditional where it must be.
 */
class RegistryRaceTest {

    private static final int THREADS = 8;

    private record Upload(FunctionSpec spec, byte[] jar) {
    }

    @Test
    void concurrentUploadsOfOneNameGetDistinctVersionsEachWithItsOwnJar() throws Exception {
        int perThread = 25;
        try (SluiceNode node = SluiceNode.local()) {
            Registry registry = node.registry();
            List<Upload> uploads = onThreads(THREADS, thread -> {
                List<Upload> mine = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    byte[] jar = ("jar of uploader " + thread + " #" + i).getBytes(StandardCharsets.UTF_8);
                    mine.add(new Upload(registry.putFunction("race", "com.acme.Race", jar), jar));
                }
                return mine;
            });

            TreeSet<Integer> versions = uploads.stream().map(u -> u.spec().version())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(IntStream.rangeClosed(1, THREADS * perThread).boxed().toList(), List.copyOf(versions),
                    "every upload gets its own version, with no gap");
            List<String> mixedUp = uploads.stream()
                    .filter(u -> !servesItsOwnJar(registry, u))
                    .map(u -> u.spec().ref()).toList();
            assertEquals(List.of(), mixedUp, "versions whose stored jar is another upload's");
            for (Upload u : uploads) {
                assertEquals(u.spec(), registry.function("race", u.spec().version()).orElseThrow());
                assertEquals(Registry.sha256(u.jar()), u.spec().sha256(), u.spec().ref());
            }
        }
    }

    @Test
    void stateChangesRacingADeleteFailAndNeverBringThePipelineBack() throws Exception {
        int rounds = 40;
        int togglers = 3;
        try (SluiceNode node = SluiceNode.local()) {
            Registry registry = node.registry();
            registry.putFunction("fn", "com.acme.Fn", "jar".getBytes(StandardCharsets.UTF_8));
            ExecutorService pool = Executors.newFixedThreadPool(togglers);
            try {
                List<String> resurrected = new ArrayList<>();
                Set<String> refusals = ConcurrentHashMap.newKeySet();
                for (int round = 0; round < rounds; round++) {
                    String name = "p" + round;
                    registry.createPipeline(new PipelineSpec(name, "fn", 1, List.of("in"), "out",
                            Duration.ofSeconds(1), 1, Map.of(), PipelineState.RUNNING, 0));
                    CountDownLatch toggling = new CountDownLatch(togglers * 20);
                    List<Future<?>> running = new ArrayList<>();
                    for (int t = 0; t < togglers; t++) {
                        running.add(pool.submit(() -> toggleUntilGone(registry, name, toggling, refusals)));
                    }
                    assertTrue(toggling.await(30, TimeUnit.SECONDS), "the togglers got going");
                    registry.removePipeline(name);
                    for (Future<?> f : running) {
                        f.get(60, TimeUnit.SECONDS);
                    }
                    if (registry.pipeline(name).isPresent()) {
                        resurrected.add(name);
                    }
                }
                assertEquals(List.of(), resurrected, "deleted pipelines that a racing state change wrote back");
                for (String reason : refusals) {
                    assertTrue(reason.matches("no pipeline named 'p\\d+'|pipeline 'p\\d+' does not exist: it was deleted"
                            + " while this change was being made; nothing was changed"), reason);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Flips a pipeline between stopped and running until the registry says it is gone (or 400 times). */
    private static void toggleUntilGone(Registry registry, String name, CountDownLatch toggling, Set<String> refusals) {
        for (int i = 0; i < 400; i++) {
            try {
                registry.setPipelineState(name, i % 2 == 0 ? PipelineState.STOPPED : PipelineState.RUNNING);
            } catch (UnknownEntryException e) {
                refusals.add(e.getMessage());
                return;
            }
            toggling.countDown();
        }
    }

    /** @return whether a runtime given this upload's version and SHA-256 loads exactly its bytes */
    private static boolean servesItsOwnJar(Registry registry, Upload u) {
        try {
            return Arrays.equals(u.jar(), registry.jar(u.spec().name(), u.spec().version(), u.spec().sha256()));
        } catch (JarMismatchException e) {
            return false;
        }
    }

    /** Work that one of several racing threads does. */
    private interface Racer<T> {
        List<T> run(int thread) throws Exception;
    }

    /** Runs {@code racer} on {@code threads} threads released together, and gathers what they return. */
    private static <T> List<T> onThreads(int threads, Racer<T> racer) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<List<T>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    return racer.run(thread);
                }));
            }
            List<T> all = new ArrayList<>();
            for (Future<List<T>> f : futures) {
                all.addAll(f.get(60, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }
}
