package io.sluice.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** How the CLI words a pipeline's stages after its function, as the gateway returns them. */
final class Stages {

    private Stages() {
    }

    /**
     * @param stages the pipeline's {@code stages}, or {@code null} from a gateway that has none
     * @return e.g. {@code reduce sum in 2 partitions, then com.acme.TopK in 1 partition}, or empty
     */
    static String describe(JsonArray stages) {
        List<String> parts = new ArrayList<>();
        for (JsonObject stage : list(stages)) {
            int partitions = stage.getInteger("partitions", 0);
            parts.add(name(stage) + " in " + partitions + (partitions == 1 ? " partition" : " partitions"));
        }
        return String.join(", then ", parts);
    }

    /** @return the stages for a table cell, e.g. {@code reduce sum in 2}, or {@code null} (a dash) for none */
    static String column(JsonArray stages) {
        List<String> parts = new ArrayList<>();
        for (JsonObject stage : list(stages)) {
            parts.add(name(stage) + " in " + stage.getInteger("partitions", 0));
        }
        return parts.isEmpty() ? null : String.join(", ", parts);
    }

    private static String name(JsonObject stage) {
        String name = stage.containsKey("reduce") ? "reduce " + stage.getString("reduce")
                : stage.containsKey("state") ? "state " + stage.getString("state") : stage.getString("class");
        JsonObject window = stage.getJsonObject("window");
        if (window != null) {
            name += " over " + window.getString("length") + "/" + window.getString("slide")
                    + (window.getBoolean("incremental", false) ? " incremental" : "");
        }
        if (stage.containsKey("timeout")) {
            name += " (timeout " + stage.getString("timeout") + ")";
        }
        return name;
    }

    private static List<JsonObject> list(JsonArray stages) {
        List<JsonObject> out = new ArrayList<>();
        if (stages != null) {
            stages.forEach(s -> out.add((JsonObject) s));
        }
        return out;
    }
}
