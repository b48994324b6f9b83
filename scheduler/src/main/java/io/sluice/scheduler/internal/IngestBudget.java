package io.sluice.scheduler.internal;

import io.sluice.scheduler.SchedulerConfig.IngestLimits;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one pipeline's ingest holds against its limits: the batches it has cut and not yet committed,
 * and the block bytes it has stored and not yet freed. Ingest asks it before every poll and every
 * cut, which is its backpressure: it pauses its Kafka partitions while the budget is spent and
 * resumes as batches commit. A pure value kept by the ingest thread alone.
 */
final class IngestBudget {

    private final int maxBatches;
    private final IngestLimits limits;
    private final Set<Long> uncommitted = new HashSet<>();
    private final Map<Long, Long> storedBytes = new HashMap<>();
    private long bytes;

    IngestBudget(int maxBatches, IngestLimits limits) {
        this.maxBatches = maxBatches;
        this.limits = limits;
    }

    /** @return whether a due batch may be cut now */
    boolean mayCut() {
        return uncommitted.size() < maxBatches && bytes < limits.maxStoredBytes();
    }

    /** @return whether ingest may read more into an open batch this full */
    boolean mayRead(int openRecords, long openBytes) {
        return mayCut() && openRecords < limits.maxBatchRecords() && openBytes < limits.maxBatchBytes();
    }

    /** @return why ingest does not read, for logs; empty while it may */
    String holdReason(int openRecords, long openBytes) {
        if (uncommitted.size() >= maxBatches) {
            return uncommitted.size() + " batches in flight (at most " + maxBatches + ")";
        }
        if (bytes >= limits.maxStoredBytes()) {
            return bytes + " bytes stored (at most " + limits.maxStoredBytes() + ")";
        }
        if (openRecords >= limits.maxBatchRecords()) {
            return "the open batch holds " + openRecords + " records (at most " + limits.maxBatchRecords() + ")";
        }
        if (openBytes >= limits.maxBatchBytes()) {
            return "the open batch takes " + openBytes + " bytes (at most " + limits.maxBatchBytes() + ")";
        }
        return "";
    }

    /** A batch was stored, or recovered from an earlier scheduler, with blocks of {@code blockBytes}. */
    void stored(long batchTime, long blockBytes) {
        uncommitted.add(batchTime);
        Long before = storedBytes.put(batchTime, blockBytes);
        bytes += blockBytes - (before == null ? 0 : before);
    }

    /** A batch recovered from an earlier scheduler whose size is not known: counted as the largest a batch may be. */
    void recovered(long batchTime) {
        stored(batchTime, limits.maxBatchBytes());
    }

    /** The batch's offsets are committed; its blocks count until they are {@link #freed}. */
    void committed(long batchTime) {
        uncommitted.remove(batchTime);
    }

    /** The batch's blocks were removed from the store. */
    void freed(long batchTime) {
        Long b = storedBytes.remove(batchTime);
        if (b != null) {
            bytes -= b;
        }
    }

    int batches() {
        return uncommitted.size();
    }

    long bytes() {
        return bytes;
    }
}
