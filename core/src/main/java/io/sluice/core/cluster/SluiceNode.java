package io.sluice.core.cluster;

import io.sluice.core.registry.Registry;
import io.sluice.core.status.StatusBoard;
import io.sluice.core.store.BatchStore;
import io.sluice.core.store.InfinispanBatchStore;
import io.sluice.core.table.Tables;
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
import java.util.concurrent.CompletableFuture;

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
    public static final String TABLES = "sluice-tables";
    private static final List<String> CACHES = List.of(BLOCKS, MANIFESTS, FUNCTIONS, JARS, PIPELINES, STATUS, LEASES,
            TABLES);

    private static final Logger log = LoggerFactory.getLogger(SluiceNode.class);

    private final EmbeddedCacheManager cacheManager;
    private final BatchStore batchStore;
    private final Registry registry;
    private final StatusBoard statusBoard;
    private final Leases leases;
    private final Tables tables;

    private SluiceNode(EmbeddedCacheManager cacheManager) {
        this.cacheManager = cacheManager;
        this.batchStore = new InfinispanBatchStore(cache(MANIFESTS), cache(BLOCKS));
        this.registry = new Registry(cache(FUNCTIONS), cache(JARS), cache(PIPELINES));
        this.statusBoard = new StatusBoard(cache(STATUS));
        this.leases = new Leases(cache(LEASES));
        this.tables = new Tables(cache(TABLES));
    }

    /** @return a node for one JVM, with local caches */
    public static SluiceNode local() {
        GlobalConfigurationBuilder global = new GlobalConfigurationBuilder().nonClusteredDefault();
        global.cacheManagerName("sluice-local");
        Configuration caches = new ConfigurationBuilder().clustering().cacheMode(CacheMode.LOCAL).build();
        return start(define(new DefaultCacheManager(global.build(), false), caches));
    }

    /**
     * Starts a node and joins (or forms) the cluster.
     *
     * @param settings where to listen and whom to contact
     * @return the joined node
     */
    public static SluiceNode clustered(ClusterSettings settings) {
        return joinWith(manager(settings), settings);
    }

    /**
     * Starts joining the cluster on a new daemon thread. Cancelling the returned future gives the
     * join up: its member leaves the grid (its cache manager stops) rather than stay in the view,
     * parked in state transfer, as a member that never serves anyone.
     *
     * @param settings   where to listen and whom to contact
     * @param threadName the joining thread's name
     * @return the node once joined; a node that joins after the future was cancelled is closed
     */
    public static CompletableFuture<SluiceNode> joining(ClusterSettings settings, String threadName) {
        DefaultCacheManager manager = manager(settings);
        CompletableFuture<SluiceNode> joined = new CompletableFuture<>();
        Thread joiner = new Thread(() -> {
            try {
                SluiceNode node = joinWith(manager, settings);
                if (!joined.complete(node)) {
                    node.close();
                }
            } catch (RuntimeException e) {
                joined.completeExceptionally(e);
            }
        }, threadName);
        joiner.setDaemon(true);
        joined.whenComplete((node, e) -> {
            if (joined.isCancelled()) {
                // Stopped on a thread of its own: a stop can wait for the start it interrupts.
                Thread stopper = new Thread(() -> stopQuietly(manager), threadName + "-abandon");
                stopper.setDaemon(true);
                stopper.start();
            }
        });
        joiner.start();
        return joined;
    }

    private static void stopQuietly(DefaultCacheManager manager) {
        try {
            manager.stop();
        } catch (RuntimeException e) {
            log.debug("Stopping an abandoned join: {}", e.toString());
        }
    }

    private static DefaultCacheManager manager(ClusterSettings settings) {
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
        return define(new DefaultCacheManager(global.build(), false), caches);
    }

    private static SluiceNode joinWith(DefaultCacheManager manager, ClusterSettings settings) {
        SluiceNode node = start(manager);
        log.info("Joined Sluice cluster '{}' as {} ({}), members: {}", settings.clusterName(), settings.self(),
                settings.zeroCapacity() ? "zero-capacity" : "data owner", node.cacheManager.getMembers());
        return node;
    }

    private static DefaultCacheManager define(DefaultCacheManager manager, Configuration caches) {
        for (String name : CACHES) {
            manager.defineConfiguration(name, caches);
        }
        return manager;
    }

    private static SluiceNode start(DefaultCacheManager manager) {
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

    /** @return the tables: materialised pipeline output and loaded topics */
    public Tables tables() {
        return tables;
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
