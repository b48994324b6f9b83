package io.sluice.core.cluster;

import io.sluice.core.registry.Registry;
import io.sluice.core.status.StatusBoard;
import io.sluice.core.store.BatchStore;
import io.sluice.core.store.InfinispanBatchStore;
import org.infinispan.Cache;
import org.infinispan.configuration.cache.CacheMode;
import org.infinispan.configuration.cache.Configuration;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.manager.EmbeddedCacheManager;
import org.infinispan.remoting.transport.jgroups.JGroupsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * One member of Sluice's Infinispan data grid, and the caches every role shares: batch blocks and
 * manifests, the function and pipeline registry, and the status board.
 *
 * <p>A {@linkplain #local() local} node serves one JVM (tests, {@code sluice dev} with in-process
 * runtimes). A {@linkplain #clustered clustered} node keeps every entry on two owners; runtimes join
 * as zero-capacity members, reading from the owners and owning nothing.
 */
public final class SluiceNode implements AutoCloseable {

    public static final String BLOCKS = "sluice-blocks";
    public static final String MANIFESTS = "sluice-manifests";
    public static final String FUNCTIONS = "sluice-functions";
    public static final String JARS = "sluice-jars";
    public static final String PIPELINES = "sluice-pipelines";
    public static final String STATUS = "sluice-status";
    public static final String LEASES = "sluice-leases";
    private static final List<String> CACHES = List.of(BLOCKS, MANIFESTS, FUNCTIONS, JARS, PIPELINES, STATUS, LEASES);

    private static final Logger log = LoggerFactory.getLogger(SluiceNode.class);

    private final EmbeddedCacheManager cacheManager;
    private final BatchStore batchStore;
    private final Registry registry;
    private final StatusBoard statusBoard;
    private final Leases leases;

    private SluiceNode(EmbeddedCacheManager cacheManager) {
        this.cacheManager = cacheManager;
        this.batchStore = new InfinispanBatchStore(cache(MANIFESTS), cache(BLOCKS));
        this.registry = new Registry(cache(FUNCTIONS), cache(JARS), cache(PIPELINES));
        this.statusBoard = new StatusBoard(cache(STATUS));
        this.leases = new Leases(cache(LEASES));
    }

    /** @return a node for one JVM, with local caches */
    public static SluiceNode local() {
        GlobalConfigurationBuilder global = new GlobalConfigurationBuilder().nonClusteredDefault();
        global.cacheManagerName("sluice-local");
        Configuration caches = new ConfigurationBuilder().clustering().cacheMode(CacheMode.LOCAL).build();
        return start(global, caches);
    }

    /**
     * Starts a node and joins (or forms) the cluster.
     *
     * @param settings where to listen and whom to contact
     * @return the joined node
     */
    public static SluiceNode clustered(ClusterSettings settings) {
        GlobalConfigurationBuilder global = GlobalConfigurationBuilder.defaultClusteredBuilder();
        global.cacheManagerName("sluice");
        global.transport()
                .clusterName(settings.clusterName())
                .nodeName((settings.zeroCapacity() ? "runtime-" : "data-") + settings.bindPort())
                .addProperty(JGroupsTransport.CONFIGURATION_XML, settings.jgroupsXml());
        global.zeroCapacityNode(settings.zeroCapacity());
        Configuration caches = new ConfigurationBuilder()
                .clustering().cacheMode(CacheMode.DIST_SYNC).hash().numOwners(2)
                .build();
        SluiceNode node = start(global, caches);
        log.info("Joined Sluice cluster '{}' as {} ({}), members: {}", settings.clusterName(), settings.self(),
                settings.zeroCapacity() ? "zero-capacity" : "data owner", node.cacheManager.getMembers());
        return node;
    }

    private static SluiceNode start(GlobalConfigurationBuilder global, Configuration caches) {
        DefaultCacheManager manager = new DefaultCacheManager(global.build(), false);
        for (String name : CACHES) {
            manager.defineConfiguration(name, caches);
        }
        manager.start();
        try {
            return new SluiceNode(manager);
        } catch (RuntimeException e) {
            manager.stop();
            throw e;
        }
    }

    public BatchStore batchStore() {
        return batchStore;
    }

    public Registry registry() {
        return registry;
    }

    public StatusBoard statusBoard() {
        return statusBoard;
    }

    /** @return the leases that decide which of several schedulers is active */
    public Leases leases() {
        return leases;
    }

    /** @return the number of members this node sees (1 when local) */
    public int members() {
        List<?> members = cacheManager.getMembers();
        return members == null ? 1 : members.size();
    }

    /**
     * Registers an Infinispan listener ({@code @Listener}) on one of the node's caches, to observe
     * the grid; a synchronous listener runs inside the writes it observes.
     */
    public void addCacheListener(String cacheName, Object listener) {
        if (!CACHES.contains(cacheName)) {
            throw new IllegalArgumentException("no cache named " + cacheName + "; caches are " + CACHES);
        }
        cache(cacheName).addListener(listener);
    }

    private Cache<String, byte[]> cache(String name) {
        return cacheManager.getCache(name);
    }

    @Override
    public void close() {
        cacheManager.stop();
    }
}
