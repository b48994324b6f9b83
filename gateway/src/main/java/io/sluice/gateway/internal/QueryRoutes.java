package io.sluice.gateway.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.BuiltIns;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.sql.InputSchema;
import io.sluice.core.sql.SqlPlan;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.OffsetRange;
import io.sluice.sql.CompiledQuery;
import io.sluice.sql.SqlCompileException;
import io.sluice.sql.SqlCompiler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@code /v1/queries}: SQL over a bounded range of a topic, run as a bounded pipeline on the same
 * runtimes. The range is cut into batches by offset; a GROUP BY runs over all of them (its groups'
 * state is kept from batch to batch), so each group's row is its total over the range. The gateway
 * waits for the last batch, reads the result, and removes the pipeline and its topics. A query is
 * limited in rows and in time, and says which limit it hit.
 */
final class QueryRoutes {

    private static final Logger log = LoggerFactory.getLogger(QueryRoutes.class);
    private static final Set<String> FIELDS = Set.of("sql", "schema", "format", "topic", "from", "to", "limit", "timeout");
    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 10_000;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    /** At most this many offsets of one partition go in one batch of a query... */
    static final long MAX_BATCH_OFFSETS = 20_000;
    /** ...and at least this many, while a range is cut into about this many batches, for progress to show. */
    static final long MIN_BATCH_OFFSETS = 100;
    static final int TARGET_BATCHES = 8;

    private final Api api;
    private final SluiceNode node;
    private final KafkaReads kafka;
    private final TopicChecker topics;
    private final Map<String, QueryRun> runs = new ConcurrentHashMap<>();

    QueryRoutes(Api api, SluiceNode node, KafkaReads kafka, TopicChecker topics) {
        this.api = api;
        this.node = node;
        this.kafka = kafka;
        this.topics = topics;
    }

    void register(Router r, BodyHandler body) {
        r.post("/v1/queries").handler(body).handler(this::start);
        r.get("/v1/queries/:id").handler(ctx -> api.blocking(ctx, 200, () -> run(ctx).view(), Function.identity()));
        r.delete("/v1/queries/:id").handler(ctx -> api.blocking(ctx, 204, () -> {
            run(ctx).cancel();
            return null;
        }, x -> null));
    }

    private QueryRun run(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        QueryRun run = runs.get(id);
        if (run == null) {
            throw new ApiException(404, "no query '" + id + "' (results are kept for 10 minutes)");
        }
        return run;
    }

