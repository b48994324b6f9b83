package io.sluice.bench;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where the time of this JVM's transactional producers goes, from the Kafka client's own metrics
 * ({@code kafka.producer:type=producer-metrics}: {@code txn-init-time-ns-total} and friends),
 * summed over every producer whose client id starts with a prefix. Producers come and go (a runtime
 * replaces one whose id moved, under the same client id), so the metrics are sampled often, and an
 * init time that changed marks a new producer; what a producer spent after the last sample before
 * it closed is lost, so the totals are somewhat low.
 */
final class TransactionTimes implements AutoCloseable {

    static final List<String> METRICS = List.of("txn-init", "txn-begin", "txn-send-offsets", "txn-commit", "txn-abort");

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName pattern;
    private final Map<String, long[]> last = new HashMap<>();
    private final long[] totals = new long[METRICS.size()];
    private long producers;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "transaction-times");
        t.setDaemon(true);
        return t;
    });

    TransactionTimes(String clientIdPrefix) throws Exception {
        pattern = new ObjectName("kafka.producer:type=producer-metrics,client-id=" + clientIdPrefix + "*");
        sampler.scheduleWithFixedDelay(this::sample, 0, 200, TimeUnit.MILLISECONDS);
    }

    private synchronized void sample() {
        for (ObjectName name : server.queryNames(pattern, null)) {
            long[] now = new long[METRICS.size()];
            try {
                for (int i = 0; i < now.length; i++) {
                    now[i] = ((Number) server.getAttribute(name, METRICS.get(i) + "-time-ns-total")).longValue();
                }
            } catch (Exception e) {
                continue; // closed between the query and the read
            }
            long[] before = last.get(name.getKeyProperty("client-id"));
            // each producer calls initTransactions once, first: a changed init time is a new producer
            boolean fresh = before == null || now[0] != before[0];
            if (fresh) {
                producers++;
                before = new long[now.length];
            }
            for (int i = 0; i < now.length; i++) {
                totals[i] += now[i] - before[i];
            }
            last.put(name.getKeyProperty("client-id"), now);
        }
    }

    /** @return milliseconds spent in each call so far, summed over the producers, in {@link #METRICS} order */
    synchronized Map<String, Long> millis() {
        sample();
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < totals.length; i++) {
            m.put(METRICS.get(i), totals[i] / 1_000_000);
        }
        return m;
    }

    /** @return producer instances seen so far */
    synchronized long producers() {
        return producers;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
