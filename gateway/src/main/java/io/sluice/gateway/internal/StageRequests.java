package io.sluice.gateway.internal;

import io.sluice.core.loading.FunctionJars;
import io.sluice.core.loading.InvalidFunctionException;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.JarMismatchException;
import io.sluice.core.registry.Registry;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.registry.UnknownEntryException;
import io.sluice.function.BatchFunction;
import io.sluice.function.Reducer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The {@code stages} of a pipeline request: parsed on the event loop, their classes checked on a worker. */
final class StageRequests {

    private static final Set<String> FIELDS = Set.of("reduce", "class", "partitions");

    private StageRequests() {
    }

    /**
     * The optional {@code stages}: objects with exactly one of {@code reduce} and {@code class}, and
     * optionally {@code partitions} (default: the pipeline's). Every reason names the stage.
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
                throw new ApiException(400, where + " must be an object with 'reduce' or 'class', and optionally 'partitions'");
            }
            try {
                for (String field : stage.fieldNames()) {
                    if (!FIELDS.contains(field)) {
                        throw new ApiException(400, "unknown field '" + field + "'; expected " + new TreeSet<>(FIELDS));
                    }
                }
                String reduce = Api.string(stage, "reduce", false);
                String className = Api.string(stage, "class", false);
                int partitions = Api.integer(stage, "partitions", defaultPartitions);
                out.add(new StageSpec(reduce, className, partitions));
            } catch (ApiException e) {
                throw new ApiException(e.status(), where + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, where + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * Checks that every stage's user class (a {@code Reducer} or a {@code BatchFunction}) is usable
     * from the function version's jar, as an upload checks the function class. Blocks: run it on a
     * worker thread.
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
            Class<?> kind = stage.reduces() ? Reducer.class : BatchFunction.class;
            try {
                FunctionJars.validate(jar, stage.userClass(), kind);
            } catch (InvalidFunctionException e) {
                throw new ApiException(422, "stages[" + i + "] (function " + fn.ref() + "): " + e.getMessage());
            }
        }
    }
}
