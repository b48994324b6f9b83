package io.sluice.bench;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.Delivery;
import io.sluice.core.status.BatchInfo;
import io.sluice.core.task.TaskId;
import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.sluice.scheduler.Scheduler;
import io.sluice.scheduler.SchedulerConfig;
import io.vertx.core.Vertx;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;

/**
 * How much a runtime's death delays the batch it was working on. The scheduler and an embedded
 * broker run in this JVM; three runtimes run as separate JVMs, joined to the scheduler's data grid,
 * connected through a {@link WireTap} so the bench knows which attempts each one is running. Under
 * steady input, the bench SIGKILLs a runtime while it runs an attempt (at a random point, 10-150 ms
 * into it), starts a replacement, waits for it to join and for the pipeline to settle, and does it
 * again. For each kill it reports the extra delay of the affected batch: its total delay (cut to
 * last task done) minus the median total delay of the batches cut while the pipeline ran steadily
 * just before the kill, all from the scheduler's progress API; and from the wire, how long the
 * scheduler took to dispatch the lost attempt again and how long the attempt that finished the task ran. A read_committed reader checks
 * that every record still arrives exactly once.
 *
 * <p>Usage: {@code bench/run recovery [kills] [records/s] [batch ms] [task delay ms]}. The function
 * is the test functions' PassthroughSlowly, which pauses {@code task delay ms} halfway through each
 * task, so that attempts last long enough to be killed mid-way.
 */
public final class RecoveryBench {

    private static final int RUNTIMES = 3;
    private static final int SLOTS = 2;
    private static final int PARTITIONS = 4;
    private static final Duration SETTLE = Duration.ofSeconds(3);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration AROUND = Duration.ofSeconds(10);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(90);

    /**
     * One kill: whom, when, the attempts it was running, and the replacement started after it.
     *
     * @param steadySince wall time from which the pipeline ran steadily before the kill, or -1 if it
     *                    did not settle (then the baseline is suspect)
     */
    private record Kill(int number, String victim, long wallMillis, long nanos, List<WireTap.Dispatch> lost,
                        String replacement, long steadySince) {
        boolean settled() {
            return steadySince >= 0;
        }

        Set<Long> batches() {
            return lost.stream().map(d -> d.attempt().task().batchTime()).collect(Collectors.toSet());
        }
    }

    private RecoveryBench() {
    }

