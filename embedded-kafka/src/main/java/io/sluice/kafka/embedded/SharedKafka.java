package io.sluice.kafka.embedded;

/**
 * One embedded broker per JVM, started on first use and stopped when the JVM exits.
 *
 * <p>Integration tests of a module share it instead of paying a broker start per test class; each
 * test uses its own topics and consumer groups, so they do not see each other's data.
 */
public final class SharedKafka {

    private static EmbeddedKafkaBroker broker;

    private SharedKafka() {
    }

    /** @return the running shared broker, started if this is the first call */
    public static synchronized EmbeddedKafkaBroker broker() {
        if (broker == null) {
            EmbeddedKafkaBroker started = EmbeddedKafkaBroker.create().start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "sluice-kafka-shutdown"));
            broker = started;
        }
        return broker;
    }
}
