package io.sluice.core.store;

import io.sluice.core.task.TaskId;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where batches live between being cut and being committed: one manifest per batch and one binary
 * block per task. Safe for concurrent use.
 */
public interface BatchStore {

    /**
     * Records the last batch cut. Call this before {@link #putManifest} for the same batch, so that
     * the cursor is never behind a stored manifest.
     */
    void putCursor(BatchCursor cursor);

    /** @return the last batch cut for the pipeline, if any was ever recorded; it outlives the batch */
    Optional<BatchCursor> cursor(String pipeline);

    /** Stores a batch's manifest. Call this before {@link #putBlocks} for the same batch. */
    void putManifest(BatchManifest manifest);

    /** @return the manifest of that batch, if it is still stored */
    Optional<BatchManifest> manifest(String pipeline, long batchTime);

    /** @return every stored manifest of the pipeline, oldest batch first */
    List<BatchManifest> manifests(String pipeline);

    /** Stores blocks, all at once. */
    void putBlocks(Map<TaskId, byte[]> blocks);

    /**
     * @return the task's block
     * @throws MissingBlockException if the block is not stored (never written, or already freed)
     */
    byte[] block(TaskId task);

    /**
     * Stores a shuffle block unless one is stored under the key already: the first attempt of a
     * task to finish wins, so retries and speculative copies agree on the task's output.
     *
     * @return the block now stored under the key: {@code block}, or the one that was there
     */
    byte[] putBlockIfAbsent(String key, byte[] block);

    /**
     * @return the blocks under those keys, in one round trip
     * @throws MissingBlockException naming the first key that has no block
     */
    Map<String, byte[]> blocks(List<String> keys);

    /** @return whether a block is stored under the key */
    boolean hasBlock(String key);

    /** Removes blocks by key; keys with no block are ignored. */
    void removeBlocks(List<String> keys);

    /** @return whether every block of the batch is stored (after a crash between manifest and blocks, some are not) */
    boolean hasBlocks(BatchManifest manifest);

    /** Frees a batch: its input blocks, the shuffle blocks its manifest names, then its manifest. */
    void removeBatch(BatchManifest manifest);
}
