package io.sluice.runtime.internal;

import io.sluice.core.block.Block;
import io.sluice.core.task.TaskId;
import io.sluice.function.Emitter;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What one batch of a stateful stage's partition produces: output records, dead letters, and the
 * state changes, all written in the task's one transaction.
 */
final class StepOutput {

    private final TaskId task;
    private final String outputTopic;
    private final String deadLetterTopic;
    final PartitionState.Changes changes;
    final List<ProducerRecord<byte[], byte[]>> output = new ArrayList<>();
    final List<ProducerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();

    StepOutput(TaskId task, long sequence, String outputTopic, String deadLetterTopic) {
        this.task = task;
        this.outputTopic = outputTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.changes = new PartitionState.Changes(sequence, task.batchTime());
    }

    TaskId task() {
        return task;
    }

    /**
     * @return an emitter for one call into user code, whose records carry {@code timestamp}; they
     *     join the output only when {@link Call#keep()} is called, so a call that throws leaves nothing
     */
    Call call(long timestamp) {
        return new Call(timestamp);
    }

    /** Dead-letters records {@code [from, until)} of the task's input. */
    void deadLetter(Block input, int from, int until, Throwable error) {
        deadLetter(input, from, until, describe(error));
    }

    /** Dead-letters records {@code [from, until)} of the task's input, saying why. */
    void deadLetter(Block input, int from, int until, String reason) {
        DeadLetters.of(task, input, from, until, deadLetterTopic, reason, deadLetters::add);
    }

    /** Dead-letters what a window could not produce for a key: a record with the key, no value, and the error. */
    void deadLetterWindow(byte[] key, long windowEnd, Throwable error) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetters.ERROR, bytes("window ending at " + windowEnd + ": " + describe(error)));
        headers.add(DeadLetters.PIPELINE, bytes(task.pipeline()));
        headers.add(DeadLetters.BATCH, bytes(Long.toString(task.batchTime())));
        headers.add(DeadLetters.PARTITION, bytes(Integer.toString(task.partition())));
        deadLetters.add(new ProducerRecord<>(deadLetterTopic, null, windowEnd, key, null, headers));
    }

    static String describe(Throwable error) {
        return error.getMessage() == null ? error.getClass().getName() : error.getClass().getName() + ": " + error.getMessage();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The output of one call into user code. */
    final class Call implements Emitter {
        private final long timestamp;
        private final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();

        private Call(long timestamp) {
            this.timestamp = timestamp;
        }

        @Override
        public void emit(byte[] key, byte[] value) {
            records.add(new ProducerRecord<>(outputTopic, null, timestamp, key, value));
        }

        void keep() {
            output.addAll(records);
            records.clear();
        }
    }
}
