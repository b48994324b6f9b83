package io.sluice.runtime.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.util.function.ToDoubleFunction;

/**
 * A runtime process's own {@code GET /metrics}: its slots, its task attempts by outcome, the
 * records they wrote, and the JVM's metrics, on a port of its own.
 */
final class RuntimeMetrics implements AutoCloseable {

    private final Vertx vertx;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private HttpServer server;

    RuntimeMetrics(Vertx vertx, String runtime, TaskRunner tasks) {
        this.vertx = vertx;
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("sluice.runtime.slots", tasks, TaskRunner::slotsUsed).description("this runtime's task slots")
                .tag("runtime", runtime).tag("state", "used").register(registry);
        Gauge.builder("sluice.runtime.slots", tasks, t -> t.slots() - t.slotsUsed()).description("this runtime's task slots")
                .tag("runtime", runtime).tag("state", "free").register(registry);
        attempts(runtime, "succeeded", tasks, TaskRunner::completed);
        attempts(runtime, "failed", tasks, TaskRunner::failed);
        attempts(runtime, "cancelled", tasks, TaskRunner::cancelled);
        FunctionCounter.builder("sluice.runtime.output.records", tasks, TaskRunner::recordsOut)
                .description("records written by this runtime's completed task attempts").tag("runtime", runtime)
                .register(registry);
    }

    private void attempts(String runtime, String outcome, TaskRunner tasks, ToDoubleFunction<TaskRunner> count) {
        FunctionCounter.builder("sluice.runtime.task.attempts", tasks, count)
                .description("task attempts this runtime ran, by how they ended").tag("runtime", runtime)
                .tag("outcome", outcome).register(registry);
    }

    /** Starts serving {@code GET /metrics} on {@code host:port}. */
    Future<HttpServer> listen(String host, int port) {
        return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
                .requestHandler(this::request)
                .listen()
                .onSuccess(s -> server = s);
    }

    /** @return the port it listens on, or -1 */
    int port() {
        return server == null ? -1 : server.actualPort();
    }

    private void request(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET && "/metrics".equals(req.path())) {
            vertx.executeBlocking(registry::scrape, false).onComplete(ar -> {
                if (ar.succeeded()) {
                    req.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
                } else {
                    req.response().setStatusCode(500).end("cannot collect the metrics: " + ar.cause() + "\n");
                }
            });
        } else {
            req.response().setStatusCode(404).end("Sluice runtime: metrics at GET /metrics\n");
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        gc.close();
        registry.close();
    }
}
