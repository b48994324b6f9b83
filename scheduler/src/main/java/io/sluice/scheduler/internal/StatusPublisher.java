package io.sluice.scheduler.internal;

import io.sluice.core.status.PipelineProgress;
import io.sluice.core.status.RuntimeInfo;
import io.sluice.core.status.StatusBoard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes pipeline progress and the runtime list to the status board in the data grid, off the
 * scheduler thread: a put to a clustered cache can take as long as the grid is slow, and the
 * scheduler thread must keep reading heartbeats meanwhile. Only the latest value of each entry
 * matters, so values that arrive while a write is under way are merged into the next one.
 */
final class StatusPublisher {

    private static final Logger log = LoggerFactory.getLogger(StatusPublisher.class);

    private final StatusBoard board;
    private final Executor grid;
    private final Map<String, PipelineProgress> progress = new ConcurrentHashMap<>();
    private final AtomicReference<List<RuntimeInfo>> runtimes = new AtomicReference<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    /** @param grid the executor that does the scheduler's grid I/O, one task at a time */
    StatusPublisher(StatusBoard board, Executor grid) {
        this.board = board;
        this.grid = grid;
    }

    void publish(PipelineProgress latest) {
        progress.put(latest.pipeline(), latest);
        queueFlush();
    }

    void publishRuntimes(List<RuntimeInfo> latest) {
        runtimes.set(List.copyOf(latest));
        queueFlush();
    }

    /** Removes a deleted pipeline's progress; a value still waiting to be written is dropped first. */
    void forget(String pipeline) {
        progress.remove(pipeline);
        grid.execute(() -> safely(() -> board.forget(pipeline)));
    }

    private void queueFlush() {
        if (flushQueued.compareAndSet(false, true)) {
            grid.execute(this::flush);
        }
    }

    private void flush() {
        flushQueued.set(false);
        for (String pipeline : new ArrayList<>(progress.keySet())) {
            PipelineProgress p = progress.remove(pipeline);
            if (p != null) {
                safely(() -> board.publish(p));
            }
        }
        List<RuntimeInfo> r = runtimes.getAndSet(null);
        if (r != null) {
            safely(() -> board.publishRuntimes(r));
        }
    }

    private static void safely(Runnable write) {
        try {
            write.run();
        } catch (RuntimeException e) {
            log.warn("Status not written to the data grid (it is shown again with the next change): {}", e.toString());
        }
    }
}
