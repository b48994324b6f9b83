package io.sluice.gateway.internal;

import io.sluice.core.loading.FunctionJars;
import io.sluice.core.loading.InvalidFunctionException;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.JarMismatchException;
import io.sluice.core.registry.Registry;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.registry.UnknownEntryException;
import io.sluice.core.registry.Window;
import io.sluice.function.BatchFunction;
import io.sluice.function.InvertibleReducer;
import io.sluice.function.Reducer;
import io.sluice.function.StateFunction;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The {@code stages} of a pipeline request: parsed on the event loop, their classes checked on a worker. */
final class StageRequests {

    private static final Set<String> FIELDS = Set.of("reduce", "class", "state", "partitions", "window", "timeout");
    private static final Set<String> WINDOW_FIELDS = Set.of("length", "slide", "incremental");

    private StageRequests() {
    }

    /**
     * The optional {@code stages}: objects with exactly one of {@code reduce}, {@code class} and
     * {@code state}, and optionally {@code partitions} (default: the pipeline's), a {@code window}
     * (with {@code reduce} or {@code class}) and a {@code timeout} (with {@code state}). Every
     * reason names the stage. What concerns the pipeline as a whole (a stateful stage that is not the
     * last, a window that does not fit the batch interval) is left to {@code PipelineSpec}.
     */
    static List<StageSpec> parse(JsonObject json, int defaultPartitions) {
        Object value = json.getValue("stages");
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array)) {
            throw new ApiException(400, "field 'stages' must be an array of objects like {\"reduce\": \"sum\"}");
        }
        List<StageSpec> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            String where = "stages[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject stage)) {
                throw new ApiException(400, where + " must be an object with 'reduce', 'class' or 'state', and optionally"
                        + " 'partitions', 'window' and 'timeout'");
            }
            try {
                for (String field : stage.fieldNames()) {
                    if (!FIELDS.contains(field)) {
                        throw new ApiException(400, "unknown field '" + field + "'; expected " + new TreeSet<>(FIELDS));
                    }
                }
                String reduce = Api.string(stage, "reduce", false);
                String className = Api.string(stage, "class", false);
                String stateClass = Api.string(stage, "state", false);
                int partitions = Api.integer(stage, "partitions", defaultPartitions);
                Window window = window(stage);
                Duration timeout = Api.duration(stage, "timeout", "timeout", Duration.ZERO);
                out.add(new StageSpec(reduce, className, stateClass, partitions, window, timeout));
            } catch (ApiException e) {
                throw new ApiException(e.status(), where + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, where + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** The stage's optional {@code window}: {@code length}, {@code slide} (default: the length) and {@code incremental}. */
    private static Window window(JsonObject stage) {
        Object value = stage.getValue("window");
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject window)) {
            throw new ApiException(400, "field 'window' must be an object like {\"length\": \"30s\", \"slide\": \"5s\"}");
        }
        for (String field : window.fieldNames()) {
            if (!WINDOW_FIELDS.contains(field)) {
                throw new ApiException(400, "unknown field '" + field + "' in 'window'; expected " + new TreeSet<>(WINDOW_FIELDS));
            }
        }
        Duration length = Api.duration(window, "length", "window.length", null);
        if (length == null) {
            throw new ApiException(400, "missing field 'window.length'");
        }
        Duration slide = Api.duration(window, "slide", "window.slide", length);
        Object incremental = window.getValue("incremental");
        if (incremental != null && !(incremental instanceof Boolean)) {
            throw new ApiException(400, "field 'window.incremental' must be true or false");
        }
        return new Window(length, slide, Boolean.TRUE.equals(incremental));
    }

    /**
     * Checks that every stage's user class is usable from the function version's jar, as an upload
     * checks the function class: a {@code Reducer} (an {@code InvertibleReducer} for an incremental
     * window), a {@code BatchFunction} or a {@code StateFunction}. Blocks: run it on a worker thread.
     *
     * @throws ApiException 422 saying which stage and what is wrong
     */
    static void checkClasses(Registry registry, FunctionSpec fn, List<StageSpec> stages) {
        byte[] jar = null;
        for (int i = 0; i < stages.size(); i++) {
            StageSpec stage = stages.get(i);
            if (stage.userClass().isEmpty()) {
                continue;
            }
            if (jar == null) {
                try {
                    jar = registry.jar(fn);
                } catch (UnknownEntryException | JarMismatchException e) {
                    throw new ApiException(422, e.getMessage());
                }
            }
            String where = "stages[" + i + "] (function " + fn.ref() + "): ";
            Class<?> kind = !stage.stateClass().isEmpty() ? StateFunction.class
                    : stage.reduces() ? Reducer.class : BatchFunction.class;
            try {
                FunctionJars.validate(jar, stage.userClass(), kind);
            } catch (InvalidFunctionException e) {
                throw new ApiException(422, where + e.getMessage());
            }
            if (stage.reduces() && stage.window() != null && stage.window().incremental()) {
                try {
                    FunctionJars.validate(jar, stage.userClass(), InvertibleReducer.class);
                } catch (InvalidFunctionException e) {
                    throw new ApiException(422, where + e.getMessage() + ", so its window cannot be incremental");
                }
            }
        }
    }
}
