package io.sluice.scheduler.internal;

import io.sluice.core.encoding.MalformedDataException;
import io.sluice.core.wire.WireCodec;
import io.sluice.core.wire.WireMessage;
import io.sluice.core.wire.WireMessage.Heartbeat;
import io.sluice.core.wire.WireMessage.Hello;
import io.sluice.core.wire.WireMessage.Ready;
import io.sluice.core.wire.WireMessage.Refused;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.sluice.core.wire.WireMessage.Welcome;
import io.sluice.scheduler.internal.SchedulerEvent.AttemptDone;
import io.sluice.scheduler.internal.SchedulerEvent.AttemptFailed;
import io.sluice.scheduler.internal.SchedulerEvent.HeartbeatReceived;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeJoined;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeReady;
import io.sluice.scheduler.internal.SchedulerEvent.RuntimeLost;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The WebSocket runtimes connect to, at {@code /runtime}. It turns frames into scheduler events and
 * carries the scheduler's messages back; it holds no scheduling state. Runs on a Vert.x event loop
 * and never blocks it: every message is decoded and posted.
 */
final class RuntimeServer {

    static final String PATH = "/runtime";
    /** The handshake header in which a runtime proves the scheduler's runtime secret. */
    public static final String SECRET_HEADER = "X-Sluice-Secret";
    private static final Logger log = LoggerFactory.getLogger(RuntimeServer.class);

    private final Vertx vertx;
    private final Welcome welcome;
    private final Clock clock;
    private final Consumer<SchedulerEvent> post;
    private final AtomicLong ids = new AtomicLong();
    private final String secret;
    private final Supplier<String> metrics;
    private HttpServer server;

    RuntimeServer(Vertx vertx, Welcome welcome, Clock clock, Consumer<SchedulerEvent> post) {
        this(vertx, welcome, clock, post, "", () -> "");
    }

    /**
     * @param secret  what runtimes must prove in their handshake, or empty to take any
     * @param metrics the scheduler's metrics in the Prometheus text format, for {@code GET /metrics}
     */
    RuntimeServer(Vertx vertx, Welcome welcome, Clock clock, Consumer<SchedulerEvent> post, String secret,
                  Supplier<String> metrics) {
        this.secret = secret;
        this.metrics = metrics;
        this.vertx = vertx;
        this.welcome = welcome;
        this.clock = clock;
        this.post = post;
    }

    /** @return whether {@code given} is the runtime secret, compared in constant time */
    private boolean proves(String given) {
        return given != null && java.security.MessageDigest.isEqual(given.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Future<RuntimeServer> listen(String host, int port) {
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
                .setMaxWebSocketMessageSize(16 * 1024 * 1024);
        return vertx.createHttpServer(options)
                .webSocketHandshakeHandler(handshake -> {
                    if (!PATH.equals(handshake.path())) {
                        handshake.reject(404);
                    } else if (!secret.isEmpty() && !proves(handshake.headers().get(SECRET_HEADER))) {
                        log.warn("Refused a runtime from {}: {} secret", handshake.remoteAddress(),
                                handshake.headers().get(SECRET_HEADER) == null ? "no" : "a wrong");
                        handshake.reject(401);
                    } else {
                        handshake.accept();
                    }
                })
                .webSocketHandler(this::connected)
                .requestHandler(this::request)
                .listen()
                .map(s -> {
                    server = s;
                    return this;
                });
    }

    /** {@code GET /metrics}; anything else is a 404 that says what the port is for. */
    private void request(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET && "/metrics".equals(req.path())) {
            vertx.executeBlocking(metrics::get, false).onComplete(ar -> {
                if (ar.succeeded()) {
                    req.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
                } else {
                    req.response().setStatusCode(500).end("cannot collect the metrics: " + ar.cause() + "\n");
                }
            });
        } else {
            req.response().setStatusCode(404)
                    .end("Sluice scheduler: runtimes connect with a WebSocket to " + PATH + "; metrics at GET /metrics\n");
        }
    }

    int port() {
        return server.actualPort();
    }

    Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void connected(ServerWebSocket ws) {
        Context context = vertx.getOrCreateContext();
        Connection connection = new Connection(ws, context);
        ws.binaryMessageHandler(connection::received);
        ws.textMessageHandler(text -> connection.refuse("runtimes speak binary frames, got text"));
        ws.closeHandler(v -> connection.closed());
        ws.exceptionHandler(e -> log.debug("Runtime socket error from {}: {}", ws.remoteAddress(), e.toString()));
    }

    /** One runtime's connection: anonymous until its Hello, then a session with an id. */
    private final class Connection {
        private final ServerWebSocket ws;
        private final Context context;
        private String runtimeId;

        Connection(ServerWebSocket ws, Context context) {
            this.ws = ws;
            this.context = context;
        }

        void received(Buffer frame) {
            WireMessage message;
            try {
                message = WireCodec.decode(frame.getBytes());
            } catch (MalformedDataException e) {
                refuse("unreadable message: " + e.getMessage());
                return;
            }
            if (runtimeId == null) {
                if (message instanceof Hello hello) {
                    hello(hello);
                } else {
                    refuse("the first message must be Hello");
                }
            } else if (message instanceof Heartbeat m) {
                post.accept(new HeartbeatReceived(runtimeId, m.running(), m.inFunction(), m.lingering()));
            } else if (message instanceof Ready) {
                post.accept(new RuntimeReady(runtimeId));
            } else if (message instanceof TaskDone m) {
                post.accept(new AttemptDone(runtimeId, m));
            } else if (message instanceof TaskFailed m) {
                post.accept(new AttemptFailed(runtimeId, m));
            } else {
                refuse("unexpected " + message.getClass().getSimpleName() + " from a runtime");
            }
        }

        private void hello(Hello hello) {
            if (hello.protocol() != WireMessage.PROTOCOL) {
                refuse("protocol " + hello.protocol() + " is not supported; this scheduler speaks " + WireMessage.PROTOCOL);
                return;
            }
            if (hello.slots() < 1) {
                refuse("a runtime needs at least 1 slot, announced " + hello.slots());
                return;
            }
            runtimeId = "r" + ids.incrementAndGet();
            send(new Welcome(runtimeId, welcome.kafkaBootstrap(), welcome.clusterName(), welcome.clusterHosts()));
            post.accept(new RuntimeJoined(new RuntimeSession(runtimeId, hello.name(), hello.slots(), clock.millis(),
                    this::send, () -> context.runOnContext(v -> ws.close()))));
        }

        void send(WireMessage message) {
            Buffer frame = Buffer.buffer(WireCodec.encode(message));
            if (Vertx.currentContext() == context) {
                ws.writeBinaryMessage(frame);
            } else {
                context.runOnContext(v -> ws.writeBinaryMessage(frame));
            }
        }

        void refuse(String reason) {
            log.warn("Refusing runtime at {}: {}", ws.remoteAddress(), reason);
            send(new Refused(reason));
            ws.close((short) 1008, reason.length() > 120 ? reason.substring(0, 120) : reason);
        }

        void closed() {
            if (runtimeId != null) {
                Short status = ws.closeStatusCode();
                boolean left = status != null && status == 1000;
                post.accept(new RuntimeLost(runtimeId, left ? RuntimeLost.LEFT : "connection closed"));
            }
        }
    }
}
