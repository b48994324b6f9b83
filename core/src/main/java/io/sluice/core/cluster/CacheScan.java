package io.sluice.core.cluster;

import org.infinispan.Cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the entries of a small cache whose keys start with a prefix, on any member.
 *
 * <p>It iterates instead of using {@code cache.entrySet().stream()}: on a clustered cache that
 * stream runs distributed and would have to marshal the filter lambdas to the owners. Iteration
 * pulls the entries here and filters locally, which suits the registry's and manifests' small caches.
 */
public final class CacheScan {

    private CacheScan() {
    }

    /** @return a copy of the entries whose key starts with {@code prefix} (all entries for "") */
    public static Map<String, byte[]> entries(Cache<String, byte[]> cache, String prefix) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, byte[]>> it = cache.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, byte[]> e = it.next();
            if (e.getKey().startsWith(prefix)) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }
}
