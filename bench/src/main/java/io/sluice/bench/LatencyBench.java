package io.sluice.bench;

import io.sluice.core.registry.Delivery;
import io.sluice.core.status.BatchInfo;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * End-to-end latency at a fixed input rate, on one embedded broker, one system after another:
 * <ol>
 *   <li>a raw Kafka consume-produce loop, at-least-once: the floor;</li>
 *   <li>a raw transactional consume-produce loop committing every 100 ms: the floor for exactly-once;</li>
 *   <li>Sluice, exactly-once, 100 ms batches, pass-through, 2 in-process runtimes of 2 slots;</li>
 *   <li>the same with 500 ms batches.</li>
 * </ol>
 * Each reads its own input topic, written by a {@link PacedInput} at the given rate, and writes
 * its own output topic, which a {@link LatencyProbe} reads with read_committed. Latency is the
 * probe's receipt time minus the send time carried in the value. After a short warm-up (not
 * counted), the run is measured; the p99 of its first and second halves shows whether latency is
 * bounded or grows with time. For Sluice, the batches of the measured window are broken down too:
 * how late after its interval's end a batch was cut, its scheduling delay and processing time.
 *
 * <p>Usage: {@code bench/run latency [seconds] [records/s] [partitions] [runs]}, {@code runs} a
 * comma-separated list of runs: {@code raw,raw-tx,streams-eos,sluice-100,sluice-500} by default
 * ({@code streams-eos}: Kafka Streams passing records through with {@code exactly_once_v2} and
 * {@code commit.interval.ms=100}); also {@code hop}
 * (the reader on the input topic itself: what the broker and clients alone cost here), and the
 * diagnostics {@code sluice-100-one-runtime} (the same 4 slots in one runtime, so no transactional id
 * can move between runtimes) and {@code sluice-100-no-spec} (no speculative copies). The machine
 * is shared and noisy, so each row shows the load average at its end: compare systems within one
 * run, not figures across runs.
 */
public final class LatencyBench {

    private static final Duration WARM_UP = Duration.ofSeconds(3);
    /** Added to the first run's warm-up: a cold JVM (broker and clients included) needs about this long to compile its hot paths. */
    private static final Duration JVM_WARM_UP = Duration.ofSeconds(5);
    private static final Duration DRAIN = Duration.ofSeconds(3);
    private static final int PRIME = 200;

    private enum Kind { HOP, RAW, RAW_TRANSACTIONAL, STREAMS, SLUICE }

    /** For Sluice: {@code runtimes} in-process runtimes of {@code slots} slots, straggler speculation on or off. */
    private record Run(String id, String label, Kind kind, Duration interval, int runtimes, int slots, boolean speculation) {
        static Run loop(String id, String label, Kind kind, Duration commitInterval) {
            return new Run(id, label, kind, commitInterval, 0, 0, false);
        }

        static Run sluice(String id, String label, int intervalMs, int runtimes, int slots, boolean speculation) {
            return new Run(id, label, Kind.SLUICE, Duration.ofMillis(intervalMs), runtimes, slots, speculation);
        }
    }

    private static final List<String> DEFAULT_RUNS = List.of("raw", "raw-tx", "streams-eos", "sluice-100", "sluice-500");
    private static final List<Run> RUNS = List.of(
            Run.loop("hop", "one hop: producer to reader, no loop", Kind.HOP, Duration.ZERO),
            Run.loop("raw", "raw consume-produce loop, at-least-once", Kind.RAW, Duration.ZERO),
            Run.loop("raw-tx", "raw transactional loop, commit every 100 ms", Kind.RAW_TRANSACTIONAL, Duration.ofMillis(100)),
            Run.loop("streams-eos", "Kafka Streams, exactly_once_v2, commit every 100 ms", Kind.STREAMS, Duration.ofMillis(100)),
            Run.sluice("sluice-100", "Sluice, exactly-once, 100 ms batches", 100, 2, 2, true),
            Run.sluice("sluice-500", "Sluice, exactly-once, 500 ms batches", 500, 2, 2, true),
            // diagnostics: the same slots where a transactional id cannot move between runtimes, or
            // without the speculative copies that move it
            Run.sluice("sluice-100-one-runtime", "Sluice, EO, 100 ms, 1 runtime of 4 slots", 100, 1, 4, true),
            Run.sluice("sluice-100-no-spec", "Sluice, EO, 100 ms, no speculation", 100, 2, 2, false));

