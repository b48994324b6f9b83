package io.sluice.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.concurrent.CountDownLatch;

/**
 * A runtime in its own process:
 * {@code java io.sluice.runtime.RuntimeMain --scheduler ws://host:7070/runtime[,ws://standby:7070/runtime] [--slots N] [--name NAME] [--bind ADDRESS] [--metrics-port PORT]}.
 * It runs until killed; SIGTERM closes it cleanly. The {@code sluice runtime} command does the same.
 */
public final class RuntimeMain {

    private static final Logger log = LoggerFactory.getLogger(RuntimeMain.class);

    private RuntimeMain() {
    }

    public static void main(String[] args) throws Exception {
        RuntimeConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            log.error("{}; usage: RuntimeMain --scheduler ws://host:port/runtime [--slots N] [--name NAME] [--bind ADDRESS] [--metrics-port PORT]",
                    e.getMessage());
            System.exit(2);
            return;
        }
        FunctionRuntime runtime = FunctionRuntime.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runtime.close();
            stopped.countDown();
        }, "sluice-runtime-shutdown"));
        log.info("Runtime {} started with {} slot(s), scheduler {}", config.name(), config.slots(), config.schedulers());
        stopped.await();
    }

    static RuntimeConfig parse(String[] args) {
        String scheduler = null;
        String name = defaultName();
        String bind = "127.0.0.1";
        int slots = Runtime.getRuntime().availableProcessors();
        int metricsPort = -1;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            String value = args[++i];
            if ("--scheduler".equals(option)) {
                scheduler = value;
            } else if ("--slots".equals(option)) {
                try {
                    slots = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--slots must be a number, was '" + value + "'");
                }
            } else if ("--name".equals(option)) {
                name = value;
            } else if ("--bind".equals(option)) {
                bind = value;
            } else if ("--metrics-port".equals(option)) {
                try {
                    metricsPort = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--metrics-port must be a number, was '" + value + "'");
                }
            } else {
                throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (scheduler == null) {
            throw new IllegalArgumentException("--scheduler is required");
        }
        return RuntimeConfig.of(scheduler, name, slots).withBindAddress(bind).withMetricsPort(metricsPort);
    }

    /** @return {@code host-pid}, unique enough to tell runtimes apart in status and logs */
    public static String defaultName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "runtime";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
