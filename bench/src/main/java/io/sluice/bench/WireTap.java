package io.sluice.bench;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.wire.WireCodec;
import io.sluice.core.wire.WireMessage;
import io.sluice.core.wire.WireMessage.CancelTask;
import io.sluice.core.wire.WireMessage.Hello;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket relay between runtimes and the scheduler that passes every frame on unchanged and
 * notes what the frames say about each attempt: which runtime got its {@link RunTask} and when,
 * whether its transactional id had moved to that runtime (so it must initialise a new producer),
 * and the read, run and write times its {@link TaskDone} reports. That is the runtime side of where
 * a batch's time goes, which the scheduler's progress API does not expose. It adds one loopback hop
 * per message, well under a millisecond; a runtime's connection closing (a SIGKILL closes it at once)
 * closes its upstream connection the same moment, so the scheduler sees what it would see directly.
 */
final class WireTap implements AutoCloseable {

    /**
     * One attempt as dispatched.
     *
     * @param runtime   the name the runtime gave in its Hello
     * @param sentNanos when its RunTask passed the relay, {@link System#nanoTime()}
     * @param moved     whether its transactional id came from another runtime, or was new there
     */
    record Dispatch(TaskAttempt attempt, String runtime, long sentNanos, boolean moved, boolean checkMarker) {
    }

    /**
     * One attempt that finished.
     *
     * @param doneNanos when its TaskDone passed the relay
     * @param read      reading the block (and the commit marker, for a retry), ms
     * @param run       the function, ms
     * @param write     producer set-up if needed, the transaction and its commit, ms
     */
    record Timing(Dispatch dispatch, long doneNanos, double read, double run, double write) {
        TaskAttempt attempt() {
            return dispatch.attempt();
        }

        boolean moved() {
            return dispatch.moved();
        }

        /** @return from RunTask sent to TaskDone received, ms */
        double roundTrip() {
            return (doneNanos - dispatch.sentNanos()) / 1e6;
        }
    }

    private final URI scheduler;
    private final WebSocketClient client;
    private final HttpServer server;
    private final Map<TaskAttempt, Dispatch> inFlight = new HashMap<>();
    private final List<Dispatch> dispatches = new ArrayList<>();
    private final Map<String, Long> epochs = new HashMap<>();
    private final List<Timing> timings = new ArrayList<>();
    private final Map<String, Integer> failures = new TreeMap<>();
    private int connections;
    private int cancels;

    WireTap(Vertx vertx, String schedulerUri) throws Exception {
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

    /** One runtime's pair of connections; the name is known from its Hello on. */
    private final class Link {
        volatile String runtime;

        Link(int n) {
            runtime = "connection-" + n;
        }
    }

    private void connected(ServerWebSocket runtime) {
        Link link;
        synchronized (this) {
            link = new Link(++connections);
        }
        runtime.pause();
        client.connect(new WebSocketConnectOptions().setHost(scheduler.getHost()).setPort(scheduler.getPort())
                .setURI(scheduler.getRawPath())).onComplete(ar -> {
            if (ar.failed()) {
                runtime.close((short) 1011, "relay cannot reach the scheduler");
                return;
            }
            WebSocket upstream = ar.result();
            runtime.binaryMessageHandler(frame -> {
                fromRuntime(frame, link);
                upstream.writeBinaryMessage(frame);
            });
            upstream.binaryMessageHandler(frame -> {
                fromScheduler(frame, link);
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

    private synchronized void fromScheduler(Buffer frame, Link link) {
        WireMessage m = WireCodec.decode(frame.getBytes());
        if (m instanceof RunTask run) {
            boolean moved = false;
            if (run.exactlyOnce()) {
                Long before = epochs.put(run.transactionalId() + "@" + link.runtime, run.producerEpoch());
                moved = before == null || before != run.producerEpoch();
            }
            Dispatch d = new Dispatch(run.attempt(), link.runtime, System.nanoTime(), moved, run.checkMarker());
            inFlight.put(run.attempt(), d);
            dispatches.add(d);
        } else if (m instanceof CancelTask cancel) {
            inFlight.remove(cancel.attempt());
            cancels++;
        }
    }

    private synchronized void fromRuntime(Buffer frame, Link link) {
        WireMessage m = WireCodec.decode(frame.getBytes());
        if (m instanceof Hello hello) {
            link.runtime = hello.name();
        } else if (m instanceof TaskDone done) {
            Dispatch d = inFlight.remove(done.attempt());
            if (d != null) {
                timings.add(new Timing(d, System.nanoTime(), done.readNanos() / 1e6, done.runNanos() / 1e6,
                        done.writeNanos() / 1e6));
            }
        } else if (m instanceof TaskFailed failed) {
            inFlight.remove(failed.attempt());
            String what = failed.kind() + " " + failed.errorClass().substring(failed.errorClass().lastIndexOf('.') + 1)
                    + ": " + abbreviate(failed.message());
            failures.merge(what, 1, Integer::sum);
        }
    }

    private static String abbreviate(String message) {
        if (message == null) {
            return "";
        }
        String m = message.replaceAll("sluice\\.[^ ]+", "<id>").replaceAll("\\d{6,}", "<n>");
        return m.length() > 100 ? m.substring(0, 100) + "..." : m;
    }

    /** @return the attempts dispatched to {@code runtime} that have not finished, failed or been cancelled */
    synchronized List<Dispatch> inFlight(String runtime) {
        return inFlight.values().stream().filter(d -> d.runtime().equals(runtime)).toList();
    }

    /** @return every attempt dispatched so far, in order */
    synchronized List<Dispatch> dispatches() {
        return List.copyOf(dispatches);
    }

    /** @return the finished attempts of tasks whose batch time is in {@code [from, until)} */
    synchronized List<Timing> timings(long from, long until) {
        return timings.stream().filter(t -> t.attempt().task().batchTime() >= from && t.attempt().task().batchTime() < until)
                .toList();
    }

    /** @return the attempts that finished on {@code runtime}, oldest first */
    synchronized List<Timing> finishedOn(String runtime) {
        return timings.stream().filter(t -> t.dispatch().runtime().equals(runtime)).toList();
    }

    /** @return the first attempt of {@code task} to finish after {@code afterNanos} */
    synchronized java.util.Optional<Timing> firstDone(io.sluice.core.task.TaskId task, long afterNanos) {
        return timings.stream().filter(t -> t.attempt().task().equals(task) && t.doneNanos() > afterNanos).findFirst();
    }

    /** @return the finished attempt, if it finished */
    synchronized java.util.Optional<Timing> timing(TaskAttempt attempt) {
        return timings.stream().filter(t -> t.attempt().equals(attempt)).findFirst();
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
