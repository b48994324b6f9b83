package io.sluice.bench;

import io.sluice.kafka.embedded.EmbeddedKafkaBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standard workload ({@code BENCHMARKS.md}) drained by every contender in one run, on one broker:
 * the raw consume-produce loop, Sluice ({@code sluice dev --kafka}, the shaded jar) exactly-once and
 * at-least-once, and Kafka Streams with {@code exactly_once_v2} and at-least-once, each in its own
 * JVM with the same options. Jobs: G (grep for the needle) and W (word count per batch; Sluice's
 * two-stage exact form, Kafka Streams' 1 s tumbling windows). The figure is input records/s from
 * the contender's process start to its output being complete, as read with read_committed and
 * checked; next to it, the process's peak RSS.
 *
 * <p>Usage: {@code bench/run compare [records] [G,W] [contender,...]} (contenders by the start of their
 * names, e.g. {@code Sluice}; default all); the jars come first from {@code bench/run}.
 */
public final class CompareBench {

    private static final Logger log = LoggerFactory.getLogger(CompareBench.class);
    /** The same for every contender. */
    static final List<String> JVM = List.of("-Xmx1g", "-XX:+UseG1GC");
    private static final int PARTITIONS = 8;
    private static final Pattern GATEWAY_LINE = Pattern.compile("  gateway    (http://127\\.0\\.0\\.1:\\d+) .*");

    record Row(String job, String contender, double seconds, long records, long peakRssMib, boolean valid, String check) {
        double rate() {
            return records / seconds;
        }
    }

    private final String bootstrap;
    private final Path cliJar;
    private final Path grepJar;
    private final Path wordCountJar;
    private final Path logs;
    private final Duration timeout;

    CompareBench(String bootstrap, Path cliJar, Path grepJar, Path wordCountJar, Path logs, Duration timeout) {
        this.bootstrap = bootstrap;
        this.cliJar = cliJar;
        this.grepJar = grepJar;
        this.wordCountJar = wordCountJar;
        this.logs = logs;
        this.timeout = timeout;
    }

    public static void main(String[] args) throws Exception {
        Path cli = Path.of(args[0]);
        Path grep = Path.of(args[1]);
        Path wordCount = Path.of(args[2]);
        long records = args.length > 3 ? Long.parseLong(args[3].replace("_", "")) : 1_000_000;
        List<String> jobs = List.of((args.length > 4 ? args[4] : "G,W").split(","));
        List<String> only = args.length > 5 ? List.of(args[5].split(",")) : List.of();
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.create().start()) {
            CompareBench bench = new CompareBench(kafka.bootstrapServers(), cli, grep, wordCount,
                    Path.of("bench", "target", "compare"), Duration.ofMinutes(15));
            kafka.createTopic("bench-lines", PARTITIONS);
            long t0 = System.nanoTime();
            Workload.Expected expected = Workload.produce(kafka.bootstrapServers(), "bench-lines", records);
            PrintStream out = System.out; // the report is the program's output, for people
            out.printf(Locale.ROOT, "%,d lines of %d bytes in %d partitions (%,d with the needle), preloaded in %.1f s; "
                            + "one embedded broker; %d cores; every contender in its own JVM with %s%n%n", records,
                    Workload.LINE_BYTES, PARTITIONS, expected.needles(), (System.nanoTime() - t0) / 1e9,
                    Runtime.getRuntime().availableProcessors(), String.join(" ", JVM));
            List<Row> rows = bench.run(kafka, "bench-lines", expected, jobs, only);
            print(rows, out);
        }
    }

    List<Row> run(EmbeddedKafkaBroker kafka, String input, Workload.Expected expected, List<String> jobs) throws Exception {
        return run(kafka, input, expected, jobs, List.of());
    }

    /** @param only the contenders to run, by the start of their names; empty for all */
    List<Row> run(EmbeddedKafkaBroker kafka, String input, Workload.Expected expected, List<String> jobs, List<String> only)
            throws Exception {
        List<Row> rows = new ArrayList<>();
        for (String job : jobs) {
            Map<String, OutputCheck.Kind> contenders = new LinkedHashMap<>();
            if (job.equals("G")) {
                contenders.put("raw loop", OutputCheck.Kind.GREP);
            }
            OutputCheck.Kind sluice = job.equals("G") ? OutputCheck.Kind.GREP : OutputCheck.Kind.COUNTS_PER_BATCH;
            OutputCheck.Kind streams = job.equals("G") ? OutputCheck.Kind.GREP : OutputCheck.Kind.COUNTS_PER_WINDOW;
            contenders.put("Sluice exactly-once", sluice);
            contenders.put("Kafka Streams exactly_once_v2", streams);
            contenders.put("Sluice at-least-once", sluice);
            contenders.put("Kafka Streams at_least_once", streams);
            for (Map.Entry<String, OutputCheck.Kind> c : contenders.entrySet()) {
                if (!only.isEmpty() && only.stream().noneMatch(c.getKey()::startsWith)) {
                    continue;
                }
                String output = "bench-" + job + "-" + c.getKey().replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(Locale.ROOT);
                kafka.createTopic(output, PARTITIONS);
                rows.add(drain(job, c.getKey(), input, output, c.getValue(), expected));
                log.info("{}", format(rows.get(rows.size() - 1)));
            }
        }
        return rows;
    }

    private Row drain(String job, String contender, String input, String output, OutputCheck.Kind kind,
                      Workload.Expected expected) throws Exception {
        try (OutputCheck check = new OutputCheck(bootstrap, output, kind, expected);
             JobProcess process = start(job, contender, input, output)) {
            if (contender.startsWith("Sluice")) {
                deploy(process, job, input, output, contender.endsWith("exactly-once") ? "exactly-once" : "at-least-once");
            }
            long done = check.awaitComplete(timeout, process);
            long rss = process.peakRssMib();
            if (done < 0) {
                return new Row(job, contender, Double.NaN, expected.lines(), rss, false,
                        (process.alive() ? "timed out: " : "died (" + process.log() + "): ") + check.describe());
            }
            check.linger();
            return new Row(job, contender, (done - process.startedNanos()) / 1e9, expected.lines(), Math.max(rss, process.peakRssMib()),
                    check.valid(), check.describe());
        }
    }

    private JobProcess start(String job, String contender, String input, String output) throws IOException {
        String cp = System.getProperty("java.class.path");
        String name = job + "-" + contender.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(Locale.ROOT);
        List<String> jvm = JVM;
        if (Boolean.getBoolean("bench.jfr")) {
            // -Dbench.jfr=true: a JFR profile of each contender, next to its log
            jvm = new ArrayList<>(JVM);
            jvm.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + logs.resolve(name + ".jfr").toAbsolutePath());
        }
        if (contender.equals("raw loop")) {
            return JobProcess.start(name, jvm, List.of("-cp", cp, RawJob.class.getName(), bootstrap, input, output), Map.of(), logs);
        }
        if (contender.startsWith("Kafka Streams")) {
            String guarantee = contender.endsWith("exactly_once_v2") ? "exactly_once_v2" : "at_least_once";
            return JobProcess.start(name, jvm, List.of("-cp", cp, StreamsJob.class.getName(), bootstrap, input, output, job,
                    guarantee, "100", "2"), Map.of(), logs);
        }
        Path home = Files.createDirectories(home(name));
        Files.deleteIfExists(home.resolve("token"));
        return JobProcess.start(name, jvm, List.of("-jar", cliJar.toString(), "dev", "--kafka", bootstrap, "--port", "0",
                "--scheduler-port", "0", "--runtimes", "2", "--slots", "2"), Map.of("SLUICE_HOME", home.toString()), logs);
    }

    /** @return where a Sluice contender's {@code sluice dev} saves its token */
    private Path home(String name) {
        return logs.resolve(name + "-home").toAbsolutePath();
    }

    /** Waits for the Sluice process's gateway, then deploys the job through it, as a user would. */
    private void deploy(JobProcess process, String job, String input, String output, String delivery) throws Exception {
        String gateway = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (gateway == null) {
            if (System.nanoTime() > deadline || !process.alive()) {
                throw new IllegalStateException("sluice dev did not come up; see " + process.log());
            }
            for (String line : Files.readAllLines(process.log())) {
                Matcher m = GATEWAY_LINE.matcher(line);
                if (m.matches()) {
                    gateway = m.group(1);
                }
            }
            Thread.sleep(50);
        }
        String token = Files.readString(home(process.name()).resolve("token")).strip();
        HttpClient http = HttpClient.newHttpClient();
        boolean grep = job.equals("G");
        String fn = grep ? "grep" : "wordcount";
        byte[] jar = Files.readAllBytes(grep ? grepJar : wordCountJar);
        send(http, HttpRequest.newBuilder(URI.create(gateway + "/v1/functions?name=" + fn + "&class=io.sluice.examples."
                + (grep ? "Grep" : "WordCount"))).header("Content-Type", "application/java-archive")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jar)), token);
        // its own name, so its own consumer group: every contender reads the input from the start
        JsonObject pipeline = new JsonObject().put("name", fn + "-" + delivery).put("function", fn).put("inputs", new JsonArray().add(input))
                .put("output", output).put("batchInterval", "1s").put("partitions", PARTITIONS).put("delivery", delivery);
        if (grep) {
            pipeline.put("parameters", new JsonObject().put("pattern", "^" + Workload.NEEDLE + " "));
        } else {
            pipeline.put("stages", new JsonArray().add(new JsonObject().put("reduce", "sum").put("partitions", 4)));
        }
        send(http, HttpRequest.newBuilder(URI.create(gateway + "/v1/pipelines")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(pipeline.encode())), token);
    }

    private static void send(HttpClient http, HttpRequest.Builder request, String token) throws Exception {
        HttpResponse<String> r = http.send(request.header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(r.request().uri() + ": " + r.statusCode() + " " + r.body());
        }
    }

    static String format(Row r) {
        return String.format(Locale.ROOT, "%-2s %-30s %8.1f s %12s rec/s %8s MiB peak RSS  %s", r.job(), r.contender(),
                r.seconds(), Double.isNaN(r.seconds()) ? "-" : String.format(Locale.ROOT, "%,.0f", r.rate()),
                r.peakRssMib() < 0 ? "?" : Long.toString(r.peakRssMib()), (r.valid() ? "valid: " : "INVALID: ") + r.check());
    }

    /** Prints every row, then the ratios within the run. */
    static void print(List<Row> rows, PrintStream out) {
        out.println();
        rows.forEach(r -> out.println(format(r)));
        out.printf("%nRatios within this run:%n");
        for (String job : rows.stream().map(Row::job).distinct().toList()) {
            Row raw = find(rows, job, "raw loop");
            Row eos = find(rows, job, "Sluice exactly-once");
            Row alo = find(rows, job, "Sluice at-least-once");
            Row ksEos = find(rows, job, "Kafka Streams exactly_once_v2");
            Row ksAlo = find(rows, job, "Kafka Streams at_least_once");
            if (raw != null) {
                ratio(out, job + ", Sluice exactly-once vs the raw loop", eos, raw);
                ratio(out, job + ", Sluice at-least-once vs the raw loop", alo, raw);
            }
            ratio(out, job + ", Sluice exactly-once vs Kafka Streams exactly_once_v2", eos, ksEos);
            ratio(out, job + ", Sluice at-least-once vs Kafka Streams at_least_once", alo, ksAlo);
            if (eos != null && ksEos != null) {
                out.printf(Locale.ROOT, "  %s, peak RSS of Sluice exactly-once vs Kafka Streams exactly_once_v2: %d vs %d MiB (%.2fx)%n",
                        job, eos.peakRssMib(), ksEos.peakRssMib(), (double) eos.peakRssMib() / ksEos.peakRssMib());
            }
        }
    }

    private static void ratio(PrintStream out, String what, Row a, Row b) {
        if (a != null && b != null && a.valid() && b.valid()) {
            out.printf(Locale.ROOT, "  %s: %.2fx%n", what, a.rate() / b.rate());
        } else {
            out.printf(Locale.ROOT, "  %s: no ratio, a run is missing or invalid%n", what);
        }
    }

    private static Row find(List<Row> rows, String job, String contender) {
        return rows.stream().filter(r -> r.job().equals(job) && r.contender().equals(contender)).findFirst().orElse(null);
    }
}
