package io.sluice.scheduler.internal;

import io.sluice.core.store.BatchManifest;

import java.util.List;

/**
 * A batch read again from Kafka (its blocks were lost) does not fill its partitions as the original
 * did: the input under its offsets changed since the batch was cut (deleted by retention, or the
 * topic was recreated). Some of its tasks may have committed output from the original blocks, so
 * running the rebuilt ones could lose or repeat records; the pipeline stops before the batch instead.
 */
final class BatchMismatchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BatchMismatchException(BatchManifest manifest, List<Integer> rebuilt) {
        super("batch " + manifest.batchTime() + " of pipeline " + manifest.pipeline() + " cannot be rebuilt as it was: "
                + "reading its offsets " + manifest.ranges() + " again gave " + rebuilt + " records per partition where "
                + "its manifest says " + manifest.recordsPerPartition() + ". The input changed since the batch was cut "
                + "(deleted by retention, or the topic was recreated). The pipeline reads and commits nothing past "
                + "this batch, so no wrong output is written; restore the input, or delete and recreate the pipeline "
                + "to go on from its committed offsets");
    }
}
