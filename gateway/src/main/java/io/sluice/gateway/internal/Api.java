package io.sluice.gateway.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.loading.FunctionJars;
import io.sluice.core.loading.InvalidFunctionException;
import io.sluice.core.registry.ConflictException;
import io.sluice.core.registry.Durations;
import io.sluice.core.registry.FunctionSpec;
import io.sluice.core.registry.Names;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.registry.PipelineState;
import io.sluice.core.registry.Registry;
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
import java.util.List;
import java.util.Locale;
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

    private final Vertx vertx;
    private final SluiceNode node;
    private final GatewayConfig config;
    private final TopicChecker topics;
    private final Path uploads;
    private final Router router;
    private final byte[] openApi;
    private final PipelineMetrics metrics;

    public Api(Vertx vertx, SluiceNode node, GatewayConfig config) {
        this.vertx = vertx;
        this.node = node;
        this.config = config;
        this.topics = new TopicChecker(config.kafkaBootstrap());
        this.metrics = new PipelineMetrics(node, topics);
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

        r.route().handler(this::authenticate);
        new DashboardRoutes(vertx, node, metrics).register(r, ctx -> json(ctx, 200, new JsonObject().put("name", "sluice")
                .put("api", "/v1").put("openapi", "/v1/openapi.yaml").put("health", "/health").put("dashboard", "/")));
        r.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "up")));
        r.get("/metrics").handler(ctx -> vertx.executeBlocking(() -> {
            metrics.poll();
            return metrics.scrape();
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
            }
        }));
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
        r.post("/v1/pipelines").handler(body).handler(new PipelineRequests(this, node, config, topics)::create);
        r.get("/v1/pipelines/:name").handler(ctx -> blocking(ctx, 200, () -> {
            String name = ctx.pathParam("name");
            PipelineSpec spec = registry().pipeline(name)
                    .orElseThrow(() -> new ApiException(404, "no pipeline named '" + name + "'"));
            PipelineProgress progress = node.statusBoard().progress(name).orElse(PipelineProgress.empty(name));
            long lag = metrics.lag(name);
            return Views.pipelineDetail(spec, progress, node.statusBoard().runtimes()).put("lag", lag < 0 ? null : lag);
        }, Function.identity()));
        r.post("/v1/pipelines/:name/stop").handler(ctx -> setState(ctx, PipelineState.STOPPED));
        r.post("/v1/pipelines/:name/start").handler(ctx -> setState(ctx, PipelineState.RUNNING));
        r.delete("/v1/pipelines/:name").handler(ctx -> blocking(ctx, 204, () -> {
            String name = ctx.pathParam("name");
            registry().removePipeline(name);
            node.tables().tables().stream().filter(t -> t.pipeline().equals(name))
                    .forEach(t -> node.tables().delete(t.name()));
            return null;
        }, x -> null));

        new TableRoutes(this, node.tables(), topics).register(r, body);
        KafkaReads reads = new KafkaReads(config.kafkaBootstrap());
        new ReplayRoutes(this, node, reads).register(r, body);
        new QueryRoutes(this, node, reads, topics).register(r, body);
        new DeadLetterRoutes(this, node, reads).register(r, body);

        r.route().failureHandler(this::failed);
        r.errorHandler(404, ctx -> error(ctx, 404, "no such resource: " + ctx.request().method() + " " + ctx.request().path()));
        r.errorHandler(405, ctx -> error(ctx, 405, ctx.request().method() + " is not allowed on " + ctx.request().path()));
        r.errorHandler(413, ctx -> error(ctx, 413, tooLarge()));
        r.errorHandler(400, ctx -> error(ctx, 400, ctx.failure() != null ? "the request is malformed: " + ctx.failure().getMessage()
                : "the request is malformed (its path or query does not decode)"));
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

    private void setState(RoutingContext ctx, PipelineState state) {
        blocking(ctx, 200, () -> registry().setPipelineState(ctx.pathParam("name"), state), Views::pipeline);
    }

    /**
     * @return the query parameter {@code limit}: {@code defaultValue} if absent
     * @throws ApiException 400 if it is not a whole number from 1 to {@code max}
     */
    static int limitParam(RoutingContext ctx, int defaultValue, int max) {
        String text = ctx.request().getParam("limit");
        if (text == null) {
            return defaultValue;
        }
        int limit;
        try {
            limit = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new ApiException(400, "'limit' must be a whole number, was '" + text + "'");
        }
        if (limit < 1 || limit > max) {
            throw new ApiException(400, "'limit' must be 1 to " + max + ", was " + limit);
        }
        return limit;
    }

    static JsonObject parseObject(Buffer body) {
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

    /**
     * A duration field: text like {@code "500ms"} or {@code "2s"}, or a whole number of milliseconds.
     *
     * @param label the field as the reason names it, e.g. {@code window.length}
     * @param defaultValue what an absent field means
     */
    static Duration duration(JsonObject json, String field, String label, Duration defaultValue) {
        Object value = json.getValue(field);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Integer || value instanceof Long) {
            return Duration.ofMillis(((Number) value).longValue());
        }
        if (value instanceof String s) {
            try {
                return Durations.parse(s);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "field '" + label + "': " + e.getMessage());
            }
        }
        throw new ApiException(400, "field '" + label + "' must be a duration like \"500ms\" or a number of milliseconds");
    }

    // ---- plumbing

    private Registry registry() {
        return node.registry();
    }

    /** Runs {@code work} on a worker thread and answers with its result, or fails the request. */
    <T> void blocking(RoutingContext ctx, int status, Callable<T> work, Function<T, JsonObject> view) {
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

    /**
     * With tokens configured, every request but {@code GET /health} and the dashboard's page and files needs {@code Authorization:
     * Bearer <token>}: 401 without one or with an unknown one, 403 for a read token on anything but GET.
     */
    private void authenticate(RoutingContext ctx) {
        io.sluice.gateway.Tokens tokens = config.tokens();
        if (!tokens.required() || ctx.request().path().equals("/health") || DashboardRoutes.isPublic(ctx.request().path())) {
            ctx.next();
            return;
        }
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            error(ctx, 401, "this gateway needs a token: send 'Authorization: Bearer <token>' (the CLI: --token or SLUICE_TOKEN)");
            return;
        }
        var role = tokens.role(header.substring(7).strip());
        if (role.isEmpty()) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            error(ctx, 401, "the token is not one this gateway accepts");
            return;
        }
        boolean reads = ctx.request().method() == io.vertx.core.http.HttpMethod.GET
                || ctx.request().method() == io.vertx.core.http.HttpMethod.HEAD;
        if (role.get() == io.sluice.gateway.Tokens.Role.READ && !reads) {
            error(ctx, 403, "a read token cannot " + ctx.request().method() + " " + ctx.request().path() + ": use an admin token");
            return;
        }
        ctx.next();
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

    static void badRequestIfInvalid(Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ApiException(400, e.getMessage());
        }
    }

    static String mediaType(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (header == null || header.isBlank()) {
            return null;
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    static <T> JsonArray array(List<T> items, Function<T, JsonObject> view) {
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
        metrics.close();
        topics.close();
        try (var files = Files.walk(uploads)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("could not delete {}: {}", uploads, e.toString());
        }
    }
}
