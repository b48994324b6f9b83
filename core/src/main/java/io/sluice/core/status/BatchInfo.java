package io.sluice.core.status;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.time.Duration;
import java.util.List;

/**
 * What happened to one completed batch, with Spark Streaming's delay names.
 *
 * @param pipeline the pipeline
 * @param batchTime the batch time (end of its interval), epoch milliseconds
 * @param records how many input records the batch held
 * @param outputRecords how many records its tasks wrote
 * @param partitions how many tasks it had
 * @param tasksRun how many of its tasks ran (a task whose block is empty succeeds without running)
 * @param attempts how many task attempts ran, at least {@code tasksRun}: retries and speculative copies add to it
 * @param deadLettered how many of its input records went to the dead-letter topic
 * @param submissionTime when the batch was cut and its tasks queued
 * @param processingStartTime when its first task started on a runtime
 * @param processingEndTime when its last task finished
 * @param stages what each stage's tasks did, stage 0 first
 */
public record BatchInfo(String pipeline, long batchTime, long records, long outputRecords, int partitions,
                        int tasksRun, int attempts, long deadLettered, long submissionTime, long processingStartTime,
                        long processingEndTime, List<StageInfo> stages) {

    public BatchInfo {
        stages = List.copyOf(stages);
    }

    /** A batch with no per-stage breakdown. */
    public BatchInfo(String pipeline, long batchTime, long records, long outputRecords, int partitions, int tasksRun,
                     int attempts, long deadLettered, long submissionTime, long processingStartTime,
                     long processingEndTime) {
        this(pipeline, batchTime, records, outputRecords, partitions, tasksRun, attempts, deadLettered, submissionTime,
                processingStartTime, processingEndTime, List.of());
    }

    /** @return attempts beyond one per task that ran: retries, re-runs after a lost runtime, speculative copies */
    public int extraAttempts() {
        return attempts - tasksRun;
    }

    /** @return how long the batch waited for a runtime: first task start minus submission */
    public Duration schedulingDelay() {
        return Duration.ofMillis(Math.max(0, processingStartTime - submissionTime));
    }

    /** @return how long the batch ran: last task end minus first task start */
    public Duration processingTime() {
        return Duration.ofMillis(Math.max(0, processingEndTime - processingStartTime));
    }

    /** @return scheduling delay plus processing time */
    public Duration totalDelay() {
        return Duration.ofMillis(Math.max(0, processingEndTime - submissionTime));
    }

    void encode(Encoder out) {
        out.str(pipeline).i64(batchTime).i64(records).i64(outputRecords).i32(partitions).i32(tasksRun).i32(attempts)
                .i64(deadLettered).i64(submissionTime).i64(processingStartTime).i64(processingEndTime)
                .list(stages, (e, s) -> s.encode(e));
    }

    static BatchInfo decode(Decoder in) {
        return new BatchInfo(in.str(), in.i64(), in.i64(), in.i64(), in.i32(), in.i32(), in.i32(), in.i64(), in.i64(),
                in.i64(), in.i64(), in.list(StageInfo::decode));
    }
}
