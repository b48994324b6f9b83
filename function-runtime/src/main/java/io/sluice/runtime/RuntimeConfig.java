package io.sluice.runtime;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How a function runtime connects and how much work it takes.
 *
 * @param schedulerUri      the scheduler's runtime endpoint, {@code ws://host:port/runtime}
 * @param name              this runtime's name, shown in status and given to functions as
 *                          {@code FunctionContext.runtimeId()}; unique names make logs readable
 * @param slots             how many tasks run at once; each is one thread
 * @param bindAddress       the address this runtime's cluster member listens on when it runs in its
 *                          own process (it joins the scheduler's Infinispan cluster to read blocks)
 * @param heartbeatInterval how often the runtime tells the scheduler it is alive and what it runs
 * @param reconnectDelay    the first pause before reconnecting after the scheduler went away;
 *                          doubles up to ten times this
 */
public record RuntimeConfig(URI schedulerUri, String name, int slots, String bindAddress,
                            Duration heartbeatInterval, Duration reconnectDelay) {

    public RuntimeConfig {
        Objects.requireNonNull(schedulerUri, "schedulerUri");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (!"ws".equals(schedulerUri.getScheme()) || schedulerUri.getHost() == null || schedulerUri.getPort() < 1) {
            throw new IllegalArgumentException("scheduler address must look like ws://host:port/runtime, was " + schedulerUri);
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("runtime name must not be blank");
        }
        if (slots < 1 || slots > 1024) {
            throw new IllegalArgumentException("slots must be 1..1024, was " + slots);
        }
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive");
        }
    }

    /**
     * @param schedulerUri the scheduler's runtime endpoint
     * @param name         this runtime's name
     * @param slots        how many tasks run at once
     * @return a configuration with 500 ms heartbeats, a 250 ms first reconnect pause and a cluster
     *     member on 127.0.0.1
     */
    public static RuntimeConfig of(String schedulerUri, String name, int slots) {
        return new RuntimeConfig(URI.create(schedulerUri), name, slots, "127.0.0.1", Duration.ofMillis(500),
                Duration.ofMillis(250));
    }

    /** @return the same configuration with another cluster bind address */
    public RuntimeConfig withBindAddress(String address) {
        return new RuntimeConfig(schedulerUri, name, slots, address, heartbeatInterval, reconnectDelay);
    }
}
