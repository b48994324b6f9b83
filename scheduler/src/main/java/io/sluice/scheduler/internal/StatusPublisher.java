package io.sluice.scheduler.internal;

import io.sluice.core.status.PipelineProgress;
import io.sluice.core.status.RuntimeInfo;
import io.sluice.core.status.StatusBoard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
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
 *
 * <p>A batch's offsets are committed only after the progress that counts it is in the grid
 * ({@link #publishThen}): a scheduler that dies between the two leaves the batch's manifest, and
 * its successor commits the batch again without counting it twice ({@link PipelineProgress#plus}
 * skips batches counted already). So the counts stay true across a failover.
 */
final class StatusPublisher {

    private static final Logger log = LoggerFactory.getLogger(StatusPublisher.class);
    private static final Duration RETRY = Duration.ofMillis(200);

    private final StatusBoard board;
    private final Executor grid;
    private final Map<String, Pending> progress = new ConcurrentHashMap<>();
    private final AtomicReference<List<RuntimeInfo>> runtimes = new AtomicReference<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    /** @param grid the executor that does the scheduler's grid I/O, one task at a time */
    StatusPublisher(StatusBoard board, Executor grid) {
        this.board = board;
        this.grid = grid;
    }

    /** A value waiting to be written, with what waits for it (or a later value) to be written. */
    private record Pending(PipelineProgress value, List<Runnable> then) {
        Pending merge(Pending later) {
            List<Runnable> all = new ArrayList<>(then);
            all.addAll(later.then);
            return new Pending(later.value, all);
        }
    }

    void publish(PipelineProgress latest) {
        publishThen(latest, List.of());
    }

    /**
     * Writes {@code latest}, then runs {@code afterWritten} on the grid thread. If the write fails,
     * it is retried, with any later value, before they run.
     */
    void publishThen(PipelineProgress latest, List<Runnable> afterWritten) {
        progress.merge(latest.pipeline(), new Pending(latest, List.copyOf(afterWritten)), Pending::merge);
        queueFlush();
    }

    void publishRuntimes(List<RuntimeInfo> latest) {
        runtimes.set(List.copyOf(latest));
        queueFlush();
    }

    /** Removes a deleted pipeline's progress; a value still waiting to be written is dropped first. */
    void forget(String pipeline) {
        progress.remove(pipeline);
        submit(() -> safely(() -> board.forget(pipeline)));
    }

    private void queueFlush() {
        if (flushQueued.compareAndSet(false, true)) {
            submit(this::flush);
        }
    }

    /** Hands work to the grid thread; once the scheduler is shutting down, what is not written is dropped. */
    private void submit(Runnable work) {
        try {
            grid.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Status not published: the scheduler is shutting down");
        }
    }

    private void flush() {
        flushQueued.set(false);
        boolean failed = false;
        for (String pipeline : new ArrayList<>(progress.keySet())) {
            Pending p = progress.remove(pipeline);
            if (p == null) {
                continue;
            }
            if (safely(() -> board.publish(p.value))) {
                p.then.forEach(Runnable::run);
            } else if (!p.then.isEmpty()) {
                progress.merge(pipeline, p, (newer, older) -> older.merge(newer));
                failed = true;
            }
        }
        List<RuntimeInfo> r = runtimes.getAndSet(null);
        if (r != null) {
            safely(() -> board.publishRuntimes(r));
        }
        if (failed) {
            // batch commits wait for this write; try again shortly rather than at the next change
            try {
                Thread.sleep(RETRY.toMillis()); // on the grid thread, which only waits for the grid anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            queueFlush();
        }
    }

    private static boolean safely(Runnable write) {
        try {
            write.run();
            return true;
        } catch (RuntimeException e) {
            log.warn("Status not written to the data grid (it is written again with the next change): {}", e.toString());
            return false;
        }
    }
}
