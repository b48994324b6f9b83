package io.sluice.gateway.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.store.BatchManifest;
import io.sluice.core.store.OffsetRange;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * {@code POST /v1/pipelines/{name}/replay}: run a pipeline's stages again over batches it already
 * ran, as a bounded pipeline of its own. The batches come from the pipeline's batch log, with their
 * batch times and offset ranges, so the replay's output for them equals what the pipeline wrote;
 * the replay has its own name, tasks, transactional ids, markers and consumer group, so the live
 * pipeline's committed offsets never move.
 */
final class ReplayRoutes {

    private static final Logger log = LoggerFactory.getLogger(ReplayRoutes.class);
    private static final Set<String> FIELDS = Set.of("output", "from", "to", "version", "name");

    private final Api api;
    private final SluiceNode node;
    private final KafkaReads kafka;

    ReplayRoutes(Api api, SluiceNode node, KafkaReads kafka) {
        this.api = api;
        this.node = node;
        this.kafka = kafka;
    }

    void register(Router r, BodyHandler body) {
        r.post("/v1/pipelines/:name/replay").handler(body).handler(this::replay);
    }

    private void replay(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        JsonObject json = Api.parseObject(ctx.body().buffer());
        for (String field : json.fieldNames()) {
            if (!FIELDS.contains(field)) {
                throw new ApiException(400, "unknown field '" + field + "'; expected " + new TreeSet<>(FIELDS));
            }
        }
        String output = Api.string(json, "output", true);
        Bound from = Bound.parse(json.getValue("from"), "from");
        Bound to = Bound.parse(json.getValue("to"), "to");
        Object version = json.getValue("version");
        if (version != null && !(version instanceof Integer)) {
            throw new ApiException(400, "field 'version' must be a whole number");
        }
        String replayName = Api.string(json, "name", false);
        api.blocking(ctx, 201, () -> {
            PipelineSpec live = node.registry().pipeline(name)
                    .orElseThrow(() -> new ApiException(404, "no pipeline named '" + name + "'"));
            if (live.bounded()) {
                throw new ApiException(409, "pipeline '" + name + "' is itself a replay or a query");
            }
            if (output.equals(live.outputTopic())) {
                throw new ApiException(400, "a replay writes to its own topic, not the live output '" + output + "'");
            }
            int v = version == null ? live.functionVersion() : (Integer) version;
            if (node.registry().function(live.function(), v).isEmpty()) {
                throw new ApiException(422, "function " + live.function() + " has no version " + v);
            }
            TreeMap<Long, BatchManifest> logged = kafka.batchLog(live.batchLogTopic());
            if (logged.isEmpty()) {
                throw new ApiException(422, "pipeline '" + name + "' has committed no logged batch yet");
            }
            List<BatchManifest> chosen = new ArrayList<>();
            for (BatchManifest m : logged.values()) {
                if (from.admitsFrom(m) && to.admitsTo(m)) {
                    chosen.add(m);
                }
            }
            if (chosen.isEmpty()) {
                throw new ApiException(422, "no batch of pipeline '" + name + "' falls in the range; its logged batches run from "
                        + Instant.ofEpochMilli(logged.firstKey()) + " to " + Instant.ofEpochMilli(logged.lastKey()));
            }
            String replay = replayName != null ? replayName : freeName(name + "-replay-");
            if (node.registry().pipeline(replay).isPresent()) {
                throw new ApiException(409, "a pipeline named '" + replay + "' already exists");
            }
            Map<String, String> parameters = new HashMap<>(live.parameters());
            parameters.put(PipelineSpec.BOUNDED_OF, name);
            parameters.put(PipelineSpec.BOUNDED_BATCHES, Integer.toString(chosen.size()));
            PipelineSpec spec = new PipelineSpec(replay, live.function(), v, live.inputTopics(), output,
                    live.batchInterval(), live.partitions(), parameters, live.delivery(), PipelineState.RUNNING,
                    System.currentTimeMillis(), live.speculation(), live.stages());
            long now = System.currentTimeMillis();
            for (int i = 0; i < chosen.size(); i++) {
                node.batchStore().putManifest(chosen.get(i).rerun(replay, i, now, live.laterStagePartitions()));
            }
            node.registry().createPipeline(spec);
            log.info("Replay {} of pipeline {} ({}@{}): {} batches from {} to {} -> {}", replay, name, live.function(), v,
                    chosen.size(), chosen.get(0).batchTime(), chosen.get(chosen.size() - 1).batchTime(), output);
            return Views.pipeline(spec).put("batches", chosen.size())
                    .put("from", chosen.get(0).batchTime()).put("to", chosen.get(chosen.size() - 1).batchTime());
        }, Function.identity());
    }

    private String freeName(String prefix) {
        for (int i = 1; ; i++) {
            if (node.registry().pipeline(prefix + i).isEmpty()) {
                return prefix + i;
            }
        }
    }

    /**
     * One end of a range: a time (ISO-8601, or epoch milliseconds), offsets
     * ({@code partition:offset,...}, or {@code topic:partition:offset,...}), or open.
     */
    record Bound(Long time, Map<String, Long> offsets) {

        static Bound parse(Object value, String field) {
            if (value == null) {
                return new Bound(null, null);
            }
            if (value instanceof Number n) {
                return new Bound(n.longValue(), null);
            }
            if (!(value instanceof String text) || text.isBlank()) {
                throw new ApiException(400, "field '" + field + "' must be a time or offsets");
            }
            if (text.chars().allMatch(Character::isDigit)) {
                return new Bound(Long.parseLong(text), null);
            }
            if (text.contains(":") && !text.contains("T")) {
                Map<String, Long> offsets = new HashMap<>();
                for (String part : text.split(",")) {
                    int at = part.lastIndexOf(':');
                    try {
                        offsets.put(part.substring(0, at).trim(), Long.parseLong(part.substring(at + 1).trim()));
                    } catch (RuntimeException e) {
                        throw new ApiException(400, "field '" + field + "': '" + part + "' is not partition:offset");
                    }
                }
                return new Bound(null, offsets);
            }
            try {
                return new Bound(Instant.parse(text).toEpochMilli(), null);
            } catch (DateTimeParseException e) {
                throw new ApiException(400, "field '" + field + "': '" + text + "' is not a time like 2026-01-31T12:00:00Z,"
                        + " epoch milliseconds, or offsets like 0:1200,1:1180");
            }
        }

        boolean admitsFrom(BatchManifest m) {
            if (time != null) {
                return m.batchTime() >= time;
            }
            return offsets == null || m.ranges().stream().allMatch(r -> r.from() >= offset(r, Long.MIN_VALUE));
        }

        boolean admitsTo(BatchManifest m) {
            if (time != null) {
                return m.batchTime() <= time;
            }
            return offsets == null || m.ranges().stream().allMatch(r -> r.until() <= offset(r, Long.MAX_VALUE));
        }

        private long offset(OffsetRange r, long otherwise) {
            Long at = offsets.get(r.topic() + ":" + r.partition());
            if (at == null) {
                at = offsets.get(Integer.toString(r.partition()));
            }
            return at == null ? otherwise : at;
        }
    }
}
