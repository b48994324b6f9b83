package io.sluice.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The standard workload of {@code BENCHMARKS.md}: {@code n} lines of 100 bytes, words {@code w0} to
 * {@code w9999} drawn uniformly with a fixed seed, the word {@link #NEEDLE} in 1.5 % of lines, null
 * keys. The same {@code n} always gives the same lines.
 */
final class Workload {

    static final String NEEDLE = "needle";
    static final int LINE_BYTES = 100;
    static final int VOCABULARY = 10_000;
    /** Lines in 1,000 that carry the needle. */
    static final int NEEDLES_PER_THOUSAND = 15;
    private static final long SEED = 20261206L;

    /** What a correct job writes for the workload. */
    record Expected(long lines, long needles, Map<String, Long> wordTotals) {
    }

    private Workload() {
    }

    /** Produces the {@code n} lines into {@code topic} and returns what the jobs must find in them. */
    static Expected produce(String bootstrap, String topic, long n) {
        Map<String, Long> totals = new HashMap<>();
        long needles = 0;
        Random random = new Random(SEED);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            for (long i = 0; i < n; i++) {
                String line = line(random);
                boolean[] needle = {false};
                words(line, w -> {
                    totals.merge(w, 1L, Long::sum);
                    needle[0] |= w.equals(NEEDLE);
                });
                needles += needle[0] ? 1 : 0;
                producer.send(new ProducerRecord<>(topic, null, line.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        return new Expected(n, needles, Map.copyOf(totals));
    }

    private static String line(Random random) {
        StringBuilder line = new StringBuilder(LINE_BYTES + 8);
        if (random.nextInt(1000) < NEEDLES_PER_THOUSAND) {
            line.append(NEEDLE).append(' ');
        }
        while (line.length() < LINE_BYTES - 6) {
            line.append('w').append(random.nextInt(VOCABULARY)).append(' ');
        }
        while (line.length() < LINE_BYTES) {
            line.append('.');
        }
        return line.toString();
    }

    /**
     * The words of a line as the word-count example splits them: runs of letters and digits, lower-cased.
     * Kafka Streams' job and the checks use this, so every job counts the same words.
     */
    static void words(String line, Consumer<String> each) {
        StringBuilder word = new StringBuilder(16);
        for (int i = 0, n = line.length(); i <= n; i++) {
            char c = i < n ? line.charAt(i) : ' ';
            if (Character.isLetterOrDigit(c)) {
                word.append(Character.toLowerCase(c));
            } else if (word.length() > 0) {
                each.accept(word.toString());
                word.setLength(0);
            }
        }
    }

    /** @return whether the line holds the needle as a word, as grep's {@code \bneedle\b} finds it */
    static boolean hasNeedle(String line) {
        return line.startsWith(NEEDLE + " ");
    }
}
