package io.sluice.core.cluster;

import java.util.List;
import java.util.Objects;

/**
 * How a node joins the Sluice Infinispan cluster: JGroups over TCP, members found by TCPPING from a
 * fixed list of hosts, no multicast.
 *
 * @param clusterName the cluster name; nodes with other names never see each other
 * @param bindAddress the address this node listens on, e.g. {@code 127.0.0.1}
 * @param bindPort the TCP port this node listens on
 * @param initialHosts {@code host[port]} entries of members to contact when joining (may include this node)
 * @param zeroCapacity true for nodes that own no data (runtimes): their coming and going moves no data
 * @param secret what members must prove to join (JGroups {@code AUTH}, see {@link SecretToken}), or empty for none
 */
public record ClusterSettings(String clusterName, String bindAddress, int bindPort, List<String> initialHosts,
                              boolean zeroCapacity, String secret) {

    /** Settings of a grid without a secret. */
    public ClusterSettings(String clusterName, String bindAddress, int bindPort, List<String> initialHosts,
                           boolean zeroCapacity) {
        this(clusterName, bindAddress, bindPort, initialHosts, zeroCapacity, "");
    }

    public ClusterSettings {
        secret = secret == null ? "" : secret;
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(bindAddress, "bindAddress");
        initialHosts = List.copyOf(initialHosts);
        if (bindPort < 1 || bindPort > 65535) {
            throw new IllegalArgumentException("cluster bind port must be 1..65535, was " + bindPort);
        }
        if (initialHosts.isEmpty()) {
            throw new IllegalArgumentException("at least one initial host is needed to join a cluster");
        }
    }

    /** @return the {@code host[port]} entry of this node */
    public String self() {
        return bindAddress + "[" + bindPort + "]";
    }

    /** @return the same settings, proving {@code newSecret} to join (empty: none) */
    public ClusterSettings withSecret(String newSecret) {
        return new ClusterSettings(clusterName, bindAddress, bindPort, initialHosts, zeroCapacity, newSecret);
    }

    /** @return the same settings as a zero-capacity member joining through {@code hosts} on its own port */
    public static ClusterSettings member(String clusterName, String bindAddress, int bindPort, List<String> hosts) {
        return new ClusterSettings(clusterName, bindAddress, bindPort, hosts, true);
    }

    /**
     * The JGroups stack: TCP + TCPPING with failure detection tuned for loopback and small clusters.
     * Every socket binds to the cluster address, FD_SOCK2's too (at the cluster port + 100), and the
     * diagnostics' probe sockets (UDP multicast 224.0.75.75:7500) stay closed. With a secret,
     * {@code AUTH} (directly below {@code GMS}) refuses a join from a member that does not prove it.
     */
    String jgroupsXml() {
        String auth = secret.isEmpty() ? "" : "<AUTH auth_class=\"" + SecretToken.class.getName() + "\" auth_token.auth_value=\""
                + SecretToken.proof(clusterName, secret) + "\"/>";
        return """
                <config xmlns="urn:org:jgroups">
                  <TCP bind_addr="%1$s" bind_port="%2$d" port_range="0"
                       recv_buf_size="4M" send_buf_size="1M" sock_conn_timeout="300ms"
                       diag.enabled="false"/>
                  <TCPPING initial_hosts="%3$s" port_range="0"/>
                  <MERGE3 min_interval="2000" max_interval="5000"/>
                  <FD_SOCK2 bind_addr="%1$s"/>
                  <FD_ALL3 timeout="3000" interval="1000"/>
                  <VERIFY_SUSPECT2 timeout="500"/>
                  <pbcast.NAKACK2 use_mcast_xmit="false"/>
                  <UNICAST3/>
                  <pbcast.STABLE desired_avg_gossip="5000" max_bytes="4M"/>
                  %4$s
                  <pbcast.GMS print_local_addr="false" join_timeout="1000"/>
                  <UFC max_credits="4M" min_threshold="0.40"/>
                  <MFC max_credits="4M" min_threshold="0.40"/>
                  <FRAG4 frag_size="60000"/>
                </config>
                """.formatted(bindAddress, bindPort, String.join(",", initialHosts), auth);
    }
}
