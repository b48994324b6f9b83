package io.sluice.runtime.internal;

import io.sluice.core.block.BlockFormatException;
import io.sluice.core.store.MissingBlockException;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.wire.WireMessage;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.TaskDone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs task attempts on the runtime's slot threads: read the block, call the function, wait for
 * the sink's acknowledgements, report. Never on the Vert.x event loop.
 *
 * <p>A cancelled attempt is interrupted and reports nothing: the scheduler has already let it go.
 */
final class TaskRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    private static final Duration SERVICES_TIMEOUT = Duration.ofSeconds(60);

    private final ExecutorService slots;
    private final FunctionCache functions;
    private final Attempts attempts;
    private final CompletableFuture<Services> services;
    private final Consumer<WireMessage> reply;
    private final Map<TaskAttempt, AttemptHandle> running = new ConcurrentHashMap<>();
    /** Cancelled attempts whose slot thread has not come back yet (the function ignores interrupts). */
    private final Map<TaskAttempt, AttemptHandle> lingering = new ConcurrentHashMap<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong recordsOut = new AtomicLong();
    private final int slotCount;

    TaskRunner(String runtimeName, int slotCount, CompletableFuture<Services> services, Consumer<WireMessage> reply) {
        AtomicInteger threads = new AtomicInteger();
        this.slotCount = slotCount;
        this.slots = new ThreadPoolExecutor(slotCount, slotCount, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "sluice-slot-" + runtimeName + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.functions = new FunctionCache(runtimeName);
        this.attempts = new Attempts(functions);
        this.services = services;
        this.reply = reply;
    }

    void run(RunTask task) {
        AttemptHandle handle = new AttemptHandle();
        if (running.putIfAbsent(task.attempt(), handle) != null) {
            log.warn("Ignoring a second RunTask for {}", task.attempt());
            return;
        }
        handle.future = slots.submit(() -> execute(task, handle));
    }

    void cancel(TaskAttempt attempt) {
        AttemptHandle handle = running.remove(attempt);
        if (handle != null) {
            log.debug("Cancelling {}", attempt);
            handle.cancelled = true;
            cancelled.incrementAndGet();
            handle.cancelledAt = System.nanoTime();
            if (handle.started && !handle.returned) {
                lingering.put(attempt, handle);
                if (handle.returned) {
                    lingering.remove(attempt); // it came back meanwhile
                }
            }
            AttemptSink output = handle.output;
            if (output != null) {
                output.cancel();
            }
            Future<?> future = handle.future;
            if (future != null) {
                future.cancel(true);
            }
        }
    }

    void cancelAll() {
        List.copyOf(running.keySet()).forEach(this::cancel);
    }

    List<TaskAttempt> running() {
        return List.copyOf(running.keySet());
    }

    /** @return the running attempts that are inside the function at this moment */
    List<TaskAttempt> inFunction() {
        return running.entrySet().stream().filter(e -> e.getValue().inFunction).map(Map.Entry::getKey).toList();
    }

    /**
     * @return cancelled attempts whose slot thread is still busy: a function that ignores
     *     interrupts keeps its slot until it returns, and the scheduler must count it as taken
     */
    List<TaskAttempt> lingering() {
        lingering.values().removeIf(h -> h.returned);
        return List.copyOf(lingering.keySet());
    }

    long completed() {
        return completed.get();
    }

    long failed() {
        return failed.get();
    }

    /** @return attempts the scheduler cancelled while they ran */
    long cancelled() {
        return cancelled.get();
    }

    /** @return records written by completed attempts (for exactly-once output, as their markers count them) */
    long recordsOut() {
        return recordsOut.get();
    }

    /** @return the slots taken: running attempts, and cancelled ones whose thread has not come back */
    int slotsUsed() {
        return Math.min(slotCount, running.size() + lingering().size());
    }

    int slots() {
        return slotCount;
    }

    private void execute(RunTask task, AttemptHandle handle) {
        TaskAttempt attempt = task.attempt();
        handle.started = true;
        WireMessage outcome;
        try {
            outcome = attempt(task, handle);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = null;
        } finally {
            handle.returned = true;
            if (lingering.remove(attempt) != null) {
                long lateMs = (System.nanoTime() - handle.cancelledAt) / 1_000_000;
                if (lateMs > 1_000) {
                    log.warn("{} came back {} ms after its cancel (the function ignored the interrupt); its slot is free again",
                            attempt, lateMs);
                }
            }
        }
        if (running.remove(attempt, handle) && outcome != null && !handle.cancelled) {
            (outcome instanceof TaskDone ? completed : failed).incrementAndGet();
            if (outcome instanceof TaskDone done) {
                recordsOut.addAndGet(done.recordsOut());
            }
            reply.accept(outcome);
        }
    }

    private WireMessage attempt(RunTask task, AttemptHandle handle) throws InterruptedException {
        TaskAttempt attempt = task.attempt();
        long t0 = System.nanoTime();
        Services svc;
        try {
            svc = services.get(SERVICES_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return Attempts.platform(attempt, e instanceof ExecutionException ? e.getCause() : e);
        }
        try {
            if (task.stage().state().stateful()) {
                return attempts.stateful(task, svc, handle, t0);
            }
            if (task.stage().shuffles() && !task.deadLetters()) {
                return attempts.shuffle(task, svc, handle, t0);
            }
            return task.exactlyOnce() ? attempts.exactlyOnce(task, svc, handle, t0) : attempts.atLeastOnce(task, svc, handle, t0);
        } catch (SinkException | MissingBlockException | BlockFormatException e) {
            if (handle.cancelled) {
                // A cancel interrupts whatever the attempt was waiting on: not a failure of anything.
                log.debug("{} stopped by its cancel: {}", attempt, e.toString());
                return null;
            }
            return e instanceof SinkException s && s.causedByOutput() ? Attempts.user(attempt, e) : Attempts.platform(attempt, e);
        }
    }


    @Override
    public void close() {
        cancelAll();
        slots.shutdownNow();
        try {
            slots.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        functions.close();
    }
}
