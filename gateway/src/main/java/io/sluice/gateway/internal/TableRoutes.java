package io.sluice.gateway.internal;

import io.sluice.core.registry.Names;
import io.sluice.core.sql.InputSchema;
import io.sluice.core.table.TableSpec;
import io.sluice.core.table.Tables;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * {@code /v1/tables}: list the tables, read one a page at a time or by key, load a compacted topic
 * as a table, and delete a loaded one. A pipeline's table goes with its pipeline.
 */
final class TableRoutes {

    private static final Set<String> FIELDS = Set.of("name", "topic", "schema", "format");
    private static final int DEFAULT_PAGE = 100;

    private final Api api;
    private final Tables tables;
    private final TopicChecker topics;

    TableRoutes(Api api, Tables tables, TopicChecker topics) {
        this.api = api;
        this.tables = tables;
        this.topics = topics;
    }

    void register(Router r, BodyHandler body) {
        r.get("/v1/tables").handler(ctx -> api.blocking(ctx, 200, tables::tables,
                list -> new JsonObject().put("tables", Api.array(list, TableRoutes::view))));
        r.post("/v1/tables").handler(body).handler(this::load);
        r.get("/v1/tables/:name").handler(this::page);
        r.get("/v1/tables/:name/:key").handler(ctx -> api.blocking(ctx, 200, () -> {
            TableSpec spec = spec(ctx.pathParam("name"));
            String key = ctx.pathParam("key");
            byte[] value = tables.get(spec.name(), key).orElseThrow(() -> new ApiException(404,
                    "table '" + spec.name() + "' has no key '" + key + "'"));
            return new JsonObject().put("key", key).put("value", value(spec, value));
        }, Function.identity()));
        r.delete("/v1/tables/:name").handler(ctx -> api.blocking(ctx, 204, () -> {
            TableSpec spec = spec(ctx.pathParam("name"));
            if (spec.materialised()) {
                throw new ApiException(409, "table '" + spec.name() + "' is the output of pipeline '" + spec.pipeline()
                        + "'; it goes when the pipeline is deleted");
            }
            tables.delete(spec.name());
            return null;
        }, x -> null));
    }

    private void page(RoutingContext ctx) {
        int pageSize = Api.limitParam(ctx, DEFAULT_PAGE, Tables.MAX_PAGE);
        String after = ctx.request().getParam("after");
        api.blocking(ctx, 200, () -> {
            TableSpec spec = spec(ctx.pathParam("name"));
            Tables.Page page = tables.page(spec.name(), after, pageSize);
            JsonArray rows = new JsonArray();
            for (Map.Entry<String, byte[]> row : page.rows()) {
                rows.add(new JsonObject().put("key", row.getKey()).put("value", value(spec, row.getValue())));
            }
            JsonObject out = view(spec).put("rows", rows);
            if (page.next() != null) {
                out.put("next", page.next());
            }
            return out;
        }, Function.identity());
    }

    /** {@code POST /v1/tables}: follow a (compacted) topic as a table, for SQL to join. */
    private void load(RoutingContext ctx) {
        JsonObject json = Api.parseObject(ctx.body().buffer());
        for (String field : json.fieldNames()) {
            if (!FIELDS.contains(field)) {
                throw new ApiException(400, "unknown field '" + field + "'; expected " + new TreeSet<>(FIELDS));
            }
        }
        String name = Api.string(json, "name", true);
        String topic = Api.string(json, "topic", true);
        String schema = Api.string(json, "schema", false);
        String format = Api.string(json, "format", false);
        InputSchema columns;
        try {
            Names.checkName("table", name);
            Names.checkTopic(topic);
            columns = schema == null ? null : InputSchema.parse(schema, InputSchema.Format.parse(format == null ? "json" : format));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
        api.blocking(ctx, 201, () -> {
            List<String> missing = topics.missing(List.of(topic));
            if (!missing.isEmpty()) {
                throw new ApiException(422, "topic '" + topic + "' does not exist in Kafka");
            }
            return tables.define(new TableSpec(name, topic, columns, "", System.currentTimeMillis()));
        }, TableRoutes::view);
    }

    private TableSpec spec(String name) {
        return tables.table(name).orElseThrow(() -> new ApiException(404, "no table named '" + name + "'"));
    }

    static JsonObject view(TableSpec t) {
        JsonObject out = new JsonObject().put("name", t.name()).put("topic", t.topic())
                .put("createdAt", t.createdAt());
        if (t.materialised()) {
            out.put("pipeline", t.pipeline());
        }
        if (t.schema() != null) {
            out.put("schema", t.schema().declaration()).put("format", t.schema().format().name().toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    /** @return a row's value as JSON when the table's values are JSON, else as text */
    private static Object value(TableSpec spec, byte[] value) {
        if (spec.schema() != null && spec.schema().format() == InputSchema.Format.JSON) {
            try {
                return Json.decodeValue(Buffer.buffer(value));
            } catch (DecodeException e) {
                // a value that is not JSON after all: shown as it is
            }
        }
        return new String(value, StandardCharsets.UTF_8);
    }
}
