package io.sluice.scheduler.it;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * Deterministic keyed text input for word-count tests, and the exact word counts it must produce.
 */
final class WordCorpus {

    private static final String[] WORDS = {
        "stream", "batch", "kafka", "sluice", "runtime", "task", "offset", "commit", "block", "slice",
        "river", "water", "gate", "flow", "lock", "canal", "barge", "weir", "mill", "pond",
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"};

    private final Random random;
    private final Map<String, Long> expected = new HashMap<>();
    private long produced;

    WordCorpus(long seed) {
        this.random = new Random(seed);
    }

    /** Produces {@code count} keyed lines of 3-9 words and adds their words to the expected counts. */
    void produce(String bootstrap, String topic, int count) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "key-" + (produced % 997), line()));
                produced++;
            }
            producer.flush();
        }
    }

    private String line() {
        int n = 3 + random.nextInt(7);
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < n; w++) {
            String word = WORDS[random.nextInt(WORDS.length)];
            expected.merge(word, 1L, Long::sum);
            sb.append(w == 0 ? "" : random.nextBoolean() ? " " : ", ").append(random.nextBoolean() ? word : word.toUpperCase());
        }
        return sb.append('.').toString();
    }

    /** Counts the words of lines as the word-count example does: runs of letters and digits, lower-cased. */
    static Map<String, Long> count(Iterable<String> lines) {
        Map<String, Long> counts = new HashMap<>();
        for (String line : lines) {
            for (String word : line.split("[^\\p{L}\\p{Nd}]+")) {
                if (!word.isEmpty()) {
                    counts.merge(word.toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
                }
            }
        }
        return counts;
    }

    /** @return how often each word (lower-cased) occurs in everything produced so far */
    Map<String, Long> expectedCounts() {
        return Map.copyOf(expected);
    }

    long totalWords() {
        return expected.values().stream().mapToLong(Long::longValue).sum();
    }

    long produced() {
        return produced;
    }
}
