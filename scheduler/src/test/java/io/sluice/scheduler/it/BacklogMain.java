package io.sluice.scheduler.it;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryCreated;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryRemoved;
import org.infinispan.notifications.cachelistener.event.CacheEntryCreatedEvent;
import org.infinispan.notifications.cachelistener.event.CacheEntryRemovedEvent;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The scheduler and two runtimes in one JVM, draining a backlog that is already in Kafka, for
 * {@link BacklogIT}, which starts this JVM with a small heap:
 * {@code <kafka> <input topic> <output topic> <pipeline> <result file>}. It writes the peak heap
 * and the peak block bytes stored to the result file and exits 0 once everything is committed, 2
 * if that takes too long; the JVM exits 3 on an out-of-memory error ({@code ExitOnOutOfMemoryError}).
 */
public final class BacklogMain {

    private BacklogMain() {
    }

    /** Adds up the block bytes in the store as they are written and freed. */
    @Listener(sync = true)
    public static final class StoredBytes {
        final AtomicLong now = new AtomicLong();
        final AtomicLong peak = new AtomicLong();

        @CacheEntryCreated
        public void created(CacheEntryCreatedEvent<String, byte[]> event) {
            if (!event.isPre()) {
                long total = now.addAndGet(event.getValue().length);
                peak.accumulateAndGet(total, Math::max);
            }
        }

        @CacheEntryRemoved
        public void removed(CacheEntryRemovedEvent<String, byte[]> event) {
            if (!event.isPre() && event.getOldValue() != null) {
                now.addAndGet(-event.getOldValue().length);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String input = args[1];
        String output = args[2];
        String pipeline = args[3];
        Path result = Path.of(args[4]);
        HeapAfterGc afterGc = new HeapAfterGc();
        AtomicLong peakSampled = new AtomicLong();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "backlog-heap-sampler");
            t.setDaemon(true);
            return t;
        });
        // every 50 ms, the heap in use, garbage included
        sampler.scheduleAtFixedRate(() -> peakSampled.accumulateAndGet(
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max), 0, 50, TimeUnit.MILLISECONDS);
        long start = System.nanoTime();
        try (InProcessEngine engine = InProcessEngine.start(bootstrap, c -> c, 2, "backlog-a", "backlog-b")) {
            StoredBytes stored = new StoredBytes();
            engine.node.addCacheListener(SluiceNode.BLOCKS, stored);
            engine.scheduler.registerFunction("pass", "io.sluice.testfunctions.Passthrough",
                    EngineFixture.testFunctionsJar());
            engine.scheduler.createPipeline(pipeline, "pass", List.of(input), output, Duration.ofMillis(200), 4, Map.of(),
                    Delivery.EXACTLY_ONCE);
            KafkaChecks checks = new KafkaChecks(bootstrap);
            try {
                Await.until(Duration.ofSeconds(150), () -> checks.committedToEnd("sluice." + pipeline, input),
                        "the backlog is committed");
            } catch (AssertionError e) {
                write(result, Map.of("error", e.getMessage()));
                System.exit(2);
            }
            long drained = (System.nanoTime() - start) / 1_000_000;
            write(result, Map.of("drainedMillis", Long.toString(drained),
                    "peakLiveHeap", Long.toString(afterGc.peakAfterMajor.get()),
                    "majorGcs", Long.toString(afterGc.majors.get()),
                    "peakHeapAfterGc", Long.toString(afterGc.peakAfterAny.get()),
                    "peakHeapUsed", Long.toString(peakSampled.get()),
                    "maxHeap", Long.toString(Runtime.getRuntime().maxMemory()),
                    "peakStoredBytes", Long.toString(stored.peak.get()),
                    "failedAttempts", Long.toString(engine.tasksFailed())));
        }
        System.exit(0);
    }

    /**
     * The heap in use right after collections, from the collectors' notifications. After a major
     * (full) collection that is the live heap: everything still reachable. After a minor one it
     * also counts the old generation's garbage, so it is an upper bound.
     */
    static final class HeapAfterGc {
        final AtomicLong peakAfterMajor = new AtomicLong();
        final AtomicLong peakAfterAny = new AtomicLong();
        final AtomicLong majors = new AtomicLong();

        HeapAfterGc() {
            Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                    if (!"com.sun.management.gc.notification".equals(notification.getType())) {
                        return;
                    }
                    CompositeData info = (CompositeData) notification.getUserData();
                    CompositeData gcInfo = (CompositeData) info.get("gcInfo");
                    long used = 0;
                    for (Object row : ((TabularData) gcInfo.get("memoryUsageAfterGc")).values()) {
                        CompositeData entry = (CompositeData) row;
                        if (heapPools.contains((String) entry.get("key"))) {
                            used += MemoryUsage.from((CompositeData) entry.get("value")).getUsed();
                        }
                    }
                    peakAfterAny.accumulateAndGet(used, Math::max);
                    if (String.valueOf(info.get("gcAction")).contains("major")) {
                        majors.incrementAndGet();
                        peakAfterMajor.accumulateAndGet(used, Math::max);
                    }
                }, null, null);
            }
        }
    }

    private static void write(Path file, Map<String, String> values) throws IOException {
        Files.writeString(file, values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
    }
}
