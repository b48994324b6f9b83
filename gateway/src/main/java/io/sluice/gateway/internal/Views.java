package io.sluice.gateway.internal;

import io.sluice.core.registry.Durations;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.status.BatchInfo;
import io.sluice.core.status.PipelineProgress;
import io.sluice.core.status.RuntimeInfo;
import io.sluice.sql.CompiledQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/** The JSON shapes of the API, as {@code openapi.yaml} describes them. */
final class Views {

    private Views() {
    }

    static JsonObject function(FunctionSpec f) {
        return new JsonObject()
                .put("name", f.name())
                .put("version", f.version())
                .put("class", f.className())
                .put("sha256", f.sha256())
                .put("size", f.jarSize())
                .put("createdAt", f.createdAt());
    }

    static JsonObject functionWithVersions(FunctionSpec latest, List<FunctionSpec> versions) {
        JsonArray all = new JsonArray();
        versions.forEach(v -> all.add(function(v)));
        return function(latest).put("versions", all);
    }

    static JsonObject pipeline(PipelineSpec p) {
        JsonObject view = new JsonObject()
                .put("name", p.name())
                .put("function", p.function())
                .put("functionVersion", p.functionVersion())
                .put("inputs", new JsonArray(p.inputTopics()))
                .put("output", p.outputTopic())
                .put("deadLetterTopic", "sluice.dlq." + p.name())
                .put("batchInterval", Durations.format(p.batchInterval()))
                .put("partitions", p.partitions())
                .put("delivery", p.delivery().text())
                .put("speculation", p.speculation())
                .put("parameters", new JsonObject(new java.util.TreeMap<String, Object>(userParameters(p))))
                .put("stages", stages(p.stages()))
                .put("state", p.state().name())
                .put("createdAt", p.createdAt());
        if (p.bounded()) {
            view.put("bounded", new JsonObject().put("of", p.parameters().get(PipelineSpec.BOUNDED_OF))
                    .put("batches", p.boundedBatches()));
        }
        String sql = p.parameters().get(CompiledQuery.SQL);
        if (sql != null) {
            view.put("sql", sql).put("schema", p.parameters().get(CompiledQuery.SCHEMA))
                    .put("format", p.parameters().get(CompiledQuery.FORMAT));
        }
        return view;
    }

    /** @return the parameters a user gave: a SQL pipeline's own show as its {@code sql}, {@code schema} and {@code format} */
    private static Map<String, String> userParameters(PipelineSpec p) {
        Map<String, String> out = new java.util.TreeMap<>(p.parameters());
        out.keySet().removeIf(k -> k.startsWith(CompiledQuery.SQL) || k.startsWith("sluice.bounded."));
        return out;
    }

    /** The stages after the function, as a request gives them, with their partitions filled in. */
    static JsonArray stages(List<StageSpec> stages) {
        JsonArray array = new JsonArray();
        for (StageSpec s : stages) {
            JsonObject stage = s.reduces() ? new JsonObject().put("reduce", s.reduce())
                    : !s.stateClass().isEmpty() ? new JsonObject().put("state", s.stateClass())
                    : new JsonObject().put("class", s.className());
            stage.put("partitions", s.partitions());
            if (s.window() != null) {
                stage.put("window", new JsonObject().put("length", Durations.format(s.window().length()))
                        .put("slide", Durations.format(s.window().slide())).put("incremental", s.window().incremental()));
            }
            if (!s.timeout().isZero()) {
                stage.put("timeout", Durations.format(s.timeout()));
            }
            array.add(stage);
        }
        return array;
    }

    static JsonObject pipelineDetail(PipelineSpec p, PipelineProgress progress, List<RuntimeInfo> runtimes) {
        JsonArray rts = new JsonArray();
        runtimes.forEach(r -> rts.add(runtime(r)));
        return pipeline(p).put("progress", progress(progress)).put("runtimes", rts);
    }

    static JsonObject progress(PipelineProgress progress) {
        JsonArray recent = new JsonArray();
        // newest first: what a person looking at status wants to see
        List<BatchInfo> batches = progress.recent();
        for (int i = batches.size() - 1; i >= 0; i--) {
            recent.add(batch(batches.get(i)));
        }
        return new JsonObject()
                .put("batches", progress.batches())
                .put("records", progress.records())
                .put("outputRecords", progress.outputRecords())
                .put("tasksRun", progress.tasksRun())
                .put("attempts", progress.attempts())
                .put("deadLettered", progress.deadLettered())
                .put("pendingBatches", progress.pendingBatches())
                .put("lastError", progress.lastError())
                .put("startedAt", progress.startedAt() == 0 ? null : progress.startedAt())
                .put("recentBatches", recent);
    }

    static JsonObject batch(BatchInfo b) {
        return new JsonObject()
                .put("batchTime", b.batchTime())
                .put("records", b.records())
                .put("outputRecords", b.outputRecords())
                .put("partitions", b.partitions())
                .put("tasksRun", b.tasksRun())
                .put("attempts", b.attempts())
                .put("deadLettered", b.deadLettered())
                .put("schedulingDelayMs", b.schedulingDelay().toMillis())
                .put("processingTimeMs", b.processingTime().toMillis())
                .put("totalDelayMs", b.totalDelay().toMillis())
                .put("stages", stageInfos(b));
    }

    private static JsonArray stageInfos(BatchInfo b) {
        JsonArray stages = new JsonArray();
        b.stages().forEach(s -> stages.add(new JsonObject().put("tasks", s.tasks()).put("tasksRun", s.tasksRun())
                .put("attempts", s.attempts()).put("speculativeCopies", s.copies()).put("failures", s.failures())));
        return stages;
    }

    static JsonObject runtime(RuntimeInfo r) {
        return new JsonObject()
                .put("id", r.id())
                .put("name", r.name())
                .put("slots", r.slots())
                .put("running", r.running())
                .put("completed", r.completed())
                .put("failed", r.failed())
                .put("connectedAt", r.connectedAt());
    }
}
