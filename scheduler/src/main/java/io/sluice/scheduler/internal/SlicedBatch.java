package io.sluice.scheduler.internal;

import io.sluice.core.store.BatchManifest;
import io.sluice.core.task.TaskId;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch the slicer has cut: its manifest and its sealed blocks, one per partition.
 *
 * @param manifest what the batch is; stored before the blocks
 * @param blocks the encoded blocks, indexed by partition
 */
record SlicedBatch(BatchManifest manifest, List<byte[]> blocks) {

    SlicedBatch {
        blocks = List.copyOf(blocks);
        if (blocks.size() != manifest.partitions()) {
            throw new IllegalArgumentException(blocks.size() + " blocks for " + manifest.partitions() + " partitions");
        }
    }

    /** @return how many bytes the blocks take */
    long bytes() {
        long sum = 0;
        for (byte[] b : blocks) {
            sum += b.length;
        }
        return sum;
    }

    /** @return the blocks keyed by task, ready for the store */
    Map<TaskId, byte[]> blocksByTask() {
        Map<TaskId, byte[]> byTask = new LinkedHashMap<>();
        List<TaskId> tasks = manifest.tasks();
        for (int p = 0; p < tasks.size(); p++) {
            byTask.put(tasks.get(p), blocks.get(p));
        }
        return byTask;
    }
}
