package io.sluice.cli;

import io.sluice.core.cluster.ClusterSettings;
import picocli.CommandLine.Option;

import java.util.List;

/** How a scheduler or gateway joins the Sluice data grid (JGroups over TCP, no multicast). */
final class ClusterOptions {

    @Option(names = "--cluster-name", defaultValue = "sluice", description = "Cluster name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--cluster-bind", defaultValue = "127.0.0.1:7800", paramLabel = "HOST:PORT",
            description = "Where this node listens for the cluster (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--cluster-hosts", split = ",", paramLabel = "HOST:PORT",
            description = "Members to contact when joining, comma-separated (default: this node only).")
    List<String> hosts;

    /**
     * @param secret what members prove to join the grid (the cluster's secret), or empty for none
     * @return the settings of a data-owning member
     */
    ClusterSettings settings(String secret) {
        HostPort self = HostPort.parse("--cluster-bind", bind);
        List<String> initial = hosts == null || hosts.isEmpty()
                ? List.of(self.jgroups())
                : hosts.stream().map(h -> HostPort.parse("--cluster-hosts", h).jgroups()).toList();
        return new ClusterSettings(name, self.host(), self.port(), initial, false, secret);
    }

    /** A {@code host:port} option value. */
    record HostPort(String host, int port) {

        static HostPort parse(String option, String text) {
            int colon = text.lastIndexOf(':');
            try {
                int port = Integer.parseInt(text.substring(colon + 1));
                if (colon < 1 || port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new HostPort(text.substring(0, colon), port);
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                throw CliException.usage(option + " '" + text + "' is not HOST:PORT like 127.0.0.1:7800");
            }
        }

        String jgroups() {
            return host + "[" + port + "]";
        }
    }
}
