package io.sluice.core.wire;

import io.sluice.core.task.TaskAttempt;

import java.util.List;
import java.util.Map;

/**
 * Everything the scheduler and a runtime say to each other over the runtime's WebSocket, one binary
 * frame per message (see {@link WireCodec}). Messages carry task metadata only; records travel
 * through the batch store and the sink, never over this channel.
 */
public sealed interface WireMessage {

    /** Protocol version; a runtime speaking another one is refused at {@link Hello}. */
    int PROTOCOL = 1;

    // ---- runtime -> scheduler

    /** The first message of a runtime: who it is and how many tasks it can run at once. */
    record Hello(int protocol, String name, int slots) implements WireMessage {
    }

    /** Sent every heartbeat interval: the attempts the runtime is running now. */
    record Heartbeat(List<TaskAttempt> running) implements WireMessage {
        public Heartbeat {
            running = List.copyOf(running);
        }
    }

    /** An attempt finished and its output is in the sink. */
    record TaskDone(TaskAttempt attempt, long recordsIn, long recordsOut, long readNanos, long runNanos,
                    long writeNanos) implements WireMessage {
    }

    /** An attempt failed; {@code kind} says whether the function or the platform is to blame. */
    record TaskFailed(TaskAttempt attempt, FailureKind kind, String errorClass, String message) implements WireMessage {
    }

    /** Who is to blame for a failed attempt. */
    enum FailureKind {
        /** The function threw, or could not be loaded or opened: retry, then give up on the task. */
        USER,
        /** The runtime could not read the block or write the output: retry elsewhere. */
        PLATFORM
    }

    // ---- scheduler -> runtime

    /**
     * The scheduler's answer to {@link Hello}: the runtime's identity and where the data is.
     *
     * @param runtimeId the identity of this connection; a reconnect gets a new one
     * @param kafkaBootstrap where the sinks write
     * @param clusterName the data grid's cluster name, or empty when the runtime shares the scheduler's JVM
     * @param clusterHosts {@code host[port]} members to join the data grid through, empty in-process
     */
    record Welcome(String runtimeId, String kafkaBootstrap, String clusterName, List<String> clusterHosts)
            implements WireMessage {
        public Welcome {
            clusterHosts = List.copyOf(clusterHosts);
        }
    }

    /**
     * Run one attempt of a task.
     *
     * @param transactionalId for exactly-once output, the Kafka transactional id every attempt of
     *                        this task shares (so a newer attempt fences an older one) and no task
     *                        that may run at the same time uses; empty for at-least-once output
     */
    record RunTask(TaskAttempt attempt, int partitionCount, FunctionRef function, String outputTopic,
                   Map<String, String> parameters, String transactionalId) implements WireMessage {
        public RunTask {
            parameters = Map.copyOf(parameters);
            transactionalId = transactionalId == null ? "" : transactionalId;
        }

        /** @return whether the output goes out in a transaction with the task's commit marker */
        public boolean exactlyOnce() {
            return !transactionalId.isEmpty();
        }
    }

    /** Stop an attempt if it still runs; its result will be ignored. */
    record CancelTask(TaskAttempt attempt) implements WireMessage {
    }

    /** The scheduler refuses the runtime (e.g. protocol mismatch) and closes the connection. */
    record Refused(String reason) implements WireMessage {
    }

    /**
     * Which function version to run.
     *
     * @param name the function name
     * @param version the version
     * @param className the class to instantiate from its jar
     */
    record FunctionRef(String name, int version, String className) {
        @Override
        public String toString() {
            return name + "@" + version;
        }
    }
}
