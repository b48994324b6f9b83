package io.sluice.core.wire;

import io.sluice.core.task.TaskAttempt;

import java.util.List;
import java.util.Map;

/**
 * Everything the scheduler and a runtime say to each other over the runtime's WebSocket, one binary
 * frame per message (see {@link WireCodec}). Messages carry task metadata only; records travel
 * through the batch store and the sink, never over this channel.
 */
public sealed interface WireMessage {

    /** Protocol version; a runtime speaking another one is refused at {@link Hello}. */
    int PROTOCOL = 6;

    // ---- runtime -> scheduler

    /** The first message of a runtime: who it is and how many tasks it can run at once. */
    record Hello(int protocol, String name, int slots) implements WireMessage {
    }

    /**
     * Sent once the runtime can read blocks and write output (it has joined the data grid): only
     * then does the scheduler count its slots. Until then it heartbeats but gets no task.
     */
    record Ready(int slots) implements WireMessage {
    }

    /**
     * Sent every heartbeat interval.
     *
     * @param running    the attempts the runtime is running now
     * @param inFunction those of them that are inside user code at this moment (not reading the
     *                   block, waiting for the grid, or writing): a timeout of one of these is the
     *                   function's fault, of any other the platform's
     * @param lingering  attempts cancelled here whose thread has not come back (a function that
     *                   ignores interrupts): each holds a slot, which the scheduler must not count
     *                   as free
     */
    record Heartbeat(List<TaskAttempt> running, List<TaskAttempt> inFunction, List<TaskAttempt> lingering)
            implements WireMessage {
        public Heartbeat {
            running = List.copyOf(running);
            inFunction = List.copyOf(inFunction);
            lingering = List.copyOf(lingering);
        }
    }

    /**
     * An attempt finished and its output is in the sink.
     *
     * @param recordsIn  the records of the block the attempt processed
     * @param recordsOut for at-least-once output, the records the attempt wrote; for exactly-once
     *                   output, every record the task has committed so far, as its marker says (so an
     *                   attempt that finds its task committed reports the real count)
     * @param readNanos  time to read the block
     * @param runNanos   time in the function
     * @param writeNanos time to write and commit the output
     * @param shuffled   for a stage that shuffles, how many records its stored shuffle block holds for
     *                   each downstream partition; empty for a stage that writes the sink
     */
    record TaskDone(TaskAttempt attempt, long recordsIn, long recordsOut, long readNanos, long runNanos,
                    long writeNanos, List<Integer> shuffled) implements WireMessage {
        public TaskDone {
            shuffled = List.copyOf(shuffled);
        }

        /** An attempt of a stage that writes the sink. */
        public TaskDone(TaskAttempt attempt, long recordsIn, long recordsOut, long readNanos, long runNanos,
                        long writeNanos) {
            this(attempt, recordsIn, recordsOut, readNanos, runNanos, writeNanos, List.of());
        }
    }

    /** An attempt failed; {@code kind} says whether the function or the platform is to blame. */
    record TaskFailed(TaskAttempt attempt, FailureKind kind, String errorClass, String message) implements WireMessage {
    }

    /** Who is to blame for a failed attempt. */
    enum FailureKind {
        /** The function threw on the batch: retry, then bisect the block to isolate the poison records. */
        USER,
        /** The runtime could not read the block or write the output: retry elsewhere, for as long as it takes. */
        PLATFORM,
        /**
         * The function could not be loaded or opened: it would fail on any record, so after the
         * retries the block is dead-lettered whole rather than bisected.
         */
        SETUP
    }

    // ---- scheduler -> runtime

    /**
     * The scheduler's answer to {@link Hello}: the runtime's identity and where the data is.
     *
     * @param runtimeId the identity of this connection; a reconnect gets a new one
     * @param kafkaBootstrap where the sinks write
     * @param clusterName the data grid's cluster name, or empty when the runtime shares the scheduler's JVM
     * @param clusterHosts {@code host[port]} members to join the data grid through, empty in-process
     */
    record Welcome(String runtimeId, String kafkaBootstrap, String clusterName, List<String> clusterHosts)
            implements WireMessage {
        public Welcome {
            clusterHosts = List.copyOf(clusterHosts);
        }
    }

