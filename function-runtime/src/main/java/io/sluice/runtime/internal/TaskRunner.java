package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.block.BlockBatch;
import io.sluice.core.block.BlockFormatException;
import io.sluice.core.loading.InvalidFunctionException;
import io.sluice.core.registry.JarMismatchException;
import io.sluice.core.registry.UnknownEntryException;
import io.sluice.core.store.MissingBlockException;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.wire.WireMessage;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.FailureKind;
import io.sluice.core.wire.WireMessage.FunctionRef;
import io.sluice.core.wire.WireMessage.StageWork;
import io.sluice.function.BatchFunction;
import io.sluice.function.Reducer;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.sluice.runtime.internal.FunctionCache.FunctionOpenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
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
    /** Cancelled attempts whose slot thread has not come back yet (the function ignores interrupts). */
    private final Map<TaskAttempt, Running> lingering = new ConcurrentHashMap<>();
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
        /** Whether the slot thread is inside user code right now. */
        volatile boolean inFunction;
        volatile boolean started;
        volatile boolean returned;
        volatile long cancelledAt;
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

    private void execute(RunTask task, Running handle) {
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
        try {
            if (task.stage().shuffles() && !task.deadLetters()) {
                return shuffle(task, svc, handle, t0);
            }
            return task.exactlyOnce() ? exactlyOnce(task, svc, handle, t0) : atLeastOnce(task, svc, handle, t0);
        } catch (SinkException | MissingBlockException | BlockFormatException e) {
            if (handle.cancelled) {
                // A cancel interrupts whatever the attempt was waiting on: not a failure of anything.
                log.debug("{} stopped by its cancel: {}", attempt, e.toString());
                return null;
            }
            return e instanceof SinkException s && s.causedByOutput() ? user(attempt, e) : platform(attempt, e);
        }
    }

    /**
     * Reads the marker if an earlier attempt may have committed, computes the output of what it does
     * not cover, then writes it and the marker in one transaction. If another attempt commits while
     * this one computes, this one recomputes what is left, or finds nothing left to do.
     */
    private WireMessage exactlyOnce(RunTask task, Services svc, Running handle, long t0) throws InterruptedException {
        TaskAttempt attempt = task.attempt();
        TransactionalSink sink = svc.transactions();
        CommitMarker basis = task.checkMarker()
                ? sink.settledMarker(task.transactionalId(), task.producerEpoch(), task.outputTopic())
                : CommitMarker.NONE;
        Block block = null;
        long readNanos = 0;
        for (int round = 0; round < 3; round++) {
            int covered = basis.committedUpTo(attempt.task());
            int wanted = task.range().until();
            if (wanted != -1 && covered >= wanted) {
                log.info("{} committed already under {}; not running it again", attempt, task.transactionalId());
                return new TaskDone(attempt, 0, basis.recordsOutOf(attempt.task()), readNanos, 0, 0);
            }
            if (block == null) {
                block = input(task, svc);
                readNanos = System.nanoTime() - t0;
            }
            int until = task.range().until(block.size());
            int from = Math.min(until, Math.max(task.range().from(), covered));
            if (covered >= until) {
                return new TaskDone(attempt, 0, basis.recordsOutOf(attempt.task()), readNanos, 0, 0);
            }
            BufferedOutput output = new BufferedOutput(attempt.toString(), task.outputTopic(),
                    attempt.task().batchTime());
            long t1 = System.nanoTime();
            TaskFailed failed = compute(task, svc, handle, block, from, until, output);
            if (failed != null || handle.cancelled) {
                return handle.cancelled ? null : failed;
            }
            long t2 = System.nanoTime();
            TransactionalSink.Outcome outcome = sink.commit(attempt, task.transactionalId(), task.producerEpoch(),
                    task.outputTopic(), basis, until, output.records(),
                    task.deadLetters() ? 0 : output.records().size());
            if (outcome instanceof TransactionalSink.Outcome.Committed c) {
                return new TaskDone(attempt, until - from, c.marker().recordsOutOf(attempt.task()), readNanos, t2 - t1,
                        System.nanoTime() - t2);
            }
            basis = ((TransactionalSink.Outcome.Superseded) outcome).marker();
        }
        throw new SinkException(attempt + ": other attempts kept committing under " + task.transactionalId()
                + " while this one computed", null);
    }

    /** Streams the output as the function emits it, then waits for the acknowledgements. */
    private WireMessage atLeastOnce(RunTask task, Services svc, Running handle, long t0) throws InterruptedException {
        TaskAttempt attempt = task.attempt();
        Block block = input(task, svc);
        int until = task.range().until(block.size());
        int from = Math.min(until, task.range().from());
        long t1 = System.nanoTime();
        KafkaSink.AttemptOutput output = svc.sink().open(attempt, task.outputTopic());
        try {
            TaskFailed failed = compute(task, svc, handle, block, from, until, output);
            if (failed != null || handle.cancelled) {
                return handle.cancelled ? null : failed;
            }
            long t2 = System.nanoTime();
            output.finish();
            long out = task.deadLetters() ? 0 : output.sent();
            return new TaskDone(attempt, until - from, out, t1 - t0, t2 - t1, System.nanoTime() - t2);
        } finally {
            output.abandon();
        }
    }

    /**
     * Runs the function over records {@code [from, until)}, or, for a dead-lettering attempt, turns
     * them into dead-letter records, into {@code output}.
     *
     * @return the failure, or {@code null} if the output is complete
     */
    private TaskFailed compute(RunTask task, Services svc, Running handle, Block block, int from, int until,
                               AttemptSink output) throws InterruptedException {
        TaskAttempt attempt = task.attempt();
        handle.output = output;
        if (handle.cancelled) {
            output.cancel();
        }
        if (task.deadLetters()) {
            DeadLetters.of(attempt.task(), block, from, until, task.deadLetterTopic(), task.deadLetterError(),
                    output instanceof BufferedOutput b ? b::add : ((KafkaSink.AttemptOutput) output)::send);
            return null;
        }
        String reduce = task.stage().reduce();
        FunctionCache.Entry entry = null;
        BatchFunction function;
        ClassLoader loader;
        try {
            if (StageSpec.BUILT_INS.contains(reduce)) {
                function = Reduction.builtIn(reduce).grouped();
                loader = TaskRunner.class.getClassLoader();
            } else if (reduce.isEmpty()) {
                entry = load(task, svc, task.function(), BatchFunction.class);
                function = entry.function();
                loader = entry.classLoader();
            } else {
                entry = load(task, svc, withClass(task.function(), reduce), Reducer.class);
                function = Reduction.of(reduce, entry.reducer()).grouped();
                loader = entry.classLoader();
            }
        } catch (Failed e) {
            return e.failure;
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            handle.inFunction = true;
            function.apply(new BlockBatch(attempt.task(), task.partitionCount(), block, from, until), output);
            return null;
        } catch (SinkException e) {
            return e.causedByOutput() ? user(attempt, e) : platform(attempt, e);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception | LinkageError | StackOverflowError e) {
            return handle.cancelled ? null : user(attempt, e);
        } finally {
            handle.inFunction = false;
            thread.setContextClassLoader(previous);
            if (entry != null) {
                functions.release(entry);
            }
        }
    }

    /**
     * Runs a stage that shuffles: the function over its input, then, if the next stage reduces,
     * that reduction over the output by key, into one shuffle block split by the next stage's
     * partitions, stored first-writer-wins. An attempt that may follow one that finished finds the
     * block stored and does not run again; one that loses the race reports the block that won.
     */
    private WireMessage shuffle(RunTask task, Services svc, Running handle, long t0) throws InterruptedException {
        TaskAttempt attempt = task.attempt();
        StageWork stage = task.stage();
        String key = stage.shuffleKey();
        if (task.checkMarker() && svc.batchStore().hasBlock(key)) {
            Block stored = Block.decode(svc.batchStore().blocks(List.of(key)).get(key));
            log.info("{}: its shuffle block is stored already; not running it again", attempt);
            return new TaskDone(attempt, 0, stored.size(), System.nanoTime() - t0, 0, 0,
                    Shuffle.counts(stored, stage.shuffleTo()));
        }
        Block block = input(task, svc);
        long t1 = System.nanoTime();
        int until = task.range().until(block.size());
        int from = Math.min(until, task.range().from());
        BufferedOutput output = new BufferedOutput(attempt.toString(), Shuffle.TOPIC, attempt.task().batchTime());
        TaskFailed failed = compute(task, svc, handle, block, from, until, output);
        if (failed != null || handle.cancelled) {
            return handle.cancelled ? null : failed;
        }
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>(output.records().size());
        output.records().forEach(r -> records.add(new SimpleImmutableEntry<>(r.key(), r.value())));
        output.abandon();
        List<Map.Entry<byte[], byte[]>> shuffled = records;
        if (!stage.combine().isEmpty()) {
            try {
                shuffled = combine(task, svc, handle, records);
            } catch (Failed e) {
                return e.failure;
            }
        }
        byte[] bytes = Shuffle.write(shuffled, stage.shuffleTo(), attempt.task().batchTime());
        long t2 = System.nanoTime();
        Block kept = Block.decode(svc.batchStore().putBlockIfAbsent(key, bytes));
        return new TaskDone(attempt, until - from, kept.size(), t1 - t0, t2 - t1, System.nanoTime() - t2,
                Shuffle.counts(kept, stage.shuffleTo()));
    }

    /** Map-side combining: the next stage's reduction over this task's output, one record per key. */
    private List<Map.Entry<byte[], byte[]>> combine(RunTask task, Services svc, Running handle,
                                                    List<Map.Entry<byte[], byte[]>> records) throws Failed {
        String reduce = task.stage().combine();
        if (StageSpec.BUILT_INS.contains(reduce)) {
            try {
                return Reduction.builtIn(reduce).combine(records, true);
            } catch (Exception e) {
                throw new Failed(user(task.attempt(), e));
            }
        }
        FunctionCache.Entry entry = load(task, svc, withClass(task.function(), reduce), Reducer.class);
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(entry.classLoader());
        try {
            handle.inFunction = true;
            return Reduction.of(reduce, entry.reducer()).combine(records, true);
        } catch (Exception | LinkageError | StackOverflowError e) {
            throw new Failed(user(task.attempt(), e));
        } finally {
            handle.inFunction = false;
            thread.setContextClassLoader(previous);
            functions.release(entry);
        }
    }

    /**
     * @return the task's input: its input block for stage 0; for a later stage, its partition of
     *     every shuffle block the stage before wrote, grouped by key
     * @throws MissingBlockException naming the block that is gone
     */
    private static Block input(RunTask task, Services svc) {
        TaskId id = task.attempt().task();
        if (id.stage() == 0) {
            return Block.decode(svc.batchStore().block(id));
        }
        List<String> keys = task.stage().inputs();
        Map<String, byte[]> found = keys.isEmpty() ? Map.of() : svc.batchStore().blocks(keys);
        return Shuffle.read(keys.stream().map(found::get).toList(), id.partition(), id.batchTime());
    }

    private FunctionCache.Entry load(RunTask task, Services svc, FunctionRef ref, Class<?> kind) throws Failed {
        TaskAttempt attempt = task.attempt();
        try {
            return functions.acquire(svc.registry(), attempt.task().pipeline(), ref, task.parameters(), kind);
        } catch (InvalidFunctionException | JarMismatchException e) {
            throw new Failed(setup(attempt, e));
        } catch (FunctionOpenException e) {
            throw new Failed(setup(attempt, e.getCause()));
        } catch (UnknownEntryException e) {
            throw new Failed(platform(attempt, e));
        }
    }

    private static FunctionRef withClass(FunctionRef ref, String className) {
        return new FunctionRef(ref.name(), ref.version(), className, ref.sha256());
    }

    /** An attempt that cannot go on, with the failure to report. */
    private static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        final transient TaskFailed failure;

        Failed(TaskFailed failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }

    private static TaskFailed user(TaskAttempt attempt, Throwable error) {
        log.info("{} failed in the function: {}", attempt, error.toString());
        return failure(attempt, FailureKind.USER, error);
    }

    private static TaskFailed setup(TaskAttempt attempt, Throwable error) {
        log.info("{}: the function cannot start: {}", attempt, error.toString());
        return failure(attempt, FailureKind.SETUP, error);
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
