package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * What {@code sluice deploy} and {@code sluice sql} do after the pipeline is created: follow it on
 * one redrawn line until the scheduler runs it, then, if its input holds records, until its first
 * batch completes, and show that batch. A pipeline with no input yet is running as it should: the
 * wait ends there. A pipeline that reports an error, or is not running in time, ends the wait with a
 * message and a non-zero exit code; it stays deployed either way.
 */
final class FirstBatch {

    private static final Duration POLL = Duration.ofMillis(250);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    private static final String[] SPINNER = {"|", "/", "-", "\\"};

    private FirstBatch() {
    }

    /** {@code --wait}, shared by the commands that start a pipeline. */
    static final class WaitOption {

        @Option(names = "--wait", defaultValue = "60s", paramLabel = "DURATION",
                description = "Wait this long for the pipeline to run and for its first batch; 0s to return at once "
                        + "(default: ${DEFAULT-VALUE}).")
        String wait;

        Duration duration() {
            return DevCommand.duration("--wait", wait);
        }
    }

    /**
     * @param timeout how long to wait; zero to not wait at all
     * @return the exit code: OK once a batch completed
     */
    static int await(GatewayClient client, String pipeline, Duration timeout, PrintWriter out) throws InterruptedException {
        if (timeout.isZero()) {
            return ExitCodes.OK;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        String shown = "";
        for (int tick = 0; ; tick++) {
            JsonObject detail = client.get("/v1/pipelines/" + pipeline);
            JsonObject progress = detail.getJsonObject("progress");
            JsonArray batches = progress.getJsonArray("recentBatches");
            Long lag = detail.getLong("lag");
            if (!batches.isEmpty()) {
                JsonObject first = batches.getJsonObject(batches.size() - 1);
                clear(out, shown);
                out.printf("First batch %s: %d records in, %d out, %d task attempt(s), %d ms total delay (%d ms waiting, %d ms running).%n",
                        TIME.format(Instant.ofEpochMilli(first.getLong("batchTime"))), first.getLong("records"),
                        first.getLong("outputRecords"), first.getInteger("attempts"), first.getLong("totalDelayMs"),
                        first.getLong("schedulingDelayMs"), first.getLong("processingTimeMs"));
                out.printf("Follow it with `sluice status %s` or on the dashboard at the gateway's /.%n", pipeline);
                out.flush();
                return ExitCodes.OK;
            }
            String error = progress.getString("lastError");
            if (error != null) {
                clear(out, shown);
                throw new CliException(ExitCodes.FAILED, "pipeline " + pipeline + " is deployed but failing: " + error);
            }
            Long started = progress.getLong("startedAt");
            if (started != null && lag != null && lag == 0) {
                clear(out, shown);
                out.printf("Running since %s, with no input yet: the first batch comes %s after the first record.%n",
                        TIME.format(Instant.ofEpochMilli(started)), detail.getString("batchInterval"));
                out.flush();
                return ExitCodes.OK;
            }
            if (System.nanoTime() > deadline) {
                clear(out, shown);
                throw new CliException(ExitCodes.FAILED, "pipeline " + pipeline + " is deployed, but " + state(detail, started, lag)
                        + " after " + timeout.toSeconds() + " s; see `sluice status " + pipeline + "`");
            }
            String line = SPINNER[tick % SPINNER.length] + " " + state(detail, started, lag);
            out.print("\r" + line + " ".repeat(Math.max(0, shown.length() - line.length())));
            out.flush();
            shown = line;
            Thread.sleep(POLL.toMillis());
        }
    }

    /** @return what the pipeline waits for, as a person would put it */
    private static String state(JsonObject detail, Long started, Long lag) {
        JsonArray runtimes = detail.getJsonArray("runtimes");
        int slots = 0;
        for (int i = 0; i < runtimes.size(); i++) {
            slots += runtimes.getJsonObject(i).getInteger("slots");
        }
        if (started == null) {
            return "the scheduler has not started it yet";
        }
        if (runtimes.isEmpty()) {
            return "no runtime is connected to run its tasks";
        }
        if (slots == 0) {
            return runtimes.size() + " runtime(s) still joining the data grid";
        }
        if (lag == null) {
            return "running; reading its input's lag";
        }
        int pending = detail.getJsonObject("progress").getInteger("pendingBatches");
        return "running, " + lag + " input record(s) to read, " + pending + " batch(es) in flight on " + slots
                + " slot(s); no batch completed yet";
    }

    private static void clear(PrintWriter out, String shown) {
        if (!shown.isEmpty()) {
            out.print("\r" + " ".repeat(shown.length()) + "\r");
        }
    }
}
