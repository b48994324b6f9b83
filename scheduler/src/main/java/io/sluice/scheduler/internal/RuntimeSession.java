package io.sluice.scheduler.internal;

import io.sluice.core.status.RuntimeInfo;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.wire.WireMessage;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One connected runtime, as the scheduler's event loop sees it. Mutated only on that loop.
 */
final class RuntimeSession {

    private final String id;
    private final String name;
    private final int slots;
    private final long connectedAt;
    private final Consumer<WireMessage> sender;
    private final Runnable closer;
    private final Set<TaskAttempt> running = new LinkedHashSet<>();
    private long lastSeen;
    private long lastAssignedSeq;
    private long completed;
    private long failed;

    RuntimeSession(String id, String name, int slots, long connectedAt, Consumer<WireMessage> sender, Runnable closer) {
        this.id = id;
        this.name = name;
        this.slots = slots;
        this.connectedAt = connectedAt;
        this.lastSeen = connectedAt;
        this.sender = sender;
        this.closer = closer;
    }

    String id() {
        return id;
    }

    String name() {
        return name;
    }

    int freeSlots() {
        return slots - running.size();
    }

    Set<TaskAttempt> running() {
        return running;
    }

    long lastSeen() {
        return lastSeen;
    }

    void seen(long now) {
        lastSeen = now;
    }

    void assigned(TaskAttempt attempt, long seq) {
        running.add(attempt);
        lastAssignedSeq = seq;
    }

    /** @return true if the attempt was running here */
    boolean finished(TaskAttempt attempt, boolean succeeded) {
        boolean was = running.remove(attempt);
        if (was) {
            if (succeeded) {
                completed++;
            } else {
                failed++;
            }
        }
        return was;
    }

    AssignmentPolicy.Candidate candidate() {
        return new AssignmentPolicy.Candidate(id, freeSlots(), lastAssignedSeq);
    }

    void send(WireMessage message) {
        sender.accept(message);
    }

    void close() {
        closer.run();
    }

    RuntimeInfo info() {
        return new RuntimeInfo(id, name, slots, running.size(), completed, failed, connectedAt);
    }

    @Override
    public String toString() {
        return id + " (" + name + ")";
    }
}
