package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.block.BlockBatch;
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
import io.sluice.function.InvertibleReducer;
import io.sluice.function.Reducer;
import io.sluice.function.StateFunction;
import io.sluice.core.encoding.MalformedDataException;
import io.sluice.core.wire.WireMessage.StateWork;
import org.apache.kafka.clients.producer.ProducerRecord;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.sluice.runtime.internal.FunctionCache.FunctionOpenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one task attempt does, by kind: a function over a block, exactly-once (buffered, then one
 * transaction with the marker) or at-least-once (streamed); a stage that shuffles into the store;
 * a stateful stage committing its changelog with its output. {@link TaskRunner} owns the slots,
 * the cancels and the replies; this class owns the work and its failure reports.
 */
final class Attempts {

    private static final Logger log = LoggerFactory.getLogger(Attempts.class);
    private static final int MAX_MESSAGE = 1000;

    private final FunctionCache functions;

    Attempts(FunctionCache functions) {
        this.functions = functions;
    }

    /**
     * Reads the marker if an earlier attempt may have committed, computes the output of what it does
     * not cover, then writes it and the marker in one transaction. If another attempt commits while
     * this one computes, this one recomputes what is left, or finds nothing left to do.
     */
    WireMessage exactlyOnce(RunTask task, Services svc, AttemptHandle handle, long t0) throws InterruptedException {
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
    WireMessage atLeastOnce(RunTask task, Services svc, AttemptHandle handle, long t0) throws InterruptedException {
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
    private TaskFailed compute(RunTask task, Services svc, AttemptHandle handle, Block block, int from, int until,
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
                loader = Attempts.class.getClassLoader();
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
    WireMessage shuffle(RunTask task, Services svc, AttemptHandle handle, long t0) throws InterruptedException {
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

    /**
     * Runs a task of a stateful stage (a window, or a state function): take the partition's state
     * after the batch before, compute this batch's output and state changes, then write output,
     * dead letters, changed keys and the watermark with the commit marker in one transaction. Only
     * a committed attempt's state is kept for the partition's next task. The whole partition
     * commits at once: a key that fails is dead-lettered inside the attempt, so it is never bisected.
     */
    WireMessage stateful(RunTask task, Services svc, AttemptHandle handle, long t0) throws InterruptedException {
        TaskAttempt attempt = task.attempt();
        TaskId id = attempt.task();
        StateWork work = task.stage().state();
        TransactionalSink sink = svc.transactions();
        CommitMarker basis = task.checkMarker()
                ? sink.settledMarker(task.transactionalId(), task.producerEpoch(), task.outputTopic())
                : CommitMarker.NONE;
        if (basis.batchTime() >= id.batchTime()) {
            log.info("{} committed already under {}; not running it again", attempt, task.transactionalId());
            return new TaskDone(attempt, 0, basis.recordsOutOf(id), 0, 0, 0);
        }
        Block block = input(task, svc);
        PartitionState state = svc.states().take(work.topic(), id.partition(), work.sequence() - 1);
        if (state.sequence() >= work.sequence()) {
            log.warn("{}: the changelog has its state already (sequence {}), though its marker did not say so", attempt,
                    state.sequence());
            svc.states().keep(work.topic(), id.partition(), state);
            return new TaskDone(attempt, 0, 0, System.nanoTime() - t0, 0, 0);
        }
        long t1 = System.nanoTime();
        StepOutput out = new StepOutput(id, work.sequence(), task.outputTopic(), task.deadLetterTopic());
        if (task.deadLetters()) {
            out.deadLetter(block, 0, block.size(), task.deadLetterError());
        } else {
            TaskFailed failed = step(task, svc, handle, state, block, out);
            if (failed != null || handle.cancelled) {
                return handle.cancelled ? null : failed;
            }
        }
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(out.output);
        records.addAll(out.deadLetters);
        out.changes.updates.forEach((key, value) -> records.add(
                new ProducerRecord<>(work.topic(), id.partition(), id.batchTime(), key.changelogKey(), value)));
        records.add(new ProducerRecord<>(work.topic(), id.partition(), id.batchTime(), StateKey.WATERMARK,
                PartitionState.watermark(work.sequence(), id.batchTime())));
        long t2 = System.nanoTime();
        TransactionalSink.Outcome outcome = sink.commit(attempt, task.transactionalId(), task.producerEpoch(),
                task.outputTopic(), basis, block.size(), records, out.output.size());
        if (outcome instanceof TransactionalSink.Outcome.Committed c) {
            state.apply(out.changes);
            svc.states().keep(work.topic(), id.partition(), state);
            return new TaskDone(attempt, block.size(), c.marker().recordsOutOf(id), t1 - t0, t2 - t1,
                    System.nanoTime() - t2);
        }
        return new TaskDone(attempt, 0, ((TransactionalSink.Outcome.Superseded) outcome).marker().recordsOutOf(id),
                t1 - t0, t2 - t1, System.nanoTime() - t2);
    }

    /** Computes one batch of a stateful stage into {@code out}; @return the failure, or null */
    private TaskFailed step(RunTask task, Services svc, AttemptHandle handle, PartitionState state, Block block,
                            StepOutput out) throws InterruptedException {
        StateWork work = task.stage().state();
        String reduce = task.stage().reduce();
        FunctionCache.Entry entry = null;
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try {
            Reduction reduction = null;
            if (StageSpec.BUILT_INS.contains(reduce)) {
                reduction = Reduction.builtIn(reduce);
            } else if (!reduce.isEmpty()) {
                entry = load(task, svc, withClass(task.function(), reduce), Reducer.class);
                reduction = Reduction.of(reduce, entry.reducer());
            } else {
                entry = load(task, svc, task.function(), work.windowed() ? BatchFunction.class : StateFunction.class);
            }
            if (reduction != null && work.incremental() && !reduction.invertible()) {
                return setup(task.attempt(), new IllegalArgumentException(reduce + " has no inverse for an incremental "
                        + "window: implement " + InvertibleReducer.class.getName()));
            }
            thread.setContextClassLoader(entry != null ? entry.classLoader() : Attempts.class.getClassLoader());
            handle.inFunction = true;
            WindowStep.Shape shape = new WindowStep.Shape(work.windowLengthMs(), work.windowSlideMs(), work.intervalMs(),
                    work.incremental());
            if (!work.windowed()) {
                KeyedStateStep.run(entry.stateFunction(), state, block, work.timeoutMs(), out);
            } else if (reduction != null) {
                WindowStep.reduce(reduction, shape, state, block, out);
            } else {
                WindowStep.apply(entry.function(), shape, state, block, out, task.partitionCount());
            }
            return null;
        } catch (Failed e) {
            return e.failure;
        } catch (IllegalStateException | MalformedDataException e) {
            return platform(task.attempt(), e); // state this build cannot read
        } finally {
            handle.inFunction = false;
            thread.setContextClassLoader(previous);
            if (entry != null) {
                functions.release(entry);
            }
        }
    }

    /** Map-side combining: the next stage's reduction over this task's output, one record per key. */
    private List<Map.Entry<byte[], byte[]>> combine(RunTask task, Services svc, AttemptHandle handle,
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
            return functions.acquire(svc.registry(), svc.tables(), attempt.task().pipeline(), ref, task.parameters(), kind);
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

    static TaskFailed user(TaskAttempt attempt, Throwable error) {
        log.info("{} failed in the function: {}", attempt, error.toString());
        return failure(attempt, FailureKind.USER, error);
    }

    private static TaskFailed setup(TaskAttempt attempt, Throwable error) {
        log.info("{}: the function cannot start: {}", attempt, error.toString());
        return failure(attempt, FailureKind.SETUP, error);
    }

    static TaskFailed platform(TaskAttempt attempt, Throwable error) {
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
}
