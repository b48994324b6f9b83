package io.sluice.core.registry;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.util.List;

/**
 * A stage after a pipeline's first: it reads the previous stage's output, shuffled by key into its
 * own {@code partitions}, and either reduces each key's values or runs a function over records
 * grouped by key. The first stage is always the pipeline's function over the input.
 *
 * <p>Exactly one of {@code reduce} and {@code className} is set:
 * <ul>
 *   <li>{@code reduce} is a built-in ({@code count}, {@code sum}, {@code min}, {@code max}, over
 *       values that are UTF-8 decimal integers, {@code count} over any value) or the name of a
 *       class implementing {@code io.sluice.function.Reducer} in the pipeline's function jar. Every
 *       reduction is combined on the map side before the shuffle; its output is one record per key.
 *   <li>{@code className} names a {@code BatchFunction} in the pipeline's function jar, which sees
 *       its partition's records grouped by key.
 * </ul>
 *
 * @param reduce the reduction, or empty
 * @param className the function class, or empty
 * @param partitions how many partitions (tasks) the stage has, 1 to {@link PipelineSpec#MAX_PARTITIONS}
 */
public record StageSpec(String reduce, String className, int partitions) {

    /** The built-in reductions, by the name a pipeline uses. */
    public static final List<String> BUILT_INS = List.of("count", "sum", "min", "max");

    public StageSpec {
        reduce = reduce == null ? "" : reduce;
        className = className == null ? "" : className;
        if (reduce.isEmpty() == className.isEmpty()) {
            throw new IllegalArgumentException("a stage needs exactly one of 'reduce' (" + String.join(", ", BUILT_INS)
                    + ", or a Reducer class) and 'class' (a BatchFunction class)");
        }
        if (!reduce.isEmpty() && !BUILT_INS.contains(reduce)) {
            if (reduce.indexOf('.') < 0) {
                throw new IllegalArgumentException("unknown reduction '" + reduce + "': use " + String.join(", ", BUILT_INS)
                        + ", or the qualified name of a class implementing io.sluice.function.Reducer");
            }
            Names.checkClassName(reduce);
        }
        if (!className.isEmpty()) {
            Names.checkClassName(className);
        }
        if (partitions < 1 || partitions > PipelineSpec.MAX_PARTITIONS) {
            throw new IllegalArgumentException("stage partitions must be 1 to " + PipelineSpec.MAX_PARTITIONS + ", was "
                    + partitions);
        }
    }

    /** @return a stage that reduces each key's values with {@code reduce} into {@code partitions} */
    public static StageSpec reduce(String reduce, int partitions) {
        return new StageSpec(reduce, "", partitions);
    }

    /** @return a stage that runs {@code className} over records grouped by key */
    public static StageSpec function(String className, int partitions) {
        return new StageSpec("", className, partitions);
    }

    /** @return whether the stage reduces values by key (and so combines them before the shuffle) */
    public boolean reduces() {
        return !reduce.isEmpty();
    }

    /** @return whether the reduction is a built-in rather than a user {@code Reducer} */
    public boolean builtIn() {
        return BUILT_INS.contains(reduce);
    }

    /** @return the user class the stage loads from the function jar, or empty for a built-in */
    public String userClass() {
        return reduces() ? (builtIn() ? "" : reduce) : className;
    }

    @Override
    public String toString() {
        return (reduces() ? "reduce " + reduce : className) + " into " + partitions;
    }

    void encode(Encoder out) {
        out.str(reduce).str(className).i32(partitions);
    }

    static StageSpec decode(Decoder in) {
        return new StageSpec(in.str(), in.str(), in.i32());
    }
}