    public static void main(String[] args) throws Exception {
        byte[] jar = Files.readAllBytes(Path.of(args[0]));
        int kills = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
        int batchMs = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        int taskDelayMs = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        Path logs = Path.of(System.getProperty("bench.logs", "bench/target/recovery-bench"));

        int port = freePort();
        String cluster = "bench-recovery-" + ProcessHandle.current().pid();
        ClusterSettings settings = new ClusterSettings(cluster, "127.0.0.1", port, List.of("127.0.0.1[" + port + "]"), false);
        Vertx vertx = Vertx.vertx();
        List<RuntimeProcess> runtimes = new ArrayList<>();
        ExecutorService input = Executors.newSingleThreadExecutor();
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.create().start();
             SluiceNode node = SluiceNode.clustered(settings);
             Scheduler scheduler = Scheduler.start(SchedulerConfig.defaults(kafka.bootstrapServers()).withPort(0)
                     .withCluster(cluster, settings.initialHosts()), node, vertx);
             WireTap tap = new WireTap(vertx, scheduler.runtimeUri())) {
            for (int i = 1; i <= RUNTIMES; i++) {
                runtimes.add(RuntimeProcess.start("recovery-" + i, tap.uri(), SLOTS, logs));
            }
            awaitFullCluster(scheduler, node, runtimes);

            String pipeline = "recovery";
            kafka.createTopic("recovery-in", PARTITIONS);
            kafka.createTopic("recovery-out", PARTITIONS);
            scheduler.registerFunction("slowly", "io.sluice.testfunctions.PassthroughSlowly", jar);
            scheduler.createPipeline(pipeline, "slowly", List.of("recovery-in"), "recovery-out", Duration.ofMillis(batchMs),
                    PARTITIONS, Map.of("delay.ms", Integer.toString(taskDelayMs)), Delivery.EXACTLY_ONCE);
            System.out.printf(Locale.ROOT, "Recovery: %d runtime JVMs of %d slots, %,d records/s, %d ms exactly-once batches, "
                            + "%d partitions, each task pausing %d ms halfway; %d SIGKILLs; %d cores%n%n", RUNTIMES, SLOTS,
                    rate, batchMs, PARTITIONS, taskDelayMs, kills, Runtime.getRuntime().availableProcessors());

            long capacity = (long) rate * 600;
            try (PacedInput in = new PacedInput(kafka.bootstrapServers(), "recovery-in", capacity);
                 LatencyProbe probe = LatencyProbe.start(kafka.bootstrapServers(), "recovery-out", PARTITIONS, capacity);
                 BatchLog batches = new BatchLog(scheduler, pipeline, 500)) {
                var producing = input.submit(() -> in.run(rate, Duration.ofMinutes(10)));
                Await.until(Duration.ofSeconds(60), () -> probe.received() > 0, "the first records come through");

                List<Kill> done = new ArrayList<>();
                Random random = new Random(11);
                int started = RUNTIMES;
                for (int k = 1; k <= kills; k++) {
                    awaitFullCluster(scheduler, node, runtimes);
                    long steadySince = awaitSteady(batches, tap, runtimes, batchMs);
                    String replacement = "recovery-" + (started + 1);
                    Kill kill = killMidAttempt(k, runtimes, tap, 10 + random.nextInt(140), replacement, steadySince);
                    done.add(kill);
                    System.err.printf(Locale.ROOT, "kill %d: %s, running %s%s%n", k, kill.victim(),
                            kill.lost().stream().map(d -> d.attempt().toString()).toList(),
                            kill.settled() ? "" : " (not settled)");
                    runtimes.add(RuntimeProcess.start(replacement, tap.uri(), SLOTS, logs));
                    started++;
                }
                awaitFullCluster(scheduler, node, runtimes);
                awaitSteady(batches, tap, runtimes, batchMs); // batches after the last kill, to compare with
                in.stop();
                producing.get();
                long drainBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (probe.received() < in.sent() && System.nanoTime() < drainBy) {
                    Thread.sleep(50);
                }
                LatencyProbe.Summary output = probe.stopAndSummarise(in, 0, in.sent());
                RuntimeProcess.closeAll(runtimes); // before the scheduler and its grid node go
                report(done, batches, tap, output, in.sent());
                writeDetails(logs, batches, tap);
            }
        } finally {
            input.shutdownNow();
            RuntimeProcess.closeAll(runtimes);
            vertx.close();
        }
    }

    /** Waits until exactly the live runtime processes are connected (a killed one gone) and in the grid. */
    private static void awaitFullCluster(Scheduler scheduler, SluiceNode node, List<RuntimeProcess> runtimes) {
        Set<String> live = runtimes.stream().map(RuntimeProcess::name).collect(Collectors.toSet());
        Await.until(JOIN_TIMEOUT, () -> connected(scheduler).equals(live) && node.members() == live.size() + 1,
                () -> "runtimes " + live + " connect and join the grid; connected " + connected(scheduler)
                        + ", grid members " + node.members());
    }

    private static Set<String> connected(Scheduler scheduler) {
        return scheduler.runtimes().stream().map(io.sluice.core.status.RuntimeInfo::name).collect(Collectors.toSet());
    }

    /**
     * Waits until every live runtime has finished an attempt (a new one can take a while: see the
     * report) and the last 3 batches ran close to their interval, then {@link #SETTLE} more, so there
     * are steady batches to compare the next kill with.
     *
     * @return the wall time the steady batches start from, or -1 if the pipeline did not settle
     *     within {@link #SETTLE_TIMEOUT}
     */
    private static long awaitSteady(BatchLog batches, WireTap tap, List<RuntimeProcess> runtimes, int batchMs)
            throws InterruptedException {
        long limit = Math.max(1000, 2L * batchMs);
        long since;
        try {
            Await.until(SETTLE_TIMEOUT, () -> {
                List<BatchInfo> recent = batches.between(0, Long.MAX_VALUE);
                List<BatchInfo> last = recent.subList(Math.max(0, recent.size() - 3), recent.size());
                return runtimes.stream().allMatch(r -> !tap.finishedOn(r.name()).isEmpty()) && last.size() == 3
                        && last.stream().allMatch(b -> b.totalDelay().toMillis() <= limit);
            }, "every runtime has run an attempt and the last 3 batches each took at most " + limit + " ms");
            since = System.currentTimeMillis() - 3L * batchMs - limit;
        } catch (IllegalStateException e) {
            System.err.println("not steady, measuring anyway: " + e.getMessage());
            since = -1;
        }
        Thread.sleep(SETTLE.toMillis()); // more steady batches to compare the kill with
        return since;
    }

    /** Waits until some runtime has run an attempt for {@code intoAttemptMs}, and SIGKILLs it. */
    private static Kill killMidAttempt(int number, List<RuntimeProcess> runtimes, WireTap tap, int intoAttemptMs,
                                       String replacement, long steadySince) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            long now = System.nanoTime();
            for (RuntimeProcess r : runtimes) {
                List<WireTap.Dispatch> running = tap.inFlight(r.name());
                boolean due = running.stream().anyMatch(d -> now - d.sentNanos() >= intoAttemptMs * 1_000_000L);
                if (due) {
                    long wall = System.currentTimeMillis();
                    long nanos = System.nanoTime();
                    r.kill();
                    runtimes.remove(r);
                    return new Kill(number, r.name(), wall, nanos, running, replacement, steadySince);
                }
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("no runtime ran an attempt for " + intoAttemptMs + " ms within 30 s");
    }

    private static void report(List<Kill> kills, BatchLog log, WireTap tap, LatencyProbe.Summary output, long sent) {
        Set<Long> affected = kills.stream().flatMap(k -> k.batches().stream()).collect(Collectors.toSet());
        System.out.printf(Locale.ROOT, "%-4s %-11s %4s %8s %8s %-38s %9s %13s %8s %7s %10s %10s%n", "kill", "victim", "lost",
                "into it", "re-sent", "task done after kill: read/run/write ms", "affected", "baseline (n)", "extra", "retries", "new 1st",
                "worst next");
        List<Long> extras = new ArrayList<>();
        for (Kill k : kills) {
            long from = k.settled() ? k.steadySince() : k.wallMillis() - AROUND.toMillis();
            List<BatchInfo> before = log.between(from, k.wallMillis()).stream()
                    .filter(b -> !affected.contains(b.batchTime())).toList();
            long baseline = BatchLog.quantile(before, b -> b.totalDelay().toMillis(), 0.5);
            BatchInfo worst = null;
            for (long batchTime : k.batches()) {
                for (BatchInfo b : log.between(batchTime, batchTime + 1)) {
                    if (worst == null || b.totalDelay().compareTo(worst.totalDelay()) > 0) {
                        worst = b;
                    }
                }
            }
            long extra = worst == null ? Long.MIN_VALUE : worst.totalDelay().toMillis() - baseline;
            if (worst != null) {
                extras.add(extra);
            }
            // An attempt whose TaskDone was on the wire when the kill came finished after all: not lost.
            List<WireTap.Dispatch> lost = k.lost().stream().filter(d -> tap.timing(d.attempt()).isEmpty()).toList();
            WireTap.Dispatch oldest = lost.stream().min(Comparator.comparingLong(WireTap.Dispatch::sentNanos))
                    .orElse(k.lost().get(0));
            WireTap.Dispatch again = redispatch(tap, oldest.attempt().task(), k.nanos());
            WireTap.Timing winner = tap.firstDone(oldest.attempt().task(), k.nanos()).orElse(null);
            String finish = winner == null ? "never done" : String.format(Locale.ROOT, "%d ms: %.0f/%.0f/%.0f%s%s",
                    (winner.doneNanos() - k.nanos()) / 1_000_000, winner.read(), winner.run(), winner.write(),
                    winner.moved() ? " new prod." : "",
                    again != null && winner.attempt().equals(again.attempt()) ? "" : " (other attempt)");
            String firstOnNew = tap.finishedOn(k.replacement()).stream().findFirst()
                    .map(t -> String.format(Locale.ROOT, "%.0f ms", t.read())).orElse("-");
            long worstNext = BatchLog.quantile(log.between(k.wallMillis(), k.wallMillis() + 2 * AROUND.toMillis()),
                    b -> b.totalDelay().toMillis(), 1.0);
            System.out.printf(Locale.ROOT, "%-4s %-11s %4d %5d ms %8s %-38s %9s %13s %8s %7s %10s %7d ms%n",
                    k.number() + (k.settled() ? "" : "*"), k.victim(), lost.size(),
                    (k.nanos() - oldest.sentNanos()) / 1_000_000,
                    again == null ? "-" : (again.sentNanos() - k.nanos()) / 1_000_000 + " ms", finish,
                    worst == null ? "not done" : worst.totalDelay().toMillis() + " ms",
                    baseline + " ms (" + before.size() + ")",
                    worst == null ? "-" : extra + " ms", worst == null ? "-" : Integer.toString(worst.extraAttempts()),
                    firstOnNew, worstNext);
        }
        extras.sort(null);
        System.out.println();
        if (!extras.isEmpty()) {
            long median = extras.get((extras.size() - 1) / 2);
            long worst = extras.get(extras.size() - 1);
            System.out.printf(Locale.ROOT, "extra delay of the affected batch over %d kill(s): median %d ms, worst %d ms "
                    + "(goal: at most 1,000 ms: %s)%n", extras.size(), median, worst, worst <= 1000 ? "met" : "missed");
        }
        System.out.printf(Locale.ROOT, "output, read_committed: %,d of %,d records, %d missing, %d duplicated%n",
                sent - output.missing(), sent, output.missing(), output.duplicates() + output.unexpected());
        System.out.println();
        System.out.println("lost: attempts the victim was running that never finished; into it: how long the oldest had run."
                + " re-sent: kill to the scheduler's next RunTask for its task (none if a copy was running elsewhere)."
                + " task done after kill: kill to that task's first TaskDone, with that attempt's read (block, commit"
                + " marker), run (function and its pause) and write (producer set-up, transaction); new prod.: it had to"
                + " initialise a producer for the task's transactional id. affected: total delay (cut to last task"
                + " done) of the worst batch the victim was running; baseline: median total delay of the n other batches"
                + " cut while the pipeline ran steadily before the kill; extra: the difference; retries: attempts beyond"
                + " one per task in that batch. new 1st: read time of the replacement runtime's first attempt (it is sent"
                + " tasks before it has joined the grid). worst next: worst total delay of the batches cut in the "
                + 2 * AROUND.toSeconds() + " s after the kill. * the pipeline had not settled before this kill.");
    }

    /** Every batch and every attempt, for a closer look at where the time went. */
    private static void writeDetails(Path logs, BatchLog log, WireTap tap) throws java.io.IOException {
        List<String> batchLines = new ArrayList<>(List.of("batch_time,cut,first_start,last_end,records,tasks_run,attempts"));
        for (BatchInfo b : log.between(0, Long.MAX_VALUE)) {
            batchLines.add(b.batchTime() + "," + b.submissionTime() + "," + b.processingStartTime() + ","
                    + b.processingEndTime() + "," + b.records() + "," + b.tasksRun() + "," + b.attempts());
        }
        Files.write(logs.resolve("batches.csv"), batchLines);
        List<String> attemptLines = new ArrayList<>(List.of(
                "attempt,runtime,sent_nanos,moved,check_marker,round_trip_ms,read_ms,run_ms,write_ms"));
        for (WireTap.Dispatch d : tap.dispatches()) {
            String timing = tap.timing(d.attempt())
                    .map(t -> String.format(Locale.ROOT, "%.1f,%.1f,%.1f,%.1f", t.roundTrip(), t.read(), t.run(), t.write()))
                    .orElse(",,,");
            attemptLines.add(d.attempt() + "," + d.runtime() + "," + d.sentNanos() + "," + d.moved() + ","
                    + d.checkMarker() + "," + timing);
        }
        Files.write(logs.resolve("attempts.csv"), attemptLines);
        System.out.println("Every batch and attempt: " + logs.resolve("batches.csv") + ", " + logs.resolve("attempts.csv"));
    }

    private static WireTap.Dispatch redispatch(WireTap tap, TaskId task, long afterNanos) {
        return tap.dispatches().stream().filter(d -> d.attempt().task().equals(task) && d.sentNanos() > afterNanos)
                .findFirst().orElse(null);
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
