package io.sluice.bench;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.wire.WireCodec;
import io.sluice.core.wire.WireMessage;
import io.sluice.core.wire.WireMessage.CancelTask;
import io.sluice.core.wire.WireMessage.RunTask;
import io.sluice.core.wire.WireMessage.TaskDone;
import io.sluice.core.wire.WireMessage.TaskFailed;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket relay between runtimes and the scheduler that passes every frame on unchanged and
 * notes what the frames say about each attempt: when its {@link RunTask} went out, whether its
 * transactional id had moved to another runtime (so the runtime must initialise a new producer), and
 * the read, run and write times its {@link TaskDone} reports. That is the runtime side of where a
 * batch's time goes, which the scheduler's progress API does not expose. It adds one loopback hop
 * per message, well under a millisecond.
 */
final class WireTap implements AutoCloseable {

    /**
     * One attempt that finished.
     *
     * @param moved     whether its transactional id came from another runtime, or was new
     * @param roundTrip from RunTask sent to TaskDone received, ms
     * @param read      reading the block (and the commit marker, for a retry), ms
     * @param run       the function, ms
     * @param write     producer set-up if needed, the transaction and its commit, ms
     */
    record Timing(TaskAttempt attempt, boolean moved, double roundTrip, double read, double run, double write) {
    }

    private final Vertx vertx;
    private final URI scheduler;
    private final WebSocketClient client;
    private HttpServer server;
    private final Map<TaskAttempt, long[]> dispatched = new ConcurrentHashMap<>();
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();
    private final List<Timing> timings = new ArrayList<>();
    private final Map<String, Integer> failures = new TreeMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private int cancels;

    WireTap(Vertx vertx, String schedulerUri) throws Exception {
        this.vertx = vertx;
        this.scheduler = URI.create(schedulerUri);
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(16 * 1024 * 1024));
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                        .setMaxWebSocketMessageSize(16 * 1024 * 1024))
                .webSocketHandler(this::connected)
                .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** @return the URI to give runtimes instead of the scheduler's */
    String uri() {
        return "ws://127.0.0.1:" + server.actualPort() + scheduler.getRawPath();
    }

    private void connected(ServerWebSocket runtime) {
        String connection = "c" + connections.incrementAndGet();
        runtime.pause();
        client.connect(new WebSocketConnectOptions().setHost(scheduler.getHost()).setPort(scheduler.getPort())
                .setURI(scheduler.getRawPath())).onComplete(ar -> {
            if (ar.failed()) {
                runtime.close((short) 1011, "relay cannot reach the scheduler");
                return;
            }
            WebSocket upstream = ar.result();
            runtime.binaryMessageHandler(frame -> {
                fromRuntime(frame);
                upstream.writeBinaryMessage(frame);
            });
            upstream.binaryMessageHandler(frame -> {
                fromScheduler(frame, connection);
                runtime.writeBinaryMessage(frame);
            });
            runtime.closeHandler(v -> upstream.close(statusOf(runtime.closeStatusCode())));
            upstream.closeHandler(v -> runtime.close(statusOf(upstream.closeStatusCode())));
            runtime.resume();
        });
    }

    private static short statusOf(Short code) {
        return code == null ? 1011 : code;
    }

    private void fromScheduler(Buffer frame, String runtime) {
        WireMessage m = WireCodec.decode(frame.getBytes());
        if (m instanceof RunTask run) {
            boolean moved = false;
            if (run.exactlyOnce()) {
                Long before = epochs.put(run.transactionalId() + "@" + runtime, run.producerEpoch());
                moved = before == null || before != run.producerEpoch();
            }
            dispatched.put(run.attempt(), new long[] {System.nanoTime(), moved ? 1 : 0});
        } else if (m instanceof CancelTask) {
            synchronized (this) {
                cancels++;
            }
        }
    }

    private void fromRuntime(Buffer frame) {
        WireMessage m = WireCodec.decode(frame.getBytes());
        if (m instanceof TaskDone done) {
            long[] sent = dispatched.remove(done.attempt());
            if (sent != null) {
                Timing t = new Timing(done.attempt(), sent[1] == 1, (System.nanoTime() - sent[0]) / 1e6,
                        done.readNanos() / 1e6, done.runNanos() / 1e6, done.writeNanos() / 1e6);
                synchronized (this) {
                    timings.add(t);
                }
            }
        } else if (m instanceof TaskFailed failed) {
            dispatched.remove(failed.attempt());
            String what = failed.kind() + " " + failed.errorClass().substring(failed.errorClass().lastIndexOf('.') + 1)
                    + ": " + abbreviate(failed.message());
            synchronized (this) {
                failures.merge(what, 1, Integer::sum);
            }
        }
    }

    private static String abbreviate(String message) {
        if (message == null) {
            return "";
        }
        String m = message.replaceAll("sluice\\.[^ ]+", "<id>").replaceAll("\\d{6,}", "<n>");
        return m.length() > 100 ? m.substring(0, 100) + "..." : m;
    }

    /** @return the finished attempts of tasks whose batch time is in {@code [from, until)} */
    synchronized List<Timing> timings(long from, long until) {
        return timings.stream().filter(t -> t.attempt().task().batchTime() >= from && t.attempt().task().batchTime() < until)
                .toList();
    }

    /** @return failed attempts so far, by kind, error class and abbreviated message */
    synchronized Map<String, Integer> failures() {
        return new TreeMap<>(failures);
    }

    /** @return CancelTask messages the scheduler sent so far */
    synchronized int cancels() {
        return cancels;
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        client.close();
    }
}