    private void start(RoutingContext ctx) {
        JsonObject json = Api.parseObject(ctx.body().buffer());
        for (String field : json.fieldNames()) {
            if (!FIELDS.contains(field)) {
                throw new ApiException(400, "unknown field '" + field + "'; expected " + new TreeSet<>(FIELDS));
            }
        }
        String sqlText = Api.string(json, "sql", true);
        // a query over a table needs no schema: the table has its columns
        SqlRequests.Query query = json.containsKey("schema") ? SqlRequests.parse(json) : new SqlRequests.Query(sqlText, null);
        String given = Api.string(json, "topic", false);
        ReplayRoutes.Bound from = ReplayRoutes.Bound.parse(json.getValue("from"), "from");
        ReplayRoutes.Bound to = ReplayRoutes.Bound.parse(json.getValue("to"), "to");
        if (from.offsets() != null || to.offsets() != null) {
            throw new ApiException(400, "a query's 'from' and 'to' are times (ISO-8601 or epoch milliseconds)");
        }
        int limit = Api.integer(json, "limit", DEFAULT_LIMIT);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ApiException(400, "'limit' must be 1 to " + MAX_LIMIT + ", was " + limit);
        }
        Duration timeout = Api.duration(json, "timeout", "timeout", DEFAULT_TIMEOUT);
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new ApiException(400, "'timeout' must be more than 0 and at most 10m");
        }
        api.blocking(ctx, 202, () -> {
            String topic;
            try {
                topic = given != null ? given : SqlCompiler.inputTable(query.sql());
            } catch (SqlCompileException e) {
                throw new ApiException(400, "sql: " + e.getMessage());
            }
            java.util.Optional<io.sluice.core.table.TableSpec> table = node.tables().table(topic);
            if (table.isPresent() && given == null) {
                return tableQuery(table.get(), query.sql(), limit);
            }
            if (query.schema() == null) {
                throw new ApiException(400, "missing field 'schema': '" + topic + "' is not a table, so its columns are needed");
            }
            CompiledQuery compiled = query.compile(List.of(topic), Duration.ofSeconds(1), node.tables());
            if (compiled.window() != null) {
                throw new ApiException(400, "sql: a query over a past range cannot group by TUMBLE or HOP: its batches are"
                        + " cut by offset, not by time");
            }
            if (topics.missing(List.of(topic)).size() == 1) {
                throw new ApiException(422, "topic '" + topic + "' does not exist in Kafka");
            }
            QueryRun run = launch(topic, compiled, from.time(), to.time(), limit, timeout);
            runs.put(run.id, run);
            return run.view();
        }, Function.identity());
    }

    /**
     * A query over a table: its rows are the table's current rows (its key, then its columns), and
     * the gateway runs the plan over them itself, in one go; the answer is complete at once.
     */
    private JsonObject tableQuery(io.sluice.core.table.TableSpec table, String sql, int limit) {
        if (table.schema() == null) {
            throw new ApiException(422, "table '" + table.name() + "' has no declared columns to query");
        }
        List<InputSchema.Column> columns = new ArrayList<>();
        columns.add(new InputSchema.Column("key", io.sluice.core.sql.SqlType.VARCHAR));
        columns.addAll(table.schema().columns());
        InputSchema rows = new InputSchema(columns, InputSchema.Format.JSON);
        CompiledQuery compiled;
        try {
            compiled = SqlCompiler.compile(sql, table.name(), rows, Duration.ofSeconds(1), SqlRequests.joinable(node.tables()));
        } catch (SqlCompileException e) {
            throw new ApiException(400, "sql: " + e.getMessage());
        }
        if (compiled.window() != null || !compiled.plan().joins().isEmpty()) {
            throw new ApiException(400, "sql: a query over a table cannot group by a window or join another table");
        }
        SqlPlan plan = compiled.plan();
        List<Object[]> out = new ArrayList<>();
        Map<java.nio.ByteBuffer, Object[]> groups = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : node.tables().rows(table.name()).entrySet()) {
            Object[] row;
            try {
                row = rows.row(e.getValue(), 0);
            } catch (io.sluice.core.sql.MalformedRowException bad) {
                continue; // not a row of this table's columns
            }
            row[0] = e.getKey();
            plan.map(row, SqlPlan.TableLookup.NONE, mapped -> {
                if (plan.grouped()) {
                    plan.grouping().add(groups.computeIfAbsent(java.nio.ByteBuffer.wrap(plan.grouping().key(mapped)),
                            k -> plan.grouping().start()), mapped);
                } else {
                    out.add(mapped);
                }
            });
        }
        groups.forEach((k, partials) -> {
            Object[] row = plan.finish(k.array(), partials, 0);
            if (row != null) {
                out.add(row);
            }
        });
        JsonArray columnsView = new JsonArray();
        for (int i = 0; i < plan.names().size(); i++) {
            columnsView.add(new JsonObject().put("name", plan.names().get(i)).put("type", plan.types().get(i).name()));
        }
        JsonArray array = new JsonArray();
        for (Object[] row : out.subList(0, Math.min(limit, out.size()))) {
            array.add(new JsonObject(new String(plan.outputValue(row), StandardCharsets.UTF_8)).stream()
                    .map(Map.Entry::getValue).collect(JsonArray::new, JsonArray::add, JsonArray::addAll));
        }
        JsonObject view = new JsonObject().put("id", "table-" + table.name()).put("state", "done").put("sql", sql)
                .put("table", table.name()).put("batches", 0).put("done", 0).put("columns", columnsView)
                .put("rows", array).put("truncated", out.size() > limit);
        if (out.size() > limit) {
            view.put("stopped", "stopped at the row limit of " + limit);
        }
        return view;
    }

    private QueryRun launch(String topic, CompiledQuery compiled, Long from, Long to, int limit, Duration timeout) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String name = "query-" + id;
        Map<TopicPartition, long[]> ranges = kafka.ranges(topic, from, to);
        int partitions = Math.max(1, Math.min(PipelineSpec.MAX_PARTITIONS, ranges.size()));
        List<List<OffsetRange>> cut = cut(ranges);
        int batches = cut.size();
        Map<String, String> parameters = new HashMap<>(compiled.parameters(Map.of()));
        parameters.put(PipelineSpec.BOUNDED_OF, topic);
        parameters.put(PipelineSpec.BOUNDED_BATCHES, Integer.toString(batches));
        PipelineSpec spec = new PipelineSpec(name, BuiltIns.SQL, 1, List.of(topic), "sluice.query." + id,
                Duration.ofSeconds(1), partitions, parameters, Delivery.EXACTLY_ONCE, PipelineState.RUNNING,
                System.currentTimeMillis(), true, compiled.stages(partitions, compiled.grouped()));
        QueryRun run = new QueryRun(id, spec, compiled.plan(), batches, limit, timeout);
        if (batches == 0) {
            run.finish(List.of(), null);
            return run;
        }
        storeBatches(node, name, cut, partitions, spec.laterStagePartitions());
        node.registry().createPipeline(spec);
        log.info("Query {} over {} ({} batches): {}", id, topic, batches, compiled.plan().sql());
        Thread watcher = new Thread(run::watch, "sluice-query-" + id);
        watcher.setDaemon(true);
        watcher.start();
        return run;
    }

    /**
     * @return a range cut into batches by offset: about {@link #TARGET_BATCHES}, each with 100 to
     *     20,000 offsets of every partition
     */
    static List<List<OffsetRange>> cut(Map<TopicPartition, long[]> ranges) {
        long longest = ranges.values().stream().mapToLong(r -> r[1] - r[0]).max().orElse(0);
        long size = Math.max(MIN_BATCH_OFFSETS, Math.min(MAX_BATCH_OFFSETS, (longest + TARGET_BATCHES - 1) / TARGET_BATCHES));
        int batches = (int) ((longest + size - 1) / size);
        List<List<OffsetRange>> out = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            out.add(KafkaReads.chunk(ranges, i, size));
        }
        return out;
    }

    /**
     * Stores the manifests of a bounded pipeline's batches, one a second from now on, their record
     * counts to be filled in when they are read; create the pipeline after.
     */
    static void storeBatches(SluiceNode node, String pipeline, List<List<OffsetRange>> batches, int partitions,
                             List<Integer> laterStages) {
        long t0 = System.currentTimeMillis() / 1000 * 1000;
        List<Integer> unknown = Collections.nCopies(partitions, -1);
        for (int i = 0; i < batches.size(); i++) {
            node.batchStore().putManifest(new BatchManifest(pipeline, t0 + i * 1000L, i, t0, batches.get(i), unknown,
                    laterStages));
        }
    }

    /** One query: its bounded pipeline, then its result. */
    private final class QueryRun {
        final String id;
        final PipelineSpec spec;
        final SqlPlan plan;
        final int batches;
        final int limit;
        final Duration timeout;
        final long started = System.nanoTime();
        volatile String state = "running";
        volatile boolean cancelled;
        volatile List<List<Object>> rows;
        volatile boolean truncated;
        volatile String stopped;

        QueryRun(String id, PipelineSpec spec, SqlPlan plan, int batches, int limit, Duration timeout) {
            this.id = id;
            this.spec = spec;
            this.plan = plan;
            this.batches = batches;
            this.limit = limit;
            this.timeout = timeout;
        }

        long done() {
            return node.statusBoard().progress(spec.name()).map(p -> p.batches()).orElse(0L);
        }

        void watch() {
            try {
                long deadline = started + timeout.toNanos();
                while (!cancelled && done() < batches && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                if (cancelled) {
                    state = "cancelled";
                } else {
                    boolean complete = done() >= batches;
                    finish(read(), complete ? null : "stopped after " + timeout.toSeconds()
                            + " s, with " + done() + " of " + batches + " batches done: the rows are of those batches");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                state = "cancelled";
            } catch (RuntimeException e) {
                log.warn("Query {} failed: {}", id, e.toString());
                stopped = "the query failed: " + e.getMessage();
                state = "failed";
            } finally {
                cleanUp();
            }
        }

        /** @return the result rows: the latest row of each group for a GROUP BY, else every row in order */
        private List<List<Object>> read() {
            Map<String, ConsumerRecord<byte[], byte[]>> latest = new LinkedHashMap<>();
            List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
            kafka.readAll(spec.outputTopic(), () -> !plan.grouped() && all.size() > limit, r -> {
                if (plan.grouped()) {
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    ConsumerRecord<byte[], byte[]> before = latest.get(key);
                    if (before == null || r.timestamp() >= before.timestamp()) {
                        latest.put(key, r);
                    }
                } else {
                    all.add(r);
                }
            });
            List<ConsumerRecord<byte[], byte[]>> records = plan.grouped() ? new ArrayList<>(latest.values()) : all;
            List<List<Object>> out = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (out.size() == limit) {
                    truncated = true;
                    break;
                }
                JsonObject row;
                try {
                    row = new JsonObject(new String(r.value(), StandardCharsets.UTF_8));
                } catch (DecodeException e) {
                    continue;
                }
                List<Object> values = new ArrayList<>();
                plan.names().forEach(n -> values.add(row.getValue(n)));
                out.add(values);
            }
            return out;
        }

        void finish(List<List<Object>> result, String why) {
            rows = result;
            stopped = why != null ? why : truncated ? "stopped at the row limit of " + limit : null;
            state = "done";
        }

        void cancel() {
            cancelled = true;
        }

        private void cleanUp() {
            try {
                if (node.registry().pipeline(spec.name()).isPresent()) {
                    node.registry().removePipeline(spec.name());
                }
            } catch (RuntimeException e) {
                log.warn("Query {}: cannot remove its pipeline: {}", id, e.toString());
            }
            topics.delete(List.of(spec.outputTopic(), "sluice.dlq." + spec.name(), spec.stateTopic()));
            Thread reaper = new Thread(() -> {
                try {
                    Thread.sleep(Duration.ofMinutes(10).toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                runs.remove(id);
            }, "sluice-query-reaper-" + id);
            reaper.setDaemon(true);
            reaper.start();
        }

        JsonObject view() {
            JsonArray columns = new JsonArray();
            for (int i = 0; i < plan.names().size(); i++) {
                columns.add(new JsonObject().put("name", plan.names().get(i)).put("type", plan.types().get(i).name()));
            }
            JsonObject out = new JsonObject().put("id", id).put("state", state).put("sql", plan.sql())
                    .put("topic", spec.inputTopics().get(0)).put("batches", batches).put("done", Math.min(batches, done()))
                    .put("columns", columns);
            List<List<Object>> r = rows;
            if (r != null) {
                JsonArray array = new JsonArray();
                r.forEach(row -> array.add(new JsonArray(new ArrayList<>(row))));
                out.put("rows", array).put("truncated", truncated || stopped != null);
            }
            if (stopped != null) {
                out.put("stopped", stopped);
            }
            return out;
        }
    }
}
