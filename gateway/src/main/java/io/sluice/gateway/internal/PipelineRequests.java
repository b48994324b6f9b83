package io.sluice.gateway.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.BuiltIns;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.Names;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.sql.InputSchema;
import io.sluice.core.table.TableSpec;
import io.sluice.gateway.GatewayConfig;
import io.sluice.sql.CompiledQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/pipelines}: a pipeline of a function and its stages, or of a SQL query, checked
 * field by field (400), then against the registry, the tables and Kafka (409, 422), and created.
 */
final class PipelineRequests {

    private static final Logger log = LoggerFactory.getLogger(PipelineRequests.class);
    private static final Set<String> PIPELINE_FIELDS = Set.of("name", "function", "inputs", "output", "batchInterval",
            "partitions", "parameters", "delivery", "speculation", "stages", "sql", "schema", "format", "running", "table");
    private static final int DEFAULT_PARTITIONS = 4;
    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final Api api;
    private final SluiceNode node;
    private final GatewayConfig config;
    private final TopicChecker topics;

    PipelineRequests(Api api, SluiceNode node, GatewayConfig config, TopicChecker topics) {
        this.api = api;
        this.node = node;
        this.config = config;
        this.topics = topics;
    }

    void create(RoutingContext ctx) {
        String type = Api.mediaType(ctx);
        if (type != null && !"application/json".equals(type)) {
            throw new ApiException(415, "send the pipeline as application/json, not " + type);
        }
        JsonObject json = Api.parseObject(ctx.body().buffer());
        for (String field : json.fieldNames()) {
            if (!PIPELINE_FIELDS.contains(field)) {
                throw new ApiException(400, "unknown field '" + field + "'; expected " + new java.util.TreeSet<>(PIPELINE_FIELDS));
            }
        }
        String name = Api.string(json, "name", true);
        SqlRequests.Query query = SqlRequests.parse(json);
        String function = query != null ? BuiltIns.SQL : Api.string(json, "function", true);
        List<String> inputs = strings(json, "inputs");
        String output = Api.string(json, "output", true);
        Duration interval = interval(json);
        int partitions = Api.integer(json, "partitions", DEFAULT_PARTITIONS);
        Map<String, String> parameters = parameters(json);
        Delivery delivery = delivery(json);
        boolean speculation = bool(json, "speculation", true);
        List<StageSpec> given = query != null ? List.of() : StageRequests.parse(json, partitions);
        boolean running = bool(json, "running", false);
        if (running && query == null) {
            throw new ApiException(400, "field 'running' belongs to a SQL pipeline, which needs 'sql'");
        }
        String table = Api.string(json, "table", false);
        if (table != null) {
            Api.badRequestIfInvalid(() -> Names.checkName("table", table));
        }
        // Validate the shape first (400), with version 1 standing in until the function is looked up.
        Api.badRequestIfInvalid(() -> new PipelineSpec(name, function, 1, inputs, output, interval, partitions, parameters,
                delivery, PipelineState.RUNNING, 0L, speculation, given));
        api.blocking(ctx, 201, () -> {
            List<StageSpec> stages = given;
            Map<String, String> params = parameters;
            InputSchema rows = null;
            if (query != null) {
                CompiledQuery compiled = query.compile(inputs, interval, node.tables());
                stages = compiled.stages(partitions, running);
                params = compiled.parameters(parameters);
                rows = compiled.outputSchema();
            }
            if (table != null && node.tables().table(table).isPresent()) {
                throw new ApiException(409, "a table named '" + table + "' already exists");
            }
            if (node.registry().pipeline(name).isPresent()) {
                throw new ApiException(409, "a pipeline named '" + name + "' already exists");
            }
            FunctionSpec fn = query != null ? node.registry().function(BuiltIns.SQL, 1).orElseThrow()
                    : node.registry().latestFunction(function).orElseThrow(() -> new ApiException(422,
                            "no function named '" + function + "'; upload it first with POST /v1/functions"));
            if (query == null) {
                StageRequests.checkClasses(node.registry(), fn, stages);
            }
            List<String> missing = topics.missing(inputs);
            if (!missing.isEmpty()) {
                throw new ApiException(422, "input topic(s) " + missing + " do not exist in Kafka at " + config.kafkaBootstrap());
            }
            PipelineSpec spec = node.registry().createPipeline(new PipelineSpec(name, function, fn.version(), inputs, output,
                    interval, partitions, params, delivery, PipelineState.RUNNING, System.currentTimeMillis(),
                    speculation, stages));
            log.info("Pipeline {} created: {} -> {}@{}{} -> {}", name, inputs, function, fn.version(),
                    stages.isEmpty() ? "" : " -> " + stages, output);
            if (table != null) {
                node.tables().define(new TableSpec(table, output, rows, name,
                        System.currentTimeMillis()));
                log.info("Table {} materialises the output of pipeline {}", table, name);
            }
            return spec;
        }, Views::pipeline);
    }

    private static List<String> strings(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (value == null) {
            throw new ApiException(400, "missing field '" + field + "'");
        }
        if (!(value instanceof JsonArray array)) {
            throw new ApiException(400, "field '" + field + "' must be an array of topic names");
        }
        List<String> out = new ArrayList<>(array.size());
        for (Object item : array) {
            if (!(item instanceof String s)) {
                throw new ApiException(400, "field '" + field + "' must contain only strings");
            }
            out.add(s);
        }
        return out;
    }

    private static Duration interval(JsonObject json) {
        return Api.duration(json, "batchInterval", "batchInterval", DEFAULT_INTERVAL);
    }

    private static boolean bool(JsonObject json, String field, boolean defaultValue) {
        Object value = json.getValue(field);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw new ApiException(400, "field '" + field + "' must be true or false");
    }

    private static Delivery delivery(JsonObject json) {
        String text = Api.string(json, "delivery", false);
        if (text == null) {
            return Delivery.EXACTLY_ONCE;
        }
        try {
            return Delivery.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "field 'delivery': " + e.getMessage());
        }
    }

    private static Map<String, String> parameters(JsonObject json) {
        Object value = json.getValue("parameters");
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof JsonObject object)) {
            throw new ApiException(400, "field 'parameters' must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : object) {
            if (!(e.getValue() instanceof String s)) {
                throw new ApiException(400, "parameter '" + e.getKey() + "' must be a string");
            }
            out.put(e.getKey(), s);
        }
        return out;
    }
}
