package io.sluice.core.store;

import io.sluice.core.cluster.CacheScan;
import io.sluice.core.task.TaskId;
import org.infinispan.Cache;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link BatchStore} on two Infinispan caches: manifests and blocks, both keyed by strings and
 * holding {@code byte[]}, which Infinispan stores without a schema. Cursors share the manifests'
 * cache under keys ({@code pipeline#cursor}) that a scan for a pipeline's manifests never matches.
 */
public final class InfinispanBatchStore implements BatchStore {

    private final Cache<String, byte[]> manifests;
    private final Cache<String, byte[]> blocks;

    public InfinispanBatchStore(Cache<String, byte[]> manifests, Cache<String, byte[]> blocks) {
        this.manifests = manifests;
        this.blocks = blocks;
    }

    @Override
    public void putCursor(BatchCursor cursor) {
        manifests.put(cursor.key(), cursor.encode());
    }

    @Override
    public Optional<BatchCursor> cursor(String pipeline) {
        return Optional.ofNullable(manifests.get(BatchCursor.key(pipeline))).map(BatchCursor::decode);
    }

    @Override
    public void putManifest(BatchManifest manifest) {
        manifests.put(manifest.key(), manifest.encode());
    }

    @Override
    public Optional<BatchManifest> manifest(String pipeline, long batchTime) {
        return Optional.ofNullable(manifests.get(BatchManifest.key(pipeline, batchTime))).map(BatchManifest::decode);
    }

    @Override
    public List<BatchManifest> manifests(String pipeline) {
        return CacheScan.entries(manifests, pipeline + '/').values().stream()
                .map(BatchManifest::decode)
                .sorted(Comparator.comparingLong(BatchManifest::batchTime))
                .toList();
    }

    @Override
    public void putBlocks(Map<TaskId, byte[]> toStore) {
        Map<String, byte[]> byKey = new HashMap<>(toStore.size() * 2);
        toStore.forEach((task, block) -> byKey.put(task.blockKey(), block));
        blocks.putAll(byKey);
    }

    @Override
    public byte[] block(TaskId task) {
        byte[] block = blocks.get(task.blockKey());
        if (block == null) {
            throw new MissingBlockException(task);
        }
        return block;
    }

    @Override
    public byte[] putBlockIfAbsent(String key, byte[] block) {
        byte[] previous = blocks.putIfAbsent(key, block);
        return previous == null ? block : previous;
    }

    @Override
    public Map<String, byte[]> blocks(List<String> keys) {
        Map<String, byte[]> found = blocks.getAdvancedCache().getAll(new LinkedHashSet<>(keys));
        for (String key : keys) {
            if (found.get(key) == null) {
                throw new MissingBlockException(key);
            }
        }
        return found;
    }

    @Override
    public boolean hasBlock(String key) {
        return blocks.containsKey(key);
    }

    @Override
    public void removeBlocks(List<String> keys) {
        for (String key : keys) {
            blocks.remove(key);
        }
    }

    @Override
    public boolean hasBlocks(BatchManifest manifest) {
        for (TaskId task : manifest.tasks()) {
            if (!blocks.containsKey(task.blockKey())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void removeBatch(BatchManifest manifest) {
        for (TaskId task : manifest.tasks()) {
            blocks.remove(task.blockKey());
        }
        removeBlocks(manifest.shuffleKeys());
        manifests.remove(manifest.key());
    }
}