    /**
     * Run one attempt of a task, or of part of it.
     *
     * @param partitionCount  how many partitions the task's batch has
     * @param outputTopic     where the function's output goes
     * @param transactionalId for exactly-once output, the Kafka transactional id every attempt of
     *                        this task shares (so a newer attempt fences an older one) and no task
     *                        that may run at the same time uses; empty for at-least-once output
     * @param producerEpoch   the scheduler's generation of that id's holder: it changes whenever the
     *                        id moves to another runtime, so a runtime whose cached producer has
     *                        another generation knows it was fenced and initialises a new one before
     *                        it writes; 0 for at-least-once output
     * @param checkMarker     whether an earlier attempt may have committed (a retry, a speculative
     *                        copy, a task recovered by a new scheduler): the runtime reads the
     *                        task's commit marker and runs only what it does not cover
     * @param range           which records of the block to run; all of them but when a failing block
     *                        is being bisected
     * @param deadLetterTopic where records that cannot be processed go
     * @param deadLetterError empty to run the function; otherwise the range's records are written,
     *                        unprocessed, to {@code deadLetterTopic} with this error in a header
     * @param stage           what the task's stage reads, runs and writes
     */
    record RunTask(TaskAttempt attempt, int partitionCount, FunctionRef function, String outputTopic,
                   Map<String, String> parameters, String transactionalId, long producerEpoch, boolean checkMarker,
                   RecordRange range, String deadLetterTopic, String deadLetterError, StageWork stage)
            implements WireMessage {
        public RunTask {
            parameters = Map.copyOf(parameters);
            transactionalId = transactionalId == null ? "" : transactionalId;
            deadLetterError = deadLetterError == null ? "" : deadLetterError;
        }

        /** A task of a one-stage pipeline: read the input block, run the function, write the sink. */
        public RunTask(TaskAttempt attempt, int partitionCount, FunctionRef function, String outputTopic,
                       Map<String, String> parameters, String transactionalId, long producerEpoch, boolean checkMarker,
                       RecordRange range, String deadLetterTopic, String deadLetterError) {
            this(attempt, partitionCount, function, outputTopic, parameters, transactionalId, producerEpoch, checkMarker,
                    range, deadLetterTopic, deadLetterError, StageWork.SINGLE);
        }

        /** @return whether the output goes out in a transaction with the task's commit marker */
        public boolean exactlyOnce() {
            return !transactionalId.isEmpty();
        }

        /** @return whether this attempt dead-letters its records instead of running the function */
        public boolean deadLetters() {
            return !deadLetterError.isEmpty();
        }
    }

    /**
     * Records {@code [from, until)} of a block, by index; {@link #ALL} is the whole block.
     *
     * @param from  the first record
     * @param until one past the last record, or -1 for the end of the block
     */
    record RecordRange(int from, int until) {
        /** The whole block. */
        public static final RecordRange ALL = new RecordRange(0, -1);

        public RecordRange {
            if (from < 0 || (until != -1 && until < from)) {
                throw new IllegalArgumentException("bad record range [" + from + ", " + until + ")");
            }
        }

        /** @return the end of the range in a block of {@code size} records */
        public int until(int size) {
            return until == -1 ? size : Math.min(until, size);
        }

        @Override
        public String toString() {
            return "[" + from + ", " + (until == -1 ? "end" : until) + ")";
        }
    }

