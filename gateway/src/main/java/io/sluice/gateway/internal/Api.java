package io.sluice.gateway.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.loading.FunctionJars;
import io.sluice.core.loading.InvalidFunctionException;
import io.sluice.core.registry.ConflictException;
import io.sluice.core.registry.Delivery;
import io.sluice.core.registry.Durations;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.Names;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.registry.Registry;
import io.sluice.core.registry.StageSpec;
import io.sluice.core.registry.UnknownEntryException;
import io.sluice.core.status.PipelineProgress;
import io.sluice.gateway.GatewayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The routes. Handlers run on the event loop only to parse and answer; the registry (a data grid
 * that may be clustered), jar validation and Kafka run on worker threads.
 */
public final class Api implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Api.class);
    private static final Set<String> JAR_TYPES = Set.of("application/java-archive", "application/x-java-archive",
            "application/octet-stream");
    private static final Set<String> PIPELINE_FIELDS = Set.of("name", "function", "inputs", "output", "batchInterval",
            "partitions", "parameters", "delivery", "speculation", "stages");
    private static final int DEFAULT_PARTITIONS = 4;
    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final Vertx vertx;
    private final SluiceNode node;
    private final GatewayConfig config;
    private final TopicChecker topics;
    private final Path uploads;
    private final Router router;
    private final byte[] openApi;

    public Api(Vertx vertx, SluiceNode node, GatewayConfig config) {
        this.vertx = vertx;
        this.node = node;
        this.config = config;
        this.topics = new TopicChecker(config.kafkaBootstrap());
        try {
            this.uploads = Files.createTempDirectory("sluice-uploads-");
            try (InputStream in = Api.class.getResourceAsStream("/io/sluice/gateway/openapi.yaml")) {
                this.openApi = in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the gateway", e);
        }
        this.router = buildRouter();
    }

    public Router router() {
        return router;
    }

    private Router buildRouter() {
        Router r = Router.router(vertx);
        BodyHandler body = BodyHandler.create(uploads.toString())
                .setBodyLimit(config.maxUploadBytes())
                .setDeleteUploadedFilesOnEnd(true)
                .setHandleFileUploads(true);

        r.get("/").handler(ctx -> json(ctx, 200, new JsonObject().put("name", "sluice").put("api", "/v1")
                .put("openapi", "/v1/openapi.yaml").put("health", "/health")));
        r.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "up")));
        r.get("/v1/openapi.yaml").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml").end(Buffer.buffer(openApi)));

        r.get("/v1/functions").handler(ctx -> blocking(ctx, 200, () -> registry().functions(),
                list -> new JsonObject().put("functions", array(list, Views::function))));
        r.post("/v1/functions").handler(body).handler(this::uploadFunction);
        r.get("/v1/functions/:name").handler(ctx -> blocking(ctx, 200, () -> {
            String name = ctx.pathParam("name");
            FunctionSpec latest = registry().latestFunction(name)
                    .orElseThrow(() -> new ApiException(404, "no function named '" + name + "'"));
            return Views.functionWithVersions(latest, registry().functionVersions(name));
        }, Function.identity()));
        r.delete("/v1/functions/:name").handler(ctx -> blocking(ctx, 204, () -> {
            registry().removeFunction(ctx.pathParam("name"));
            return null;
        }, x -> null));

        r.get("/v1/pipelines").handler(ctx -> blocking(ctx, 200, () -> registry().pipelines(),
                list -> new JsonObject().put("pipelines", array(list, Views::pipeline))));
        r.post("/v1/pipelines").handler(body).handler(this::createPipeline);
        r.get("/v1/pipelines/:name").handler(ctx -> blocking(ctx, 200, () -> {
            String name = ctx.pathParam("name");
            PipelineSpec spec = registry().pipeline(name)
                    .orElseThrow(() -> new ApiException(404, "no pipeline named '" + name + "'"));
            PipelineProgress progress = node.statusBoard().progress(name).orElse(PipelineProgress.empty(name));
            return Views.pipelineDetail(spec, progress, node.statusBoard().runtimes());
        }, Function.identity()));
        r.post("/v1/pipelines/:name/stop").handler(ctx -> setState(ctx, PipelineState.STOPPED));
        r.post("/v1/pipelines/:name/start").handler(ctx -> setState(ctx, PipelineState.RUNNING));
        r.delete("/v1/pipelines/:name").handler(ctx -> blocking(ctx, 204, () -> {
            registry().removePipeline(ctx.pathParam("name"));
            return null;
        }, x -> null));

        r.route().failureHandler(this::failed);
        r.errorHandler(404, ctx -> error(ctx, 404, "no such resource: " + ctx.request().method() + " " + ctx.request().path()));
        r.errorHandler(405, ctx -> error(ctx, 405, ctx.request().method() + " is not allowed on " + ctx.request().path()));
        r.errorHandler(413, ctx -> error(ctx, 413, tooLarge()));
        return r;
    }

    // ---- functions

    private void uploadFunction(RoutingContext ctx) {
        String type = mediaType(ctx);
        String name;
        String className;
        Callable<byte[]> jar;
        if ("multipart/form-data".equals(type)) {
            name = ctx.request().getFormAttribute("name");
            className = ctx.request().getFormAttribute("class");
            FileUpload file = ctx.fileUploads().stream().filter(f -> "jar".equals(f.name())).findFirst()
                    .orElseThrow(() -> new ApiException(400, "the multipart upload has no file part named 'jar'"));
            jar = () -> Files.readAllBytes(Path.of(file.uploadedFileName()));
        } else if (JAR_TYPES.contains(type)) {
            name = ctx.request().getParam("name");
            className = ctx.request().getParam("class");
            Buffer buffer = ctx.body().buffer();
            if (buffer == null || buffer.length() == 0) {
                throw new ApiException(400, "the request body is empty; send the jar");
            }
            jar = buffer::getBytes;
        } else {
            throw new ApiException(415, "send the jar as application/java-archive (with ?name=&class=) or as "
                    + "multipart/form-data, not " + (type == null ? "no content type" : type));
        }
        requireParam(name, "name");
        requireParam(className, "class");
        badRequestIfInvalid(() -> Names.checkName("function", name));
        badRequestIfInvalid(() -> Names.checkClassName(className));
        blocking(ctx, 201, () -> {
            byte[] bytes = jar.call();
            try {
                FunctionJars.validate(bytes, className);
            } catch (InvalidFunctionException e) {
                throw new ApiException(422, e.getMessage());
            }
            FunctionSpec spec = registry().putFunction(name, className, bytes);
            log.info("Function {} version {} registered ({}, {} bytes)", name, spec.version(), className, bytes.length);
            return spec;
        }, Views::function);
    }

    // ---- pipelines

    private void createPipeline(RoutingContext ctx) {
        String type = mediaType(ctx);
        if (type != null && !"application/json".equals(type)) {
            throw new ApiException(415, "send the pipeline as application/json, not " + type);
        }
        JsonObject json = parseObject(ctx.body().buffer());
        for (String field : json.fieldNames()) {
            if (!PIPELINE_FIELDS.contains(field)) {
                throw new ApiException(400, "unknown field '" + field + "'; expected " + new java.util.TreeSet<>(PIPELINE_FIELDS));
            }
        }
        String name = string(json, "name", true);
        String function = string(json, "function", true);
        List<String> inputs = strings(json, "inputs");
        String output = string(json, "output", true);
        Duration interval = interval(json);
        int partitions = integer(json, "partitions", DEFAULT_PARTITIONS);
        Map<String, String> parameters = parameters(json);
        Delivery delivery = delivery(json);
        boolean speculation = bool(json, "speculation", true);
        List<StageSpec> stages = StageRequests.parse(json, partitions);
        // Validate the shape first (400), with version 1 standing in until the function is looked up.
        badRequestIfInvalid(() -> new PipelineSpec(name, function, 1, inputs, output, interval, partitions, parameters,
                delivery, PipelineState.RUNNING, 0L, speculation, stages));
        blocking(ctx, 201, () -> {
            if (registry().pipeline(name).isPresent()) {
                throw new ApiException(409, "a pipeline named '" + name + "' already exists");
            }
            FunctionSpec fn = registry().latestFunction(function).orElseThrow(() -> new ApiException(422,
                    "no function named '" + function + "'; upload it first with POST /v1/functions"));
            StageRequests.checkClasses(registry(), fn, stages);
            List<String> missing = topics.missing(inputs);
            if (!missing.isEmpty()) {
                throw new ApiException(422, "input topic(s) " + missing + " do not exist in Kafka at " + config.kafkaBootstrap());
            }
            PipelineSpec spec = registry().createPipeline(new PipelineSpec(name, function, fn.version(), inputs, output,
                    interval, partitions, parameters, delivery, PipelineState.RUNNING, System.currentTimeMillis(),
                    speculation, stages));
            log.info("Pipeline {} created: {} -> {}@{}{} -> {}", name, inputs, function, fn.version(),
                    stages.isEmpty() ? "" : " -> " + stages, output);
            return spec;
        }, Views::pipeline);
    }

    private void setState(RoutingContext ctx, PipelineState state) {
        blocking(ctx, 200, () -> registry().setPipelineState(ctx.pathParam("name"), state), Views::pipeline);
    }

    private static JsonObject parseObject(Buffer body) {
        if (body == null || body.length() == 0) {
            throw new ApiException(400, "the request body is empty; send a JSON object");
        }
        Object value;
        try {
            value = body.toJsonValue();
        } catch (DecodeException e) {
            throw new ApiException(400, "the request body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!(value instanceof JsonObject object)) {
            throw new ApiException(400, "the request body must be a JSON object");
        }
        return object;
    }

    static String string(JsonObject json, String field, boolean required) {
        Object value = json.getValue(field);
        if (value == null) {
            if (required) {
                throw new ApiException(400, "missing field '" + field + "'");
            }
            return null;
        }
        if (!(value instanceof String s)) {
            throw new ApiException(400, "field '" + field + "' must be a string");
        }
        return s;
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

    static int integer(JsonObject json, String field, int defaultValue) {
        Object value = json.getValue(field);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Integer i)) {
            throw new ApiException(400, "field '" + field + "' must be a whole number");
        }
        return i;
    }

    private static Duration interval(JsonObject json) {
        Object value = json.getValue("batchInterval");
        if (value == null) {
            return DEFAULT_INTERVAL;
        }
        if (value instanceof Integer || value instanceof Long) {
            return Duration.ofMillis(((Number) value).longValue());
        }
        if (value instanceof String s) {
            try {
                return Durations.parse(s);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "field 'batchInterval': " + e.getMessage());
            }
        }
        throw new ApiException(400, "field 'batchInterval' must be a duration like \"500ms\" or a number of milliseconds");
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
        String text = string(json, "delivery", false);
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

    // ---- plumbing

    private Registry registry() {
        return node.registry();
    }

    /** Runs {@code work} on a worker thread and answers with its result, or fails the request. */
    private <T> void blocking(RoutingContext ctx, int status, Callable<T> work, Function<T, JsonObject> view) {
        vertx.executeBlocking(work, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else if (status == 204) {
                ctx.response().setStatusCode(204).end();
            } else {
                json(ctx, status, view.apply(ar.result()));
            }
        });
    }

    private void failed(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure == null) {
            int status = ctx.statusCode();
            error(ctx, status, status == 413 ? tooLarge() : status == 400 ? "the request is malformed" : "request failed");
            return;
        }
        if (failure instanceof ApiException e) {
            error(ctx, e.status(), e.getMessage());
        } else if (failure instanceof UnknownEntryException e) {
            error(ctx, 404, e.getMessage());
        } else if (failure instanceof ConflictException e) {
            error(ctx, 409, e.getMessage());
        } else if (failure instanceof IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
        } else if (failure instanceof DecodeException e) {
            error(ctx, 400, "the request body is not valid JSON: " + firstLine(e.getMessage()));
        } else {
            log.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
            error(ctx, 500, "internal error: " + failure);
        }
    }

    private String tooLarge() {
        return "the upload is larger than the gateway's limit of " + (config.maxUploadBytes() / (1024 * 1024)) + " MiB";
    }

    private static void requireParam(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new ApiException(400, "missing '" + name + "'");
        }
    }

    private static void badRequestIfInvalid(Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ApiException(400, e.getMessage());
        }
    }

    private static String mediaType(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (header == null || header.isBlank()) {
            return null;
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static <T> JsonArray array(List<T> items, Function<T, JsonObject> view) {
        JsonArray array = new JsonArray();
        items.forEach(i -> array.add(view.apply(i)));
        return array;
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(body.encode());
    }

    private static void error(RoutingContext ctx, int status, String message) {
        if (ctx.response().ended()) {
            return;
        }
        json(ctx, status, new JsonObject().put("error", firstLine(message)));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no reason given";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public void close() {
        topics.close();
        try (var files = Files.walk(uploads)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("could not delete {}: {}", uploads, e.toString());
        }
    }
}
