package io.sluice.bench;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Properties;

/**
 * Kafka Streams as {@link LatencyBench}'s peer: a pass-through topology, input to output
 * unchanged, with {@code exactly_once_v2} and {@code commit.interval.ms}, in the bench's JVM like
 * the raw loops, so that every run of the latency table shares the same producer and reader.
 */
final class StreamsLoop implements AutoCloseable {

    private final KafkaStreams streams;

    StreamsLoop(String bootstrap, String input, String output, Duration commitInterval, int threads) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-latency-streams-" + output);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, (int) commitInterval.toMillis());
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        config.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        try {
            config.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("bench-latency-streams-").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        streams = new KafkaStreams(builder.build(), config);
        streams.start();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(10));
    }
}
