package io.sluice.runtime.internal;

import io.sluice.core.cluster.ClusterSettings;
import io.sluice.core.cluster.SluiceNode;
import io.sluice.core.encoding.MalformedDataException;
import io.sluice.core.wire.WireCodec;
import io.sluice.core.wire.WireMessage;
import io.sluice.core.wire.WireMessage.CancelTask;
import io.sluice.core.wire.WireMessage.Heartbeat;
import io.sluice.core.wire.WireMessage.Hello;
import io.sluice.core.wire.WireMessage.Ready;
import io.sluice.core.wire.WireMessage.Refused;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.Welcome;
import io.sluice.runtime.RuntimeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One runtime: the WebSocket link to the scheduler, heartbeats, reconnects, and the slots.
 *
 * <p>Socket handling runs on one Vert.x event loop and only decodes, posts to the slots and
 * encodes. Everything that can block (joining the cluster, creating the Kafka producer, user
 * code) runs on other threads.
 *
 * <p>When the link drops, the scheduler treats this runtime as lost and re-runs its attempts
 * elsewhere, so the runtime cancels them too and reconnects as a new runtime. A scheduler that is
 * paused, hung or cut off keeps its socket open, so the runtime also pings it with every
 * heartbeat and drops the link when nothing (no pong, no message, no welcome) has come back for
 * the silence timeout. Each reconnect tries the next configured endpoint: only the active
 * scheduler listens, so a runtime finds a standby that took over within a round of them.
 */
