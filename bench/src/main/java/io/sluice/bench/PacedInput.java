package io.sluice.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Input at a fixed rate whose values carry their sequence number and their send time: bytes 0-7
 * the sequence, 8-15 {@link System#nanoTime()} just before {@code send}, then filler up to
 * {@value #VALUE_BYTES} bytes. Sequences from 0 are measured; negative ones only prime the path.
 * The send time of every measured record is kept, so one that never arrives still has a known
 * lower bound on its latency.
 */
final class PacedInput implements AutoCloseable {

    static final int VALUE_BYTES = 100;
    private static final int KEYS = 1000;

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final long[] sentAt;
    private volatile long sent;
    private volatile boolean stopped;
    private double achievedRate;

    /** @param capacity how many measured records this input may send in all */
    PacedInput(String bootstrap, String topic, long capacity) {
        this.topic = topic;
        this.sentAt = new long[Math.toIntExact(capacity)];
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    /** Sends {@code count} records with negative sequences, to be seen at the far end before measuring starts. */
    void prime(int count) {
        for (int i = 1; i <= count; i++) {
            send(-i);
        }
        producer.flush();
    }

    /**
     * Sends records with sequences from 0 at {@code perSecond} for {@code duration} or until
     * {@link #stop()}, on this thread; the send times are spread evenly (checked every half
     * millisecond), not sent in bursts.
     */
    void run(int perSecond, Duration duration) {
        long total = Math.min(sentAt.length, perSecond * duration.toMillis() / 1000);
        long start = System.nanoTime();
        while (sent < total && !stopped) {
            long due = Math.min(total, (System.nanoTime() - start) * perSecond / 1_000_000_000L + 1);
            while (sent < due) {
                sentAt[(int) sent] = send(sent);
                sent++;
            }
            LockSupport.parkNanos(500_000);
        }
        producer.flush();
        achievedRate = sent / ((System.nanoTime() - start) / 1e9);
    }

    /** Ends a {@link #run} on another thread early. */
    void stop() {
        stopped = true;
    }

    private long send(long sequence) {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, 16, VALUE_BYTES, (byte) 'x');
        long now = System.nanoTime();
        ByteBuffer.wrap(value).putLong(sequence).putLong(now);
        byte[] key = ("k" + Math.floorMod(sequence, KEYS)).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, key, value));
        return now;
    }

    /** @return how many measured records were sent */
    long sent() {
        return sent;
    }

    /** @return the send time of measured record {@code sequence}, {@link System#nanoTime()} */
    long sentAt(long sequence) {
        return sentAt[(int) sequence];
    }

    /** @return records per second actually sent by the last {@link #run} */
    double achievedRate() {
        return achievedRate;
    }

    static long sequenceOf(byte[] value) {
        return ByteBuffer.wrap(value).getLong(0);
    }

    static long sentAtOf(byte[] value) {
        return ByteBuffer.wrap(value).getLong(8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
