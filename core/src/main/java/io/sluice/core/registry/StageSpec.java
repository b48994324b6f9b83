package io.sluice.core.registry;

import io.sluice.core.encoding.Decoder;
import io.sluice.core.encoding.Encoder;

import java.time.Duration;
import java.util.List;

/**
 * A stage after a pipeline's first: it reads the previous stage's output, shuffled by key into its
 * own {@code partitions}, and reduces each key's values, runs a function over records grouped by
 * key, or keeps state per key. The first stage is always the pipeline's function over the input.
 *
 * <p>Exactly one of {@code reduce}, {@code className} and {@code stateClass} is set:
 * <ul>
 *   <li>{@code reduce} is a built-in ({@code count}, {@code sum}, {@code min}, {@code max}, over
 *       values that are UTF-8 decimal integers, {@code count} over any value) or the name of a
 *       class implementing {@code io.sluice.function.Reducer} in the pipeline's function jar. Every
 *       reduction is combined on the map side before the shuffle; its output is one record per key.
 *   <li>{@code className} names a {@code BatchFunction} in the pipeline's function jar, which sees
 *       its partition's records grouped by key.
 *   <li>{@code stateClass} names an {@code io.sluice.function.StateFunction}, which gets each key's
 *       state with the batch's values and keeps the new state in a changelog topic; keys without
 *       values for {@code timeout} time out ({@link Duration#ZERO}: never).
 * </ul>
 * A reduction or a function stage may have a {@link Window}. A windowed or stateful stage keeps
 * state from batch to batch, so it must be the pipeline's last stage (see {@link PipelineSpec}).
 *
 * @param reduce     the reduction, or empty
 * @param className  the function class, or empty
 * @param stateClass the state function class, or empty
 * @param partitions how many partitions (tasks) the stage has, 1 to {@link PipelineSpec#MAX_PARTITIONS}
 * @param window     the stage's window, or {@code null}
 * @param timeout    how long a stateful stage keeps a key that gets no values; zero for ever
 */
public record StageSpec(String reduce, String className, String stateClass, int partitions, Window window,
                        Duration timeout) {

    /** The built-in reductions, by the name a pipeline uses. */
    public static final List<String> BUILT_INS = List.of("count", "sum", "min", "max");
    /** The built-in reductions that have an inverse, for incremental windows. */
    public static final List<String> INVERTIBLE = List.of("count", "sum");

    public StageSpec {
        reduce = reduce == null ? "" : reduce;
        className = className == null ? "" : className;
        stateClass = stateClass == null ? "" : stateClass;
        timeout = timeout == null ? Duration.ZERO : timeout;
        int kinds = (reduce.isEmpty() ? 0 : 1) + (className.isEmpty() ? 0 : 1) + (stateClass.isEmpty() ? 0 : 1);
        if (kinds != 1) {
            throw new IllegalArgumentException("a stage needs exactly one of 'reduce' (" + String.join(", ", BUILT_INS)
                    + ", or a Reducer class), 'class' (a BatchFunction class) and 'state' (a StateFunction class)");
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
        if (!stateClass.isEmpty()) {
            Names.checkClassName(stateClass);
        }
        if (partitions < 1 || partitions > PipelineSpec.MAX_PARTITIONS) {
            throw new IllegalArgumentException("stage partitions must be 1 to " + PipelineSpec.MAX_PARTITIONS + ", was "
                    + partitions);
        }
        if (window != null && !stateClass.isEmpty()) {
            throw new IllegalArgumentException("a stateful stage cannot have a window: keep what it needs in its state");
        }
        if (window != null && window.incremental()) {
            if (reduce.isEmpty()) {
                throw new IllegalArgumentException("an incremental window needs a reduction with an inverse, not a function");
            }
            if (BUILT_INS.contains(reduce) && !INVERTIBLE.contains(reduce)) {
                throw new IllegalArgumentException("'" + reduce + "' has no inverse, so its window cannot be incremental: use "
                        + String.join(" or ", INVERTIBLE) + ", an InvertibleReducer, or a window that is not incremental");
            }
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a state timeout cannot be negative, was " + timeout.toMillis() + " ms");
        }
        if (!timeout.isZero() && stateClass.isEmpty()) {
            throw new IllegalArgumentException("only a stateful stage ('state') has a timeout");
        }
    }

    /** A stage without a window or state. */
    public StageSpec(String reduce, String className, int partitions) {
        this(reduce, className, "", partitions, null, Duration.ZERO);
    }

    /** @return a stage that reduces each key's values with {@code reduce} into {@code partitions} */
    public static StageSpec reduce(String reduce, int partitions) {
        return new StageSpec(reduce, "", partitions);
    }

    /** @return a stage that runs {@code className} over records grouped by key */
    public static StageSpec function(String className, int partitions) {
        return new StageSpec("", className, partitions);
    }

    /** @return a stage that keeps state per key with the {@code StateFunction} {@code stateClass} */
    public static StageSpec state(String stateClass, int partitions, Duration timeout) {
        return new StageSpec("", "", stateClass, partitions, null, timeout);
    }

    /** @return this stage with a window */
    public StageSpec windowed(Window newWindow) {
        return new StageSpec(reduce, className, stateClass, partitions, newWindow, timeout);
    }

    /** @return whether the stage reduces values by key (and so combines them before the shuffle) */
    public boolean reduces() {
        return !reduce.isEmpty();
    }

    /** @return whether the reduction is a built-in rather than a user {@code Reducer} */
    public boolean builtIn() {
        return BUILT_INS.contains(reduce);
    }

    /** @return whether the stage keeps state from batch to batch: a window, or a state function */
    public boolean stateful() {
        return window != null || !stateClass.isEmpty();
    }

    /** @return the user class the stage loads from the function jar, or empty for a built-in */
    public String userClass() {
        if (!stateClass.isEmpty()) {
            return stateClass;
        }
        return reduces() ? (builtIn() ? "" : reduce) : className;
    }

    @Override
    public String toString() {
        String what = reduces() ? "reduce " + reduce : !stateClass.isEmpty() ? "state " + stateClass : className;
        return what + (window != null ? " over window " + window : "") + " into " + partitions;
    }

    void encode(Encoder out) {
        out.str(reduce).str(className).i32(partitions).str(stateClass).i64(timeout.toMillis());
        out.u8(window == null ? 0 : window.incremental() ? 2 : 1);
        if (window != null) {
            out.i64(window.length().toMillis()).i64(window.slide().toMillis());
        }
    }

    /** @param format the pipeline spec format: 4 had no window or state */
    static StageSpec decode(Decoder in, int format) {
        String reduce = in.str();
        String className = in.str();
        int partitions = in.i32();
        if (format < 5) {
            return new StageSpec(reduce, className, partitions);
        }
        String stateClass = in.str();
        Duration timeout = Duration.ofMillis(in.i64());
        int windowKind = in.u8();
        Window window = windowKind == 0 ? null
                : new Window(Duration.ofMillis(in.i64()), Duration.ofMillis(in.i64()), windowKind == 2);
        return new StageSpec(reduce, className, stateClass, partitions, window, timeout);
    }
}
