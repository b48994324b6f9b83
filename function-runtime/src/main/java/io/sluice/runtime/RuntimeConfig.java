package io.sluice.runtime;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How a function runtime connects and how much work it takes.
 *
 * @param schedulers        the runtime endpoints of the active scheduler and its standbys,
 *                          {@code ws://host:port/runtime}; the runtime tries them in turn until
 *                          one welcomes it (a standby does not listen until it takes over)
 * @param name              this runtime's name, shown in status and given to functions as
 *                          {@code FunctionContext.runtimeId()}; unique names make logs readable
 * @param slots             how many tasks run at once; each is one thread
 * @param bindAddress       the address this runtime's cluster member listens on when it runs in its
 *                          own process (it joins the scheduler's Infinispan cluster to read blocks)
 * @param heartbeatInterval how often the runtime tells the scheduler it is alive and what it runs
 * @param reconnectDelay    the first pause before reconnecting after the scheduler went away;
 *                          doubles up to ten times this
 * @param silenceTimeout    how long the scheduler may stay silent (no pong to this runtime's
 *                          pings, no welcome after hello) before the runtime takes it for dead,
 *                          drops the link and tries the next endpoint; a paused or partitioned
 *                          scheduler keeps its socket open, so a closed socket alone is not enough
 * @param secret            what this runtime proves to the scheduler (the scheduler's runtime secret), or empty
 * @param metricsPort       the port of this runtime's {@code GET /metrics}, on {@code bindAddress};
 *                          0 for any free port, -1 for none (a runtime in the scheduler's JVM shares its metrics)
 */
public record RuntimeConfig(List<URI> schedulers, String name, int slots, String bindAddress,
                            Duration heartbeatInterval, Duration reconnectDelay, Duration silenceTimeout,
                            String secret, int metricsPort) {

    public RuntimeConfig {
        secret = secret == null ? "" : secret;
        schedulers = List.copyOf(schedulers);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (schedulers.isEmpty()) {
            throw new IllegalArgumentException("at least one scheduler address is needed");
        }
        for (URI uri : schedulers) {
            if (!"ws".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 1) {
                throw new IllegalArgumentException("scheduler address must look like ws://host:port/runtime, was " + uri);
            }
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("runtime name must not be blank");
        }
        if (metricsPort < -1 || metricsPort > 65535) {
            throw new IllegalArgumentException("metrics port must be 0..65535, or -1 for none, was " + metricsPort);
        }
        if (slots < 1 || slots > 1024) {
            throw new IllegalArgumentException("slots must be 1..1024, was " + slots);
        }
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive");
        }
        if (silenceTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("silence timeout must be at least two heartbeat intervals, was "
                    + silenceTimeout.toMillis() + " ms");
        }
    }

    /**
     * @param schedulers the scheduler's runtime endpoint, or several separated by commas (the
     *                   active scheduler and its standbys, in any order)
     * @param name       this runtime's name
     * @param slots      how many tasks run at once
     * @return a configuration with 500 ms heartbeats, a 250 ms first reconnect pause, a 3 s silence
     *     timeout and a cluster member on 127.0.0.1
     * @throws IllegalArgumentException if an address is not a {@code ws://host:port/path} URI
     */
    public static RuntimeConfig of(String schedulers, String name, int slots) {
        List<URI> uris;
        try {
            uris = Arrays.stream(schedulers.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(URI::create).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scheduler address is not a URI: " + e.getMessage(), e);
        }
        return new RuntimeConfig(uris, name, slots, "127.0.0.1", Duration.ofMillis(500), Duration.ofMillis(250),
                Duration.ofSeconds(3), "", -1);
    }

    /** @return the same configuration, proving {@code newSecret} to the scheduler when it connects */
    public RuntimeConfig withSecret(String newSecret) {
        return new RuntimeConfig(schedulers, name, slots, bindAddress, heartbeatInterval, reconnectDelay, silenceTimeout,
                newSecret, metricsPort);
    }

    /** @return the same configuration with another cluster bind address */
    public RuntimeConfig withBindAddress(String address) {
        return new RuntimeConfig(schedulers, name, slots, address, heartbeatInterval, reconnectDelay, silenceTimeout, secret,
                metricsPort);
    }

    /** @return the same configuration with another silence timeout */
    public RuntimeConfig withSilenceTimeout(Duration timeout) {
        return new RuntimeConfig(schedulers, name, slots, bindAddress, heartbeatInterval, reconnectDelay, timeout, secret,
                metricsPort);
    }

    /** @return the same configuration, serving {@code GET /metrics} on {@code port} (0: any free one; -1: none) */
    public RuntimeConfig withMetricsPort(int port) {
        return new RuntimeConfig(schedulers, name, slots, bindAddress, heartbeatInterval, reconnectDelay, silenceTimeout, secret,
                port);
    }
}
