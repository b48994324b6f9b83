package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.task.TaskId;
import io.sluice.function.Record;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Builds the dead-letter records of records a function could not process: the input key and value
 * unchanged, with headers saying what failed and where each record came from.
 */
final class DeadLetters {

    static final String ERROR = "sluice.error";
    static final String PIPELINE = "sluice.pipeline";
    static final String BATCH = "sluice.batch";
    static final String PARTITION = "sluice.partition";
    static final String SOURCE_TOPIC = "sluice.source.topic";
    static final String SOURCE_PARTITION = "sluice.source.partition";
    static final String SOURCE_OFFSET = "sluice.source.offset";

    private DeadLetters() {
    }

    /** Passes a dead-letter record for each of records {@code [from, until)} of {@code block} to {@code out}. */
    static void of(TaskId task, Block block, int from, int until, String topic, String error,
                   Consumer<ProducerRecord<byte[], byte[]>> out) {
        for (int i = from; i < until; i++) {
            Record r = block.get(i);
            RecordHeaders headers = new RecordHeaders();
            header(headers, ERROR, error);
            header(headers, PIPELINE, task.pipeline());
            header(headers, BATCH, Long.toString(task.batchTime()));
            header(headers, PARTITION, Integer.toString(task.partition()));
            header(headers, SOURCE_TOPIC, r.topic());
            header(headers, SOURCE_PARTITION, Integer.toString(r.sourcePartition()));
            header(headers, SOURCE_OFFSET, Long.toString(r.offset()));
            out.accept(new ProducerRecord<>(topic, null, r.timestamp(), r.key(), r.value(), headers));
        }
    }

    private static void header(RecordHeaders headers, String key, String value) {
        headers.add(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
