package io.sluice.core.registry;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;
import io.sluice.core.task.TaskId;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pipeline: run one function version over micro-batches of some topics, then, optionally, later
 * stages that shuffle its output by key (reductions, or functions over grouped records), writing
 * what the last stage emits to one topic. The constructor checks every field and says what is
 * wrong in one line.
 *
 * @param name the pipeline name; also names its consumer group, {@code sluice.<name>}
 * @param function the function name
 * @param functionVersion the function version the pipeline runs
 * @param inputTopics the topics to read, at least one
 * @param outputTopic the topic the function's output goes to; not one of the inputs
 * @param batchInterval how long each micro-batch spans, 50 ms to 1 h
 * @param partitions how many partitions (tasks) each batch is split into, 1 to 1024
 * @param parameters the function's parameters
 * @param delivery what the output promises when tasks are retried
 * @param state whether the pipeline should run
 * @param createdAt when the pipeline was created, epoch milliseconds
 * @param speculation whether a task that runs much longer than its batch's others gets a copy on
 *     another runtime (straggler speculation); on by default
 * @param stages the stages after the first, which is {@code function} over the input; empty for a
 *     one-stage pipeline
 */
public record PipelineSpec(String name, String function, int functionVersion, List<String> inputTopics,
                           String outputTopic, Duration batchInterval, int partitions,
                           Map<String, String> parameters, Delivery delivery, PipelineState state, long createdAt,
                           boolean speculation, List<StageSpec> stages) {

    public static final Duration MIN_INTERVAL = Duration.ofMillis(50);
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    public static final int MAX_PARTITIONS = 1024;
    private static final int FORMAT = 5;

    public PipelineSpec {
        Names.checkName("pipeline", name);
        Names.checkName("function", function);
        if (functionVersion < 1) {
            throw new IllegalArgumentException("function version must be >= 1, was " + functionVersion);
        }
        if (inputTopics == null || inputTopics.isEmpty()) {
            throw new IllegalArgumentException("a pipeline needs at least one input topic");
        }
        inputTopics = List.copyOf(inputTopics);
        inputTopics.forEach(Names::checkTopic);
        if (new HashSet<>(inputTopics).size() != inputTopics.size()) {
            throw new IllegalArgumentException("input topics " + inputTopics + " name a topic twice");
        }
        Names.checkTopic(outputTopic);
        if (inputTopics.contains(outputTopic)) {
            throw new IllegalArgumentException("output topic '" + outputTopic + "' is also an input: the pipeline would read its own output");
        }
        Objects.requireNonNull(batchInterval, "batch interval");
        if (batchInterval.compareTo(MIN_INTERVAL) < 0 || batchInterval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("batch interval " + batchInterval.toMillis() + " ms is out of range: use 50 ms to 1 h");
        }
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be 1 to " + MAX_PARTITIONS + ", was " + partitions);
        }
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(state, "state");
        stages = stages == null ? List.of() : List.copyOf(stages);
        if (stages.size() >= TaskId.MAX_STAGES) {
            throw new IllegalArgumentException("a pipeline has at most " + (TaskId.MAX_STAGES - 1)
                    + " stages after its function, was " + stages.size());
        }
        for (int i = 0; i < stages.size(); i++) {
            StageSpec stage = stages.get(i);
            if (stage.stateful() && i != stages.size() - 1) {
                throw new IllegalArgumentException("stage " + (i + 1) + " (" + stage + ") keeps state, so it must be the last:"
                        + " its output is committed with its state in one transaction");
            }
            if (stage.window() != null) {
                stage.window().checkAgainst(batchInterval);
            }
            if (stage.stateful() && delivery != Delivery.EXACTLY_ONCE) {
                throw new IllegalArgumentException("stage " + (i + 1) + " (" + stage + ") keeps state, which needs exactly-once"
                        + " delivery: its state is committed in the transaction of its output");
            }
        }
    }

    /** A one-stage pipeline. */
    public PipelineSpec(String name, String function, int functionVersion, List<String> inputTopics, String outputTopic,
                        Duration batchInterval, int partitions, Map<String, String> parameters, Delivery delivery,
                        PipelineState state, long createdAt, boolean speculation) {
        this(name, function, functionVersion, inputTopics, outputTopic, batchInterval, partitions, parameters,
                delivery, state, createdAt, speculation, List.of());
    }

    /** A pipeline with exactly-once delivery and speculation, the defaults. */
    public PipelineSpec(String name, String function, int functionVersion, List<String> inputTopics, String outputTopic,
                        Duration batchInterval, int partitions, Map<String, String> parameters, PipelineState state,
                        long createdAt) {
        this(name, function, functionVersion, inputTopics, outputTopic, batchInterval, partitions, parameters,
                Delivery.EXACTLY_ONCE, state, createdAt, true, List.of());
    }

    /** A pipeline with speculation, the default. */
    public PipelineSpec(String name, String function, int functionVersion, List<String> inputTopics, String outputTopic,
                        Duration batchInterval, int partitions, Map<String, String> parameters, Delivery delivery,
                        PipelineState state, long createdAt) {
        this(name, function, functionVersion, inputTopics, outputTopic, batchInterval, partitions, parameters,
                delivery, state, createdAt, true, List.of());
    }

    /** The parameter of a bounded pipeline (a replay or a query): the pipeline whose batches it runs again, or the topic it reads. */
    public static final String BOUNDED_OF = "sluice.bounded.of";
    /** The parameter of a bounded pipeline: how many batches it runs. */
    public static final String BOUNDED_BATCHES = "sluice.bounded.batches";

    /**
     * @return whether the pipeline is a bounded job: it runs exactly the batches whose manifests
     *     were stored for it before it was created, then idles; it reads nothing new and keeps no
     *     batch log
     */
    public boolean bounded() {
        return parameters.containsKey(BOUNDED_OF);
    }

    /** @return how many batches a bounded pipeline runs, or -1 for an unbounded one */
    public long boundedBatches() {
        return bounded() ? Long.parseLong(parameters.getOrDefault(BOUNDED_BATCHES, "-1")) : -1;
    }

    /** @return the topic the scheduler logs every committed batch's manifest in, from which replays take their batches */
    public String batchLogTopic() {
        return batchLogTopic(name);
    }

    /** @return the batch log topic of a pipeline */
    public static String batchLogTopic(String pipeline) {
        return "sluice.batches." + pipeline;
    }

    /** @return the Kafka consumer group the pipeline's ingest uses */
    public String consumerGroup() {
        return "sluice." + name;
    }

    /** @return the same pipeline in another state */
    public PipelineSpec withState(PipelineState newState) {
        return new PipelineSpec(name, function, functionVersion, inputTopics, outputTopic, batchInterval, partitions,
                parameters, delivery, newState, createdAt, speculation, stages);
    }

    /** @return how many stages each batch runs: the function, then {@link #stages()} */
    public int stageCount() {
        return 1 + stages.size();
    }

    /** @return the pipeline's stateful stage (windowed or with a state function), or null; it is always the last */
    public StageSpec statefulStage() {
        return stages.isEmpty() || !stages.get(stages.size() - 1).stateful() ? null : stages.get(stages.size() - 1);
    }

    /** @return the compacted topic a stateful stage keeps its state in, one partition per stage partition */
    public String stateTopic() {
        return stateTopic(name);
    }

    /** @return the changelog topic of a pipeline's stateful stage */
    public static String stateTopic(String pipeline) {
        return "sluice.state." + pipeline;
    }

    /** @return the partition counts of the stages after the first, as a batch manifest records them */
    public List<Integer> laterStagePartitions() {
        return stages.stream().map(StageSpec::partitions).toList();
    }

    byte[] encode() {
        return new Encoder().u8(FORMAT).str(name).str(function).i32(functionVersion).strings(inputTopics)
                .str(outputTopic).i64(batchInterval.toMillis()).i32(partitions).stringMap(parameters)
                .str(delivery.name()).str(state.name()).i64(createdAt).u8(speculation ? 1 : 0)
                .list(stages, (out, stage) -> stage.encode(out)).toByteArray();
    }

    static PipelineSpec decode(byte[] bytes) {
        Decoder in = new Decoder(bytes);
        int format = in.u8();
        if (format < 3 || format > FORMAT) {
            throw new IllegalStateException("pipeline spec format " + format + " not readable by this build");
        }
        PipelineSpec spec = new PipelineSpec(in.str(), in.str(), in.i32(), in.strings(), in.str(),
                Duration.ofMillis(in.i64()), in.i32(), in.stringMap(), Delivery.valueOf(in.str()), PipelineState.valueOf(in.str()),
                in.i64(), in.u8() == 1, format == 3 ? List.of() : in.list(d -> StageSpec.decode(d, format)));
        in.end();
        return spec;
    }
}
