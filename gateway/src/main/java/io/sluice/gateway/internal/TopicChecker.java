package io.sluice.gateway.internal;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Asks Kafka which topics exist. Blocking: call it from a worker thread. */
final class TopicChecker implements AutoCloseable {

    private final String bootstrap;
    private Admin admin;

    TopicChecker(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    /**
     * @return the topics among {@code topics} that do not exist, in the given order
     * @throws ApiException 503 if Kafka cannot be asked
     */
    synchronized List<String> missing(List<String> topics) {
        Set<String> existing;
        try {
            existing = admin().listTopics().names().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ApiException(503, "cannot reach Kafka at " + bootstrap + " to check the input topics: "
                    + (e.getCause() != null ? e.getCause() : e));
        }
        return topics.stream().filter(t -> !existing.contains(t)).toList();
    }

    /** Deletes topics, quietly: a query's leftovers, which nothing else reads. */
    synchronized void delete(List<String> topics) {
        try {
            admin().deleteTopics(topics).all().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a topic that is missing or cannot be deleted now is left for retention
        }
    }

    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