    private record Result(Run run, LatencyProbe.Summary latency, double rate, double load, List<BatchInfo> batches,
                          List<WireTap.Timing> attempts, Map<String, Integer> failures, int cancels,
                          Map<String, Long> transactionMillis, long producers) {
    }

    private LatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        byte[] passthroughJar = Files.readAllBytes(Path.of(args[0]));
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        List<String> wanted = args.length > 4 ? Arrays.asList(args[4].split(",")) : DEFAULT_RUNS;
        List<Run> runs = RUNS.stream().filter(r -> wanted.contains(r.id())).toList();
        if (runs.size() != wanted.size()) {
            throw new IllegalArgumentException("unknown run in " + wanted + "; the runs are "
                    + RUNS.stream().map(Run::id).toList());
        }
        Duration measured = Duration.ofSeconds(seconds);

        List<Result> results = new ArrayList<>();
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.create().start()) {
            System.out.printf(Locale.ROOT, "Latency at %,d records/s of %d bytes, %d partitions, %d s measured after a %d s "
                            + "warm-up (%d s more for the first run), read_committed reader; one embedded broker, %d cores%n%n",
                    rate, PacedInput.VALUE_BYTES, partitions, seconds, WARM_UP.toSeconds(), JVM_WARM_UP.toSeconds(),
                    Runtime.getRuntime().availableProcessors());
            for (Run run : runs) {
                Duration warmUp = results.isEmpty() ? WARM_UP.plus(JVM_WARM_UP) : WARM_UP;
                Result r = measure(kafka, run, passthroughJar, rate, partitions, warmUp, measured);
                results.add(r);
                System.err.printf(Locale.ROOT, "%s: p50 %s, p99 %s%n", run.id(), r.latency.percentile(0.5),
                        r.latency.percentile(0.99));
            }
        }
        printLatency(results);
        printBatches(results);
        printAttempts(results);
    }

    private static Result measure(EmbeddedKafkaBroker kafka, Run run, byte[] jar, int rate, int partitions,
                                  Duration warmUp, Duration measured) throws Exception {
        String input = "latency-in-" + run.id();
        String output = run.kind() == Kind.HOP ? input : "latency-out-" + run.id();
        kafka.createTopic(input, partitions);
        kafka.createTopic(output, partitions);
        long warmUpRecords = rate * warmUp.toSeconds();
        long capacity = warmUpRecords + rate * measured.toSeconds();
        AutoCloseable system = null;
        try (PacedInput in = new PacedInput(kafka.bootstrapServers(), input, capacity)) {
            InProcessSluice sluice = null;
            switch (run.kind()) {
                case HOP -> system = null;
                case RAW -> system = RawLoop.start(kafka.bootstrapServers(), input, output, RawLoop.Mode.AT_LEAST_ONCE,
                        Duration.ZERO);
                case RAW_TRANSACTIONAL -> system = RawLoop.start(kafka.bootstrapServers(), input, output,
                        RawLoop.Mode.TRANSACTIONAL, run.interval());
                case STREAMS -> system = new StreamsLoop(kafka.bootstrapServers(), input, output, run.interval(), 2);
                case SLUICE -> {
                    sluice = new InProcessSluice(kafka.bootstrapServers(), run.runtimes(), run.slots());
                    system = sluice;
                    sluice.runPassthrough(jar, "latency-" + run.id(), input, output, run.interval(), partitions,
                            Delivery.EXACTLY_ONCE, run.speculation());
                }
            }
            try (LatencyProbe probe = LatencyProbe.start(kafka.bootstrapServers(), output, partitions, capacity)) {
                return measure(run, in, probe, sluice, rate, warmUp, measured, warmUpRecords);
            }
        } finally {
            if (system != null) {
                system.close();
            }
        }
    }

    private static Result measure(Run run, PacedInput in, LatencyProbe probe, InProcessSluice sluice, int rate,
                                  Duration warmUp, Duration measured, long warmUpRecords) throws InterruptedException {
        in.prime(PRIME);
        Await.until(Duration.ofSeconds(60), () -> probe.primed() >= PRIME,
                () -> run.id() + " passes the first " + PRIME + " records through; seen " + probe.primed());

        long pacedFrom = System.currentTimeMillis();
        in.run(rate, warmUp.plus(measured));
        long measuredUntil = System.currentTimeMillis();
        long drainBy = System.nanoTime() + DRAIN.toNanos();
        while (probe.received() < in.sent() && System.nanoTime() < drainBy) {
            Thread.sleep(20);
        }
        LatencyProbe.Summary latency = probe.stopAndSummarise(in, warmUpRecords, in.sent());
        if (sluice == null) {
            return new Result(run, latency, in.achievedRate(), load(), List.of(), List.of(), Map.of(), 0, Map.of(), 0);
        }
        // Batches and attempts of the whole paced run, warm-up included: when Sluice falls behind, the
        // batches of the measured window may never finish, and the warm-up is where it fell behind.
        long until = measuredUntil + run.interval().toMillis();
        return new Result(run, latency, in.achievedRate(), load(), sluice.batches().between(pacedFrom, until),
                sluice.tap().timings(pacedFrom, until), sluice.tap().failures(), sluice.tap().cancels(),
                sluice.transactions().millis(), sluice.transactions().producers());
    }

    /** @return the system's one-minute load average: how much else the shared machine was running */
    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void printLatency(List<Result> results) {
        System.out.printf(Locale.ROOT, "%-44s %9s %9s %9s %13s %13s %10s %8s %5s %9s %5s%n", "end-to-end latency", "p50",
                "p99", "max", "p99 1st half", "p99 2nd half", "records", "missing", "dup", "input/s", "load");
        for (Result r : results) {
            LatencyProbe.Summary l = r.latency;
            System.out.printf(Locale.ROOT, "%-44s %9s %9s %9s %13s %13s %,10d %8d %5d %,9.0f %5.1f%n", r.run.label(),
                    l.percentile(0.5), l.percentile(0.99), l.max(), l.firstHalf().percentile(0.99),
                    l.secondHalf().percentile(0.99), l.count(), l.missing(), l.duplicates() + l.unexpected(), r.rate, r.load);
        }
        System.out.println();
        System.out.println("missing: not read within " + DRAIN.toSeconds() + " s after the input stopped; a figure marked"
                + " >= counts those at that lower bound.");
    }

    private static void printBatches(List<Result> results) {
        List<Result> sluice = results.stream().filter(r -> r.run.kind() == Kind.SLUICE).toList();
        if (sluice.isEmpty()) {
            return;
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-44s %8s %15s %15s %15s %15s %9s%n", "Sluice batches (paced run, finished), ms",
                "batches", "cut late", "sched. delay", "processing", "total delay", "retries");
        System.out.printf(Locale.ROOT, "%-44s %8s %15s %15s %15s %15s %9s%n", "", "", "p50/p99/max", "p50/p99/max",
                "p50/p99/max", "p50/p99/max", "");
        for (Result r : sluice) {
            List<BatchInfo> b = r.batches;
            System.out.printf(Locale.ROOT, "%-44s %8d %15s %15s %15s %15s %9d%n", r.run.label(), b.size(),
                    spread(b, x -> x.submissionTime() - x.batchTime()),
                    spread(b, x -> x.schedulingDelay().toMillis()),
                    spread(b, x -> x.processingTime().toMillis()),
                    spread(b, x -> x.totalDelay().toMillis()),
                    b.stream().mapToLong(BatchInfo::extraAttempts).sum());
        }
        System.out.println();
        System.out.println("cut late: cut time minus the end of the batch's interval. A record waits for the end of its"
                + " interval (up to one batch), then the cut, then its task.");
        System.out.println("retries: attempts beyond one per task (failures, re-runs, speculative copies).");
    }

    private static void printAttempts(List<Result> results) {
        List<Result> sluice = results.stream().filter(r -> r.run.kind() == Kind.SLUICE).toList();
        if (sluice.isEmpty()) {
            return;
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-44s %8s %15s %13s %11s %15s %15s %15s%n", "Sluice attempts (paced run, finished), ms",
                "attempts", "RunTask->Done", "read", "run", "write", "write, id kept", "write, id moved");
        System.out.printf(Locale.ROOT, "%-44s %8s %15s %13s %11s %15s %15s %15s%n", "", "", "p50/p99/max", "p50/p99/max",
                "p50/p99/max", "p50/p99/max", "n: p50/p99", "n: p50/p99");
        for (Result r : sluice) {
            List<WireTap.Timing> a = r.attempts;
            List<WireTap.Timing> moved = a.stream().filter(WireTap.Timing::moved).toList();
            List<WireTap.Timing> kept = a.stream().filter(t -> !t.moved()).toList();
            System.out.printf(Locale.ROOT, "%-44s %8d %15s %13s %11s %15s %15s %15s%n", r.run.label(), a.size(),
                    spread(a, WireTap.Timing::roundTrip), spread(a, WireTap.Timing::read), spread(a, WireTap.Timing::run),
                    spread(a, WireTap.Timing::write), kept.size() + ": " + spread2(kept, WireTap.Timing::write),
                    moved.size() + ": " + spread2(moved, WireTap.Timing::write));
        }
        System.out.println();
        System.out.println("From the runtimes' TaskDone messages. RunTask->Done: from the scheduler's RunTask to the runtime's"
                + " TaskDone, queueing on the runtime included. id moved: the task's transactional id came from another"
                + " runtime (or was new), so the runtime initialised a producer for it before writing.");
        for (Result r : sluice) {
            long committed = Math.max(1, r.attempts.size());
            StringBuilder calls = new StringBuilder();
            r.transactionMillis.forEach((call, ms) -> calls.append(String.format(Locale.ROOT, "%s %,d ms (%.1f/attempt), ",
                    call, ms, ms / (double) committed)));
            System.out.printf(Locale.ROOT, "%s:%n  transactional producers: %d created; time in their calls: %s%n",
                    r.run.label(), r.producers, calls.substring(0, Math.max(0, calls.length() - 2)));
            System.out.printf(Locale.ROOT, "  %d cancel(s) sent; failed attempts: %s%n", r.cancels,
                    r.failures.isEmpty() ? "none" : "");
            r.failures.forEach((what, n) -> System.out.printf(Locale.ROOT, "  %5d x %s%n", n, what));
        }
    }

    private static String spread2(List<WireTap.Timing> attempts, ToDoubleFunction<WireTap.Timing> metric) {
        String s = spread(attempts, metric);
        return s.contains("/") ? s.substring(0, s.lastIndexOf('/')) : s;
    }

    private static String spread(List<WireTap.Timing> attempts, ToDoubleFunction<WireTap.Timing> metric) {
        if (attempts.isEmpty()) {
            return "-";
        }
        double[] v = attempts.stream().mapToDouble(metric).sorted().toArray();
        return Math.round(v[v.length / 2]) + "/" + Math.round(v[Math.max(0, (int) Math.ceil(0.99 * v.length) - 1)]) + "/"
                + Math.round(v[v.length - 1]);
    }

    private static String spread(List<BatchInfo> batches, ToLongFunction<BatchInfo> metric) {
        return BatchLog.quantile(batches, metric, 0.5) + "/" + BatchLog.quantile(batches, metric, 0.99) + "/"
                + BatchLog.quantile(batches, metric, 1.0);
    }
}
