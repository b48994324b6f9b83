package io.sluice.runtime.internal;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * A sink could not write or commit. Usually the platform's failure (Kafka unwell, the id fenced),
 * retried without counting against the function; but when Kafka refuses a record the function
 * made (too large for the topic, a null key for a compacted topic), retrying elsewhere cannot help,
 * and it is the function's failure: retried, then bisected down to the input records that make it.
 */
final class SinkException extends RuntimeException {

    SinkException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @return whether Kafka refused a record the function emitted, anywhere in the cause chain */
    boolean causedByOutput() {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException
                    || t instanceof InvalidRecordException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
