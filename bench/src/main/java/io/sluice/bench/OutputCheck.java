package io.sluice.bench;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads a contender's output with {@code read_committed} as it comes and knows when it is complete
 * and right: for G, every needle line once and nothing else; for W, per word, counts that add up to
 * the input's. Kafka Streams updates a window's count in place, so for it the last value of each
 * {@code word@window} key counts; Sluice writes one count per word per batch, which add up.
 */
final class OutputCheck implements AutoCloseable {

    enum Kind { GREP, COUNTS_PER_BATCH, COUNTS_PER_WINDOW }

    private final Kind kind;
    private final Workload.Expected expected;
    private final KafkaConsumer<String, String> consumer;
    private long records;
    private long wrong;
    private final Map<String, Long> sums = new HashMap<>();
    private final Map<String, Long> lastByWindow = new HashMap<>();
    private int wordsRight;

    OutputCheck(String bootstrap, String topic, Kind kind, Workload.Expected expected) {
        this.kind = kind;
        this.expected = expected;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "bench-check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
        consumer.subscribe(List.of(topic));
    }

    /**
     * Reads until the output is complete, {@code timeout} passes, or the contender dies.
     *
     * @return when it became complete, by {@link System#nanoTime()}, or -1
     */
    long awaitComplete(Duration timeout, JobProcess contender) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && contender.alive()) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                take(r);
            }
            if (complete()) {
                return System.nanoTime();
            }
        }
        return -1;
    }

    /** Reads a second more, so that a duplicate written after completion is counted too. */
    void linger() {
        long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < until) {
            consumer.poll(Duration.ofMillis(100)).forEach(this::take);
        }
    }

    private void take(ConsumerRecord<String, String> r) {
        records++;
        switch (kind) {
            case GREP -> wrong += r.value() != null && Workload.hasNeedle(r.value()) ? 0 : 1;
            case COUNTS_PER_BATCH -> add(r.key(), Long.parseLong(r.value()));
            case COUNTS_PER_WINDOW -> {
                String word = r.key().substring(0, r.key().lastIndexOf('@'));
                long count = Long.parseLong(r.value());
                Long before = lastByWindow.put(r.key(), count);
                add(word, count - (before == null ? 0 : before));
            }
            default -> throw new IllegalStateException();
        }
    }

    private void add(String word, long delta) {
        Long want = expected.wordTotals().get(word);
        if (want == null) {
            wrong++;
            return;
        }
        long before = sums.getOrDefault(word, 0L);
        long after = before + delta;
        sums.put(word, after);
        wordsRight += (after == want ? 1 : 0) - (before == want ? 1 : 0);
    }

    boolean complete() {
        return kind == Kind.GREP ? records >= expected.needles() : wordsRight == expected.wordTotals().size();
    }

    /** @return whether the output is exactly right: complete, nothing wrong, no word over its count, no line twice */
    boolean valid() {
        if (kind == Kind.GREP) {
            return wrong == 0 && records == expected.needles();
        }
        return wrong == 0 && complete();
    }

    String describe() {
        return kind == Kind.GREP ? records + " of " + expected.needles() + " needle lines, " + wrong + " wrong"
                : wordsRight + " of " + expected.wordTotals().size() + " words right, " + records + " records, " + wrong + " unknown words";
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
