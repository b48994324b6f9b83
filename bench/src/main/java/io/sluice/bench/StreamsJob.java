package io.sluice.bench;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * The Kafka Streams peer of {@link CompareBench}, run in its own JVM:
 * {@code StreamsJob BOOTSTRAP INPUT OUTPUT G|W exactly_once_v2|at_least_once COMMIT_MS THREADS}.
 * <ul>
 *   <li>G passes the lines that hold the needle through unchanged;</li>
 *   <li>W counts words per 1 s tumbling window of the records' timestamps, Kafka Streams' nearest
 *       form of a count per batch: each window's count is updated as records arrive (through its
 *       record cache), keyed {@code word@windowStart}. The grace is an hour, so that a preloaded
 *       backlog loses no record as late.</li>
 * </ul>
 * It runs until killed.
 */
public final class StreamsJob {

    private StreamsJob() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String input = args[1];
        String output = args[2];
        String job = args[3];
        String guarantee = args[4];
        int commitMs = Integer.parseInt(args[5]);
        int threads = Integer.parseInt(args[6]);

        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-streams-" + output);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitMs);
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        config.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("bench-streams-").toString());
        config.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], String> lines = builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.String()));
        if (job.equals("G")) {
            lines.filter((k, line) -> line != null && Workload.hasNeedle(line))
                    .to(output, Produced.with(Serdes.ByteArray(), Serdes.String()));
        } else {
            lines.flatMap((k, line) -> {
                        List<KeyValue<String, String>> words = new ArrayList<>();
                        if (line != null) {
                            Workload.words(line, w -> words.add(KeyValue.pair(w, w)));
                        }
                        return words;
                    })
                    .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                    // a backlog's records reach the repartitioned count out of timestamp order: without
                    // grace, the ones behind stream time would be dropped as late
                    .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(1), Duration.ofHours(1)))
                    .count()
                    .toStream((window, count) -> window.key() + "@" + window.window().start())
                    .mapValues(count -> Long.toString(count))
                    .to(output, Produced.with(Serdes.String(), Serdes.String()));
        }
        KafkaStreams streams = new KafkaStreams(builder.build(), config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(Duration.ofSeconds(10));
            stopped.countDown();
        }));
        streams.start();
        stopped.await();
    }
}
