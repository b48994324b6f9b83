package io.sluice.gateway;

import io.sluice.core.cluster.SluiceNode;
import io.sluice.gateway.internal.Api;
import io.sluice.gateway.internal.InvalidRequests;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The HTTP gateway: the API in {@code openapi.yaml}, served by Vert.x. It reads and writes the
 * registry and status board of a {@link SluiceNode}; it never talks to the scheduler, which
 * follows the registry.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final Api api;
    private final HttpServer server;

    private Gateway(GatewayConfig config, Api api, HttpServer server) {
        this.config = config;
        this.api = api;
        this.server = server;
    }

    /**
     * Starts the gateway and returns once it listens.
     *
     * @param config where to listen
     * @param node   the registry and status board to serve
     * @param vertx  the Vert.x instance to run on
     * @return the listening gateway
     * @throws IllegalStateException if the port cannot be bound
     */
    public static Gateway start(GatewayConfig config, SluiceNode node, Vertx vertx) {
        Api api = new Api(vertx, node, config);
        Router router = api.router();
        try {
            HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port());
            if (config.tls() != null) {
                options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                        .setCertPath(config.tls().certificate().toString()).setKeyPath(config.tls().key().toString()));
            }
            HttpServer server = vertx.createHttpServer(options)
                    .requestHandler(router)
                    .invalidRequestHandler(new InvalidRequests())
                    .listen()
                    .await(30, TimeUnit.SECONDS);
            Gateway gateway = new Gateway(config, api, server);
            log.info("Gateway listening on {}", gateway.url());
            return gateway;
        } catch (Exception e) {
            api.close();
            throw new IllegalStateException("the gateway cannot listen on " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
    }

    /** @return the port it listens on */
    public int port() {
        return server.actualPort();
    }

    /** @return {@code http://host:port}, or {@code https://} with TLS */
    public String url() {
        return (config.tls() != null ? "https://" : "http://") + config.host() + ":" + port();
    }

    /** @return the routes, for checking them against the API description */
    Router router() {
        return api.router();
    }

    @Override
    public void close() {
        try {
            server.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("Gateway did not close cleanly: {}", e.toString());
        }
        api.close();
    }
}
