package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.block.BlockBatch;
import io.sluice.core.block.BlockFormatException;
import io.sluice.core.loading.InvalidFunctionException;
import io.sluice.core.registry.UnknownEntryException;
import io.sluice.core.store.MissingBlockException;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.wire.WireMessage;
import io.sluice.core.wire.WireMessage.FailureKind;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.sluice.runtime.internal.FunctionCache.FunctionOpenException;
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
    private static final int MAX_MESSAGE = 1000;

    private final ExecutorService slots;
    private final FunctionCache functions;
    private final CompletableFuture<Services> services;
    private final Consumer<WireMessage> reply;
    private final Map<TaskAttempt, Running> running = new ConcurrentHashMap<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    TaskRunner(String runtimeName, int slotCount, CompletableFuture<Services> services, Consumer<WireMessage> reply) {
        AtomicInteger threads = new AtomicInteger();
        this.slots = new ThreadPoolExecutor(slotCount, slotCount, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "sluice-slot-" + runtimeName + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.functions = new FunctionCache(runtimeName);
        this.services = services;
        this.reply = reply;
    }

    /** What a running attempt can be cancelled through. */
    private static final class Running {
        volatile Future<?> future;
        volatile AttemptSink output;
        volatile boolean cancelled;
    }

    void run(RunTask task) {
        Running handle = new Running();
        if (running.putIfAbsent(task.attempt(), handle) != null) {
            log.warn("Ignoring a second RunTask for {}", task.attempt());
            return;
        }
        handle.future = slots.submit(() -> execute(task, handle));
    }

    void cancel(TaskAttempt attempt) {
        Running handle = running.remove(attempt);
        if (handle != null) {
            log.debug("Cancelling {}", attempt);
            handle.cancelled = true;
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

    long completed() {
        return completed.get();
    }

    long failed() {
        return failed.get();
    }

    private void execute(RunTask task, Running handle) {
        TaskAttempt attempt = task.attempt();
        WireMessage outcome;
        try {
            outcome = attempt(task, handle);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = null;
        }
        if (running.remove(attempt, handle) && outcome != null && !handle.cancelled) {
            (outcome instanceof TaskDone ? completed : failed).incrementAndGet();
            reply.accept(outcome);
        }
    }

    private WireMessage attempt(RunTask task, Running handle) throws InterruptedException {
        TaskAttempt attempt = task.attempt();
        long t0 = System.nanoTime();
        Services svc;
        try {
            svc = services.get(SERVICES_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return platform(attempt, e instanceof ExecutionException ? e.getCause() : e);
        }
        AttemptSink output;
        try {
            if (task.exactlyOnce()) {
                output = svc.transactions().begin(attempt, task.transactionalId(), task.outputTopic());
                if (output == null) {
                    return new TaskDone(attempt, 0, 0, 0, 0, 0); // an earlier attempt committed it
                }
            } else {
                output = svc.sink().open(attempt, task.outputTopic());
            }
        } catch (SinkException e) {
            return platform(attempt, e);
        }
        handle.output = output;
        if (handle.cancelled) {
            output.cancel();
        }
        try {
            return run(task, svc, output, handle, t0);
        } finally {
            output.abandon();
        }
    }

    private WireMessage run(RunTask task, Services svc, AttemptSink output, Running handle, long t0)
            throws InterruptedException {
        TaskAttempt attempt = task.attempt();
        Block block;
        try {
            block = Block.decode(svc.batchStore().block(attempt.task()));
        } catch (MissingBlockException | BlockFormatException e) {
            return platform(attempt, e);
        }
        long t1 = System.nanoTime();

        FunctionCache.Entry function;
        try {
            function = functions.acquire(svc.registry(), attempt.task().pipeline(), task.function(), task.parameters());
        } catch (InvalidFunctionException e) {
            return user(attempt, e);
        } catch (FunctionOpenException e) {
            return user(attempt, e.getCause());
        } catch (UnknownEntryException e) {
            return platform(attempt, e);
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(function.classLoader());
        try {
            function.function().apply(new BlockBatch(attempt.task(), task.partitionCount(), block), output);
        } catch (SinkException e) {
            return platform(attempt, e);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception | LinkageError | StackOverflowError e) {
            if (handle.cancelled) {
                return null;
            }
            return user(attempt, e);
        } finally {
            thread.setContextClassLoader(previous);
            functions.release(function);
        }
        if (handle.cancelled) {
            return null;
        }
        long t2 = System.nanoTime();
        try {
            output.finish();
        } catch (SinkException e) {
            return platform(attempt, e);
        }
        long t3 = System.nanoTime();
        return new TaskDone(attempt, block.size(), output.sent(), t1 - t0, t2 - t1, t3 - t2);
    }

    private static TaskFailed user(TaskAttempt attempt, Throwable error) {
        log.info("{} failed in the function: {}", attempt, error.toString());
        return failure(attempt, FailureKind.USER, error);
    }

    private static TaskFailed platform(TaskAttempt attempt, Throwable error) {
        log.warn("{} failed in the runtime: {}", attempt, error.toString());
        return failure(attempt, FailureKind.PLATFORM, error);
    }

    private static TaskFailed failure(TaskAttempt attempt, FailureKind kind, Throwable error) {
        String message = error.getMessage();
        if (message != null && message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE) + "...";
        }
        return new TaskFailed(attempt, kind, error.getClass().getName(), message);
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
