package io.sluice.gateway.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.store.OffsetRange;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A pipeline's dead letters: {@code GET /v1/pipelines/{name}/dead-letters} lists the latest with
 * their reasons; {@code POST .../dead-letters/replay} sends a range of them through the pipeline
 * again (with the version of its function given, for example the one that fixes the bug) as a
 * bounded pipeline that writes to the live output, exactly once, and dead-letters anew what still fails.
 */
final class DeadLetterRoutes {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterRoutes.class);
    private static final Set<String> FIELDS = Set.of("version", "from");
    private static final int MAX_LIST = 1000;

    private final Api api;
    private final SluiceNode node;
    private final KafkaReads kafka;

    DeadLetterRoutes(Api api, SluiceNode node, KafkaReads kafka) {
        this.api = api;
        this.node = node;
        this.kafka = kafka;
    }

    void register(Router r, BodyHandler body) {
        r.get("/v1/pipelines/:name/dead-letters").handler(this::list);
        r.post("/v1/pipelines/:name/dead-letters/replay").handler(body).handler(this::replay);
    }

    static String topic(String pipeline) {
        return "sluice.dlq." + pipeline;
    }

    private PipelineSpec pipeline(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        return node.registry().pipeline(name).orElseThrow(() -> new ApiException(404, "no pipeline named '" + name + "'"));
    }

    private void list(RoutingContext ctx) {
        int keep = Api.limitParam(ctx, 20, MAX_LIST);
        api.blocking(ctx, 200, () -> {
            PipelineSpec spec = pipeline(ctx);
            Deque<JsonObject> latest = new ArrayDeque<>();
            long[] count = {0};
            kafka.readAll(topic(spec.name()), () -> false, r -> {
                count[0]++;
                latest.addLast(view(r));
                if (latest.size() > keep) {
                    latest.removeFirst();
                }
            });
            return new JsonObject().put("pipeline", spec.name()).put("topic", topic(spec.name())).put("total", count[0])
                    .put("deadLetters", new JsonArray(List.copyOf(latest)));
        }, Function.identity());
    }

    private static JsonObject view(ConsumerRecord<byte[], byte[]> r) {
        JsonObject out = new JsonObject().put("offset", r.offset()).put("timestamp", r.timestamp())
                .put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8))
                .put("value", r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8));
        for (Header h : r.headers()) {
            String value = h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            switch (h.key()) {
                case "sluice.error" -> out.put("error", value);
                case "sluice.batch" -> out.put("batch", value);
                case "sluice.source.topic" -> out.put("sourceTopic", value);
                case "sluice.source.partition" -> out.put("sourcePartition", value);
                case "sluice.source.offset" -> out.put("sourceOffset", value);
                default -> {
                }
            }
        }
        return out;
    }

    private void replay(RoutingContext ctx) {
        JsonObject json = ctx.body().buffer() == null || ctx.body().buffer().length() == 0 ? new JsonObject()
                : Api.parseObject(ctx.body().buffer());
        for (String field : json.fieldNames()) {
            if (!FIELDS.contains(field)) {
                throw new ApiException(400, "unknown field '" + field + "'; expected " + new TreeSet<>(FIELDS));
            }
        }
        Object version = json.getValue("version");
        Object from = json.getValue("from");
        if (version != null && !(version instanceof Integer)) {
            throw new ApiException(400, "field 'version' must be a whole number");
        }
        if (from != null && !(from instanceof Integer || from instanceof Long)) {
            throw new ApiException(400, "field 'from' must be a dead-letter offset");
        }
        api.blocking(ctx, 201, () -> {
            PipelineSpec live = pipeline(ctx);
            if (live.bounded()) {
                throw new ApiException(409, "pipeline '" + live.name() + "' is itself a replay or a query");
            }
            int v = version == null ? node.registry().latestFunction(live.function()).orElseThrow().version() : (Integer) version;
            if (node.registry().function(live.function(), v).isEmpty()) {
                throw new ApiException(422, "function " + live.function() + " has no version " + v);
            }
            Map<TopicPartition, long[]> ranges = kafka.ranges(topic(live.name()), null, null);
            long start = from == null ? 0 : ((Number) from).longValue();
            ranges.values().forEach(r -> r[0] = Math.max(r[0], Math.min(r[1], start)));
            List<List<OffsetRange>> batches = QueryRoutes.cut(ranges);
            if (batches.isEmpty()) {
                throw new ApiException(422, "pipeline '" + live.name() + "' has no dead letters"
                        + (from == null ? "" : " from offset " + start));
            }
            String name = freeName(live.name() + "-dlq-");
            Map<String, String> parameters = new HashMap<>(live.parameters());
            parameters.put(PipelineSpec.BOUNDED_OF, topic(live.name()));
            parameters.put(PipelineSpec.BOUNDED_BATCHES, Integer.toString(batches.size()));
            int partitions = Math.max(1, ranges.size());
            PipelineSpec spec = new PipelineSpec(name, live.function(), v, List.of(topic(live.name())), live.outputTopic(),
                    live.batchInterval(), partitions, parameters, live.delivery(), PipelineState.RUNNING,
                    System.currentTimeMillis(), live.speculation(), live.stages());
            QueryRoutes.storeBatches(node, name, batches, partitions, spec.laterStagePartitions());
            node.registry().createPipeline(spec);
            long until = ranges.values().stream().mapToLong(r -> r[1]).max().orElse(0);
            log.info("Dead letters [{}, {}) of pipeline {} go through {}@{} again as {}", start, until, live.name(),
                    live.function(), v, name);
            return Views.pipeline(spec).put("batches", batches.size()).put("from", start).put("to", until);
        }, Function.identity());
    }

    private String freeName(String prefix) {
        for (int i = 1; ; i++) {
            if (node.registry().pipeline(prefix + i).isEmpty()) {
                return prefix + i;
            }
        }
    }
}
