package io.sluice.scheduler.it;

import io.sluice.core.store.BatchManifest;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryCreated;
import org.infinispan.notifications.cachelistener.event.CacheEntryEvent;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every batch manifest stored in the grid, as it is written: a test reads the batches after they
 * committed and were freed. Register on {@code SluiceNode.MANIFESTS}.
 */
@Listener(sync = true)
public final class ManifestLog {

    final List<BatchManifest> stored = Collections.synchronizedList(new ArrayList<>());

    @CacheEntryCreated
    public void written(CacheEntryEvent<String, byte[]> event) {
        if (!event.isPre() && !event.getKey().contains("#")) {
            stored.add(BatchManifest.decode(event.getValue()));
        }
    }

    /** @return the last manifest stored for each batch of the pipeline, by batch time */
    Map<Long, BatchManifest> batches(String pipeline) {
        Map<Long, BatchManifest> byTime = new TreeMap<>();
        synchronized (stored) {
            stored.stream().filter(m -> m.pipeline().equals(pipeline)).forEach(m -> byTime.put(m.batchTime(), m));
        }
        return byTime;
    }
}
