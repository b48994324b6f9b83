package io.sluice.scheduler.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.store.BatchManifest;
import io.sluice.scheduler.internal.SchedulerEvent.PipelineLoaded;
import io.sluice.scheduler.internal.SchedulerEvent.RegistryScanned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Reads what the scheduler needs from the registry and the grid, off the scheduler thread, and
 * posts it back as events: a pipeline's spec and function, its last progress, and the batches a
 * previous scheduler left uncommitted.
 */
final class PipelineLoader {

    private static final Logger log = LoggerFactory.getLogger(PipelineLoader.class);

    /**
     * What the grid says of one pipeline.
     *
     * @param name       the pipeline
     * @param spec       its spec, empty if it was deleted
     * @param function   its function version, empty if that is not registered
     * @param progress   its last published progress
     * @param recovered  the uncommitted batches a previous scheduler cut, oldest first (only when asked for)
     * @param withBlocks how many of {@code recovered}, from the oldest, still have all their blocks
     */
    record Loaded(String name, Optional<PipelineSpec> spec, Optional<FunctionSpec> function, PipelineProgress progress,
                  List<BatchManifest> recovered, int withBlocks) {
    }

    private final SluiceNode node;
    private final Executor grid;
    private final Consumer<SchedulerEvent> post;

    PipelineLoader(SluiceNode node, Executor grid, Consumer<SchedulerEvent> post) {
        this.node = node;
        this.grid = grid;
        this.post = post;
    }

    /**
     * Loads a pipeline and posts {@link PipelineLoaded}.
     *
     * @param withRecovery whether to look for batches a previous scheduler left (for a pipeline not running here)
     */
    void load(String name, boolean withRecovery) {
        grid.execute(() -> {
            try {
                post.accept(new PipelineLoaded(read(name, withRecovery)));
            } catch (RuntimeException e) {
                log.warn("Cannot read pipeline {} from the registry; the next reconcile tries again: {}", name, e.toString());
            }
        });
    }

    /** Lists the registry's pipelines and posts {@link RegistryScanned}. */
    void scan() {
        grid.execute(() -> {
            try {
                List<String> names = new ArrayList<>();
                node.registry().pipelines().forEach(p -> names.add(p.name()));
                post.accept(new RegistryScanned(names));
            } catch (RuntimeException e) {
                log.warn("Cannot list the registry's pipelines; trying again at the next reconcile: {}", e.toString());
            }
        });
    }

    /** Runs slow grid work (removing a batch's blocks) in turn with the reads. */
    void execute(Runnable work) {
        grid.execute(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                log.warn("Grid clean-up failed: {}", e.toString());
            }
        });
    }

    private Loaded read(String name, boolean withRecovery) {
        Optional<PipelineSpec> spec = node.registry().pipeline(name);
        if (spec.isEmpty()) {
            return new Loaded(name, spec, Optional.empty(), PipelineProgress.empty(name), List.of(), 0);
        }
        Optional<FunctionSpec> function = node.registry().function(spec.get().function(), spec.get().functionVersion());
        PipelineProgress progress = node.statusBoard().progress(name).orElse(PipelineProgress.empty(name));
        List<BatchManifest> recovered = withRecovery ? node.batchStore().manifests(name) : List.of();
        int withBlocks = 0;
        while (withBlocks < recovered.size() && node.batchStore().hasBlocks(recovered.get(withBlocks))) {
            withBlocks++;
        }
        return new Loaded(name, spec, function, progress, recovered, withBlocks);
    }
}
