package io.sluice.gateway.internal;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.registry.PipelineSpec;
import io.sluice.core.status.PipelineProgress;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live dashboard: a page at {@code /} for browsers, its script, style and chart library under
 * {@code /dashboard/}, and {@code GET /v1/events}, a server-sent event stream that carries a
 * snapshot of every pipeline, its recent batches, its lag and the runtimes once a second.
 *
 * <p>The page and its files are the same for everyone and hold no data, so they need no token; the
 * page asks for one when {@code /v1/events} answers 401. The page reads the stream with
 * {@code fetch} rather than {@code EventSource}, so the token travels in the Authorization header
 * and never in a URL.
 */
final class DashboardRoutes {

    static final Duration TICK = Duration.ofSeconds(1);
    private static final String ROOT = "/io/sluice/gateway/dashboard/";
    private static final String ECHARTS_POM = "/META-INF/maven/org.webjars.npm/echarts/pom.properties";

    private final Vertx vertx;
    private final SluiceNode node;
    private final PipelineMetrics metrics;
    /** File name to its content type and bytes, read once. */
    private final Map<String, Asset> assets;

    private record Asset(String type, Buffer bytes) {
    }

    DashboardRoutes(Vertx vertx, SluiceNode node, PipelineMetrics metrics) {
        this.vertx = vertx;
        this.node = node;
        this.metrics = metrics;
        this.assets = Map.of(
                "index.html", new Asset("text/html; charset=utf-8", resource(ROOT + "index.html")),
                "dashboard.js", new Asset("text/javascript; charset=utf-8", resource(ROOT + "dashboard.js")),
                "dashboard.css", new Asset("text/css; charset=utf-8", resource(ROOT + "dashboard.css")),
                "echarts.min.js", new Asset("text/javascript; charset=utf-8", resource(echartsPath())));
    }

    /** @return whether a request for this path may go without a token: the page and its files */
    static boolean isPublic(String path) {
        return path.equals("/") || path.startsWith("/dashboard/");
    }

    /**
     * @param index what {@code /} answers to a client that does not ask for HTML: the API's index
     */
    void register(Router r, io.vertx.core.Handler<RoutingContext> index) {
        r.get("/").handler(ctx -> {
            String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
            if (accept != null && accept.contains("text/html")) {
                serve(ctx, assets.get("index.html"));
            } else {
                index.handle(ctx);
            }
        });
        r.get("/dashboard/:file").handler(ctx -> {
            Asset asset = assets.get(ctx.pathParam("file"));
            if (asset == null) {
                throw new ApiException(404, "the dashboard has no file '" + ctx.pathParam("file") + "'");
            }
            serve(ctx, asset);
        });
        r.get("/v1/events").handler(this::events);
    }

    private static void serve(RoutingContext ctx, Asset asset) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, asset.type())
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .end(asset.bytes());
    }

    /**
     * One {@code state} event at once and then every {@link #TICK}, until the client goes. A
     * client that reads too slowly misses snapshots rather than making the gateway queue them.
     */
    private void events(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        response.setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        response.write("retry: 2000\n\n");
        AtomicBoolean busy = new AtomicBoolean();
        Runnable send = () -> {
            if (response.closed() || response.writeQueueFull() || !busy.compareAndSet(false, true)) {
                return;
            }
            vertx.executeBlocking(this::snapshot, false).onComplete(ar -> {
                busy.set(false);
                if (response.closed()) {
                    return;
                }
                JsonObject event = ar.succeeded() ? ar.result()
                        : new JsonObject().put("error", "cannot read the status board: " + ar.cause());
                response.write("event: state\ndata: " + event.encode() + "\n\n");
            });
        };
        long timer = vertx.setPeriodic(TICK.toMillis(), id -> send.run());
        response.closeHandler(v -> vertx.cancelTimer(timer));
        send.run();
    }

    /** @return every pipeline with its progress and lag, and the runtimes: what the page draws */
    JsonObject snapshot() {
        JsonArray pipelines = new JsonArray();
        for (PipelineSpec spec : node.registry().pipelines()) {
            PipelineProgress progress = node.statusBoard().progress(spec.name()).orElse(PipelineProgress.empty(spec.name()));
            long lag = metrics.lag(spec.name());
            pipelines.add(Views.pipeline(spec).put("progress", Views.progress(progress)).put("lag", lag < 0 ? null : lag));
        }
        JsonArray runtimes = new JsonArray();
        node.statusBoard().runtimes().forEach(r -> runtimes.add(Views.runtime(r)));
        return new JsonObject().put("time", System.currentTimeMillis()).put("pipelines", pipelines).put("runtimes", runtimes);
    }

    private static String echartsPath() {
        Properties pom = new Properties();
        try (InputStream in = DashboardRoutes.class.getResourceAsStream(ECHARTS_POM)) {
            if (in == null) {
                throw new IllegalStateException("the echarts webjar is not on the class path");
            }
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "/META-INF/resources/webjars/echarts/" + pom.getProperty("version") + "/dist/echarts.min.js";
    }

    private static Buffer resource(String path) {
        try (InputStream in = DashboardRoutes.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
