package io.sluice.core.status;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.util.ArrayList;
import java.util.List;

/**
 * How far a pipeline has come: totals since its scheduler started, and its most recent batches.
 *
 * @param pipeline the pipeline
 * @param batches completed batches
 * @param records input records in completed batches
 * @param outputRecords output records of completed batches
 * @param tasksRun tasks of completed batches that ran
 * @param attempts task attempts of completed batches; more than {@code tasksRun} when tasks were retried or copied
 * @param deadLettered input records of completed batches that went to the dead-letter topic
 * @param pendingBatches batches cut but not yet committed
 * @param lastError the last error the scheduler saw for this pipeline (ingest, commit), or null
 * @param recent the most recent completed batches, newest last
 * @param startedAt when a scheduler last started running the pipeline, epoch milliseconds; 0 if none has yet
 */
public record PipelineProgress(String pipeline, long batches, long records, long outputRecords, long tasksRun,
                               long attempts, long deadLettered, int pendingBatches, String lastError,
                               List<BatchInfo> recent, long startedAt) {

    /** How many recent batches are kept. */
    public static final int RECENT = 50;

    public PipelineProgress {
        recent = List.copyOf(recent);
    }

    /** @return no progress yet */
    public static PipelineProgress empty(String pipeline) {
        return new PipelineProgress(pipeline, 0, 0, 0, 0, 0, 0, 0, null, List.of(), 0);
    }

    /**
     * @return this progress after one more completed batch; the same progress if that batch is
     *     counted already (batches complete in order, so one no later than the last counted is a
     *     batch a scheduler that died after counting it left for its successor to commit again)
     */
    public PipelineProgress plus(BatchInfo batch) {
        if (!recent.isEmpty() && batch.batchTime() <= recent.get(recent.size() - 1).batchTime()) {
            return this;
        }
        List<BatchInfo> next = new ArrayList<>(recent);
        next.add(batch);
        if (next.size() > RECENT) {
            next = next.subList(next.size() - RECENT, next.size());
        }
        return new PipelineProgress(pipeline, batches + 1, records + batch.records(),
                outputRecords + batch.outputRecords(), tasksRun + batch.tasksRun(), attempts + batch.attempts(),
                deadLettered + batch.deadLettered(), pendingBatches, lastError, next, startedAt);
    }

    public PipelineProgress withPending(int pending) {
        return new PipelineProgress(pipeline, batches, records, outputRecords, tasksRun, attempts, deadLettered, pending,
                lastError, recent, startedAt);
    }

    public PipelineProgress withLastError(String error) {
        return new PipelineProgress(pipeline, batches, records, outputRecords, tasksRun, attempts, deadLettered,
                pendingBatches, error, recent, startedAt);
    }

    /** @return this progress of a pipeline a scheduler started running at {@code time} */
    public PipelineProgress startedAt(long time) {
        return new PipelineProgress(pipeline, batches, records, outputRecords, tasksRun, attempts, deadLettered,
                pendingBatches, lastError, recent, time);
    }

    byte[] encode() {
        Encoder out = new Encoder(256 + 80 * recent.size());
        out.str(pipeline).i64(batches).i64(records).i64(outputRecords).i64(tasksRun).i64(attempts).i64(deadLettered)
                .i32(pendingBatches).nullableStr(lastError);
        return out.list(recent, (e, b) -> b.encode(e)).i64(startedAt).toByteArray();
    }

    static PipelineProgress decode(byte[] bytes) {
        Decoder in = new Decoder(bytes);
        PipelineProgress p = new PipelineProgress(in.str(), in.i64(), in.i64(), in.i64(), in.i64(), in.i64(), in.i64(),
                in.i32(), in.nullableStr(),
                in.list(BatchInfo::decode), in.i64());
        in.end();
        return p;
    }
}