public final class RuntimeEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RuntimeEngine.class);
    /** How long one try to join the data grid may take; joins normally take a few seconds. */
    static final Duration JOIN_DEADLINE = Duration.ofSeconds(30);
    private static final Duration JOIN_RETRY = Duration.ofSeconds(1);

    private final RuntimeConfig config;
    private final Vertx vertx;
    private final SluiceNode sharedNode;
    private final CompletableFuture<Services> services = new CompletableFuture<>();
    private final TaskRunner tasks;
    private final WebSocketClient client;
    private final CountDownLatch welcomed = new CountDownLatch(1);
    private volatile WebSocket socket;
    private volatile boolean closing;
    private volatile String refusal;
    private volatile String runtimeId;
    private final AtomicBoolean preparing = new AtomicBoolean();
    private SluiceNode ownNode;
    private KafkaSink sink;
    private TransactionalSink transactions;
    private long heartbeatTimer;
    private RuntimeMetrics metrics;
    private long reconnectDelayMs;
    /** Which of the configured endpoints the next connect tries; only the event loop touches it. */
    private int endpoint;
    private volatile URI connectedTo;
    /** When the scheduler was last heard from on the current link, by {@link System#nanoTime()}. */
    private volatile long lastHeard;

    /**
     * @param config     how to connect
     * @param vertx      the Vert.x instance to run the link on
     * @param sharedNode the node to read blocks and jars from when the runtime shares the
     *                   scheduler's JVM, or {@code null} to join the scheduler's cluster
     */
    public RuntimeEngine(RuntimeConfig config, Vertx vertx, SluiceNode sharedNode) {
        this.config = config;
        this.vertx = vertx;
        this.sharedNode = sharedNode;
        this.tasks = new TaskRunner(config.name(), config.slots(), services, this::send);
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxMessageSize(16 * 1024 * 1024)
                .setConnectTimeout(5_000));
        this.reconnectDelayMs = config.reconnectDelay().toMillis();
    }

    /**
     * Connects, and keeps reconnecting until closed; serves {@code GET /metrics} first if the
     * configuration asks for it.
     *
     * @throws IllegalStateException if the metrics port cannot be bound
     */
    public void start() {
        if (config.metricsPort() >= 0) {
            metrics = new RuntimeMetrics(vertx, config.name(), tasks);
            try {
                metrics.listen(config.bindAddress(), config.metricsPort()).await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                metrics.close();
                throw new IllegalStateException("runtime " + config.name() + " cannot serve its metrics on "
                        + config.bindAddress() + ":" + config.metricsPort() + ": " + e.getMessage(), e);
            }
            log.info("Runtime {} serves its metrics on http://{}:{}/metrics", config.name(), config.bindAddress(), metrics.port());
        }
        heartbeatTimer = vertx.setPeriodic(config.heartbeatInterval().toMillis(), id -> heartbeat());
        connect();
    }

    /**
     * @return true once the scheduler has welcomed this runtime and its services are ready
     * @throws IllegalStateException if the scheduler refused this runtime
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!welcomed.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
        }
        try {
            services.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("runtime " + config.name() + " cannot work: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /** @return the reason the scheduler refused this runtime, or {@code null} */
    public String refusal() {
        return refusal;
    }

    /** @return the port of {@code GET /metrics}, or -1 when the runtime serves none */
    public int metricsPort() {
        return metrics == null ? -1 : metrics.port();
    }

    public long tasksCompleted() {
        return tasks.completed();
    }

    public long tasksFailed() {
        return tasks.failed();
    }

    public int lingeringAttempts() {
        return tasks.lingering().size();
    }

    /** @return the id the scheduler gave this runtime on its current connection, or {@code null} */
    public String runtimeId() {
        return runtimeId;
    }

    private void connect() {
        if (closing) {
            return;
        }
        URI target = config.schedulers().get(endpoint);
        endpoint = (endpoint + 1) % config.schedulers().size();
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setHost(target.getHost())
                .setPort(target.getPort())
                .setURI(target.getRawPath() == null || target.getRawPath().isEmpty() ? "/runtime" : target.getRawPath());
        if (!config.secret().isEmpty()) {
            options.addHeader("X-Sluice-Secret", config.secret());
        }
        // A stopped scheduler's kernel still accepts the TCP connection, and the handshake then
        // hangs: give up on it after the silence timeout and try the next endpoint.
        AtomicBoolean settled = new AtomicBoolean();
        long watchdog = vertx.setTimer(config.silenceTimeout().toMillis(), id -> {
            if (settled.compareAndSet(false, true)) {
                log.warn("Runtime {}: no handshake from {} within {} ms; trying the next scheduler", config.name(), target,
                        config.silenceTimeout().toMillis());
                scheduleReconnect();
            }
        });
        client.connect(options).onComplete(ar -> {
            vertx.cancelTimer(watchdog);
            if (!settled.compareAndSet(false, true)) {
                if (ar.succeeded()) {
                    ar.result().close(); // too late: the runtime has moved on
                }
                return;
            }
            if (ar.failed()) {
                if (ar.cause() instanceof io.vertx.core.http.UpgradeRejectedException rejected && rejected.getStatus() == 401) {
                    refusedBy(target);
                } else {
                    log.debug("Runtime {} cannot reach {}: {}", config.name(), target, ar.cause().toString());
                }
                scheduleReconnect();
                return;
            }
            WebSocket ws = ar.result();
            if (closing) {
                ws.close();
                return;
            }
            socket = ws;
            connectedTo = target;
            lastHeard = System.nanoTime();
            ws.binaryMessageHandler(this::received);
            ws.pongHandler(pong -> lastHeard = System.nanoTime());
            ws.closeHandler(v -> disconnected(ws));
            ws.exceptionHandler(e -> log.debug("Runtime {} socket error: {}", config.name(), e.toString()));
            ws.writeBinaryMessage(Buffer.buffer(WireCodec.encode(new Hello(WireMessage.PROTOCOL, config.name(), config.slots()))));
        });
    }

    private void received(Buffer frame) {
        lastHeard = System.nanoTime();
        WireMessage message;
        try {
            message = WireCodec.decode(frame.getBytes());
        } catch (MalformedDataException e) {
            log.error("Runtime {} got an unreadable message from the scheduler: {}", config.name(), e.getMessage());
            return;
        }
        if (message instanceof RunTask m) {
            tasks.run(m);
        } else if (message instanceof CancelTask m) {
            tasks.cancel(m.attempt());
        } else if (message instanceof Welcome m) {
            welcome(m);
        } else if (message instanceof Refused m) {
            refusal = m.reason();
            log.error("Scheduler refused runtime {}: {}", config.name(), m.reason());
        } else {
            log.warn("Runtime {} ignores unexpected {}", config.name(), message.getClass().getSimpleName());
        }
    }

    private void welcome(Welcome welcome) {
        runtimeId = welcome.runtimeId();
        reconnectDelayMs = config.reconnectDelay().toMillis();
        log.info("Runtime {} connected to {} as {} with {} slot(s)", config.name(), connectedTo,
                welcome.runtimeId(), config.slots());
        if (preparing.compareAndSet(false, true)) {
            // Joining the cluster and creating a producer block: not on the event loop.
            Thread starter = new Thread(() -> prepare(welcome), "sluice-runtime-start-" + config.name());
            starter.setDaemon(true);
            starter.start();
        } else if (services.isDone() && !services.isCompletedExceptionally()) {
            send(new Ready(config.slots())); // a new link to a scheduler that already knows us as able
        }
        welcomed.countDown();
    }

    private void prepare(Welcome welcome) {
        try {
            KafkaSink newSink;
            TransactionalSink newTransactions;
            synchronized (this) {
                if (closing) {
                    return;
                }
                sink = newSink = new KafkaSink(welcome.kafkaBootstrap(), "sluice-runtime-" + config.name());
                transactions = newTransactions = new TransactionalSink(welcome.kafkaBootstrap(), config.name());
            }
            SluiceNode node = sharedNode;
            if (node == null) {
                if (welcome.clusterName().isEmpty()) {
                    throw new IllegalStateException("the scheduler keeps its batches in a local store, which a runtime in "
                            + "another process cannot read; start the scheduler clustered (with a cluster name and hosts)");
                }
                node = join(welcome);
                if (node == null) {
                    return;
                }
            }
            services.complete(new Services(node.batchStore(), node.registry(), newSink, newTransactions,
                    new StateStore(welcome.kafkaBootstrap(), config.name()), node.tables()));
            log.info("Runtime {} is ready: offering {} slot(s)", config.name(), config.slots());
            send(new Ready(config.slots()));
        } catch (RuntimeException e) {
            log.error("Runtime {} cannot start: {}", config.name(), e.getMessage());
            services.completeExceptionally(e);
        }
    }

    /**
     * Joins the scheduler's data grid as a zero-capacity member, giving each try {@link #JOIN_DEADLINE}:
     * a member that joins while others do can stay parked in Infinispan's state transfer for a long
     * time. A try that misses the deadline is cancelled, so its member leaves the grid, and another
     * starts on a new port, after a pause. Until a try succeeds the runtime offers no slots.
     *
     * @return the node, or null if the runtime closed meanwhile
     */
    private SluiceNode join(Welcome welcome) {
        for (int attempt = 1; ; attempt++) {
            ClusterSettings settings = ClusterSettings.member(welcome.clusterName(), config.bindAddress(),
                    freePort(config.bindAddress()), welcome.clusterHosts()).withSecret(config.secret());
            CompletableFuture<SluiceNode> joining = SluiceNode.joining(settings, "sluice-runtime-join-" + config.name());
            SluiceNode node;
            try {
                node = joining.get(JOIN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                log.warn("Runtime {} could not join the data grid {} within {} s (try {}); it offers no slots, "
                        + "abandons that try and starts another", config.name(), welcome.clusterHosts(),
                        JOIN_DEADLINE.toSeconds(), attempt);
                joining.cancel(false);
                if (!pause(JOIN_RETRY)) {
                    return null;
                }
                continue;
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                joining.cancel(false);
                return null;
            }
            synchronized (this) {
                if (closing) {
                    node.close();
                    return null;
                }
                ownNode = node;
            }
            return node;
        }
    }

    private boolean pause(Duration pause) {
        try {
            Thread.sleep(pause.toMillis()); // on the runtime's start thread, which waits for nothing else
            return !closing;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void send(WireMessage message) {
        WebSocket ws = socket;
        if (ws == null || ws.isClosed()) {
            return; // the scheduler has given up on this connection's attempts already
        }
        Buffer frame = Buffer.buffer(WireCodec.encode(message));
        vertx.runOnContext(v -> ws.writeBinaryMessage(frame));
    }

    /** On the event loop: tell the scheduler what runs here, ping it, and give up on it if it is silent. */
    private void heartbeat() {
        WebSocket ws = socket;
        if (ws == null || ws.isClosed()) {
            return;
        }
        long silentMs = (System.nanoTime() - lastHeard) / 1_000_000;
        if (silentMs > config.silenceTimeout().toMillis()) {
            log.warn("Runtime {}: the scheduler at {} has been silent for {} ms ({}); dropping the link", config.name(),
                    connectedTo, silentMs, runtimeId == null ? "no welcome after hello" : "no pong");
            disconnected(ws);
            ws.close();
            return;
        }
        if (runtimeId != null) {
            ws.writeBinaryMessage(Buffer.buffer(WireCodec.encode(
                    new Heartbeat(tasks.running(), tasks.inFunction(), tasks.lingering()))));
        }
        ws.writePing(Buffer.buffer(new byte[] {1}));
    }

    private void disconnected(WebSocket ws) {
        if (socket != ws) {
            return;
        }
        socket = null;
        runtimeId = null;
        tasks.cancelAll();
        if (!closing) {
            log.warn("Runtime {} lost its scheduler at {}; reconnecting", config.name(), connectedTo);
            scheduleReconnect();
        }
    }

    private long lastRefusal;

    /** The scheduler refused this runtime's secret: said once a minute, as it keeps trying (a secret may be rotated). */
    private void refusedBy(URI target) {
        long now = System.nanoTime();
        if (lastRefusal == 0 || now - lastRefusal > java.util.concurrent.TimeUnit.MINUTES.toNanos(1)) {
            lastRefusal = now;
            log.error("Runtime {}: the scheduler at {} refused it: {} secret. Give the scheduler's runtime secret with"
                    + " --secret or SLUICE_SECRET", config.name(), target, config.secret().isEmpty() ? "no" : "a wrong");
        }
    }

    private void scheduleReconnect() {
        if (closing) {
            return;
        }
        long delay = reconnectDelayMs;
        reconnectDelayMs = Math.min(reconnectDelayMs * 2, config.reconnectDelay().toMillis() * 10);
        vertx.setTimer(delay, id -> connect());
    }

    @Override
    public void close() {
        closing = true;
        vertx.cancelTimer(heartbeatTimer);
        WebSocket ws = socket;
        socket = null;
        if (ws != null) {
            ws.close();
        }
        tasks.close();
        client.close();
        if (metrics != null) {
            metrics.close();
        }
        synchronized (this) {
            if (transactions != null) {
                transactions.close();
            }
            if (sink != null) {
                sink.close();
            }
            if (ownNode != null) {
                ownNode.close();
            }
        }
    }

    private static int freePort(String address) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + address, e);
        }
    }
}