    /**
     * What one task's stage reads, runs and writes.
     *
     * <p>A task reads its input block (stage 0, {@code inputs} empty) or its partition of each
     * shuffle block in {@code inputs}, in that order, grouped by key. It runs {@code reduce} over
     * each key's values, or, when that is empty, the function. It writes the sink, transactionally
     * for exactly-once output ({@code shuffleTo} 0), or one shuffle block under {@code shuffleKey},
     * split by key into {@code shuffleTo} partitions and, when {@code combine} is set, reduced by key
     * first (map-side combining), stored first-writer-wins. Dead-lettering attempts always write the
     * dead-letter topic.
     *
     * @param shuffleTo  how many partitions the next stage has, or 0 if this stage writes the sink
     * @param combine    the reduction of the next stage, to combine the output with before the shuffle; or empty
     * @param shuffleKey where the shuffle block goes; empty if the stage writes the sink
     * @param reduce     the reduction this stage runs over its grouped input instead of the function; or empty
     * @param inputs     the shuffle blocks to read, for a stage after the first; empty for stage 0
     */
    record StageWork(int shuffleTo, String combine, String shuffleKey, String reduce, List<String> inputs,
                     StateWork state) {
        /** The only stage of a one-stage pipeline. */
        public static final StageWork SINGLE = new StageWork(0, "", "", "", List.of(), StateWork.NONE);

        public StageWork {
            if (shuffleTo < 0) {
                throw new IllegalArgumentException("shuffleTo must be >= 0, was " + shuffleTo);
            }
            shuffleKey = shuffleKey == null ? "" : shuffleKey;
            if ((shuffleTo > 0) == shuffleKey.isEmpty()) {
                throw new IllegalArgumentException("a stage that shuffles needs a shuffle key, and only it");
            }
            combine = combine == null ? "" : combine;
            reduce = reduce == null ? "" : reduce;
            inputs = List.copyOf(inputs);
            state = state == null ? StateWork.NONE : state;
            if (state.stateful() && shuffleTo > 0) {
                throw new IllegalArgumentException("a stateful stage writes the sink, not a shuffle");
            }
        }

        /** A stage without state. */
        public StageWork(int shuffleTo, String combine, String shuffleKey, String reduce, List<String> inputs) {
            this(shuffleTo, combine, shuffleKey, reduce, inputs, StateWork.NONE);
        }

        /** @return whether the stage writes a shuffle block rather than the sink */
        public boolean shuffles() {
            return shuffleTo > 0;
        }
    }

    /**
     * What a stateful stage's task needs besides its input: where its partition's state is kept,
     * which batch it is, and the window or the state function it runs.
     *
     * @param topic          the compacted changelog topic; empty for a stage without state
     * @param sequence       the batch's sequence: the state it starts from is the one committed by
     *                       the task of the batch before ({@code sequence - 1})
     * @param stateClass     the {@code StateFunction} class, or empty for a window
     * @param timeoutMs      how long a key without values keeps its state; 0 for ever
     * @param windowLengthMs the window's length, or 0 without a window
     * @param windowSlideMs  the window's slide, or 0
     * @param incremental    whether the window is computed with the reduction's inverse
     * @param intervalMs     the pipeline's batch interval
     */
    record StateWork(String topic, long sequence, String stateClass, long timeoutMs, long windowLengthMs,
                     long windowSlideMs, boolean incremental, long intervalMs) {
        /** No state. */
        public static final StateWork NONE = new StateWork("", 0, "", 0, 0, 0, false, 0);

        public StateWork {
            topic = topic == null ? "" : topic;
            stateClass = stateClass == null ? "" : stateClass;
            if (!topic.isEmpty() && stateClass.isEmpty() == (windowSlideMs <= 0)) {
                throw new IllegalArgumentException("a stateful stage has exactly one of a state class and a window");
            }
            if (windowSlideMs > 0 && (windowLengthMs < windowSlideMs || intervalMs <= 0)) {
                throw new IllegalArgumentException("bad window " + windowLengthMs + "/" + windowSlideMs + " ms");
            }
        }

        /** @return whether the stage keeps state */
        public boolean stateful() {
            return !topic.isEmpty();
        }

        /** @return whether the state is a window's */
        public boolean windowed() {
            return windowSlideMs > 0;
        }
    }

    /** Stop an attempt if it still runs; its result will be ignored. */
    record CancelTask(TaskAttempt attempt) implements WireMessage {
    }

    /** The scheduler refuses the runtime (e.g. protocol mismatch) and closes the connection. */
    record Refused(String reason) implements WireMessage {
    }

    /**
     * Which function version to run.
     *
     * @param name the function name
     * @param version the version
     * @param className the class to instantiate from its jar
     * @param sha256 the jar's SHA-256 as the version was registered; the runtime loads only a jar
     *     that hashes to it
     */
    record FunctionRef(String name, int version, String className, String sha256) {
        @Override
        public String toString() {
            return name + "@" + version;
        }
    }
}
