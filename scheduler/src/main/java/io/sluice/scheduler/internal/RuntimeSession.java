package io.sluice.scheduler.internal;

import io.sluice.core.status.RuntimeInfo;
import io.sluice.core.task.TaskAttempt;
import io.sluice.core.wire.WireMessage;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Predicate;
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
    /** Running here by the scheduler's books but missing from the runtime's last heartbeat. */
    private final Set<TaskAttempt> unreported = new HashSet<>();
    private Set<TaskAttempt> outsideFunction = Set.of();
    private int lingering;
    private boolean ready;
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

    /**
     * @return the slots a task may go to now: none until the runtime has said it is ready (it can
     *     read blocks), and none held by attempts it was told to cancel that have not come back
     */
    int freeSlots() {
        return ready ? Math.max(0, slots - running.size() - lingering) : 0;
    }

    boolean isReady() {
        return ready;
    }

    void ready() {
        ready = true;
    }

    /**
     * @return whether the last heartbeat reported the attempt running but outside user code
     *     (reading its block, waiting for the grid or for Kafka); false if it was in the function
     *     or not reported at all, so a hang nobody could place is blamed on the function
     */
    boolean outsideFunction(TaskAttempt attempt) {
        return outsideFunction.contains(attempt);
    }

    /**
     * Takes in a heartbeat.
     *
     * @return attempts the runtime has not reported in two heartbeats in a row although they are
     *     running here by the scheduler's books, and are {@code oldEnough} to have reached it: the
     *     runtime lost them (a result that never arrived), so they must run again
     */
    List<TaskAttempt> reported(List<TaskAttempt> reportedRunning, List<TaskAttempt> reportedInFunction,
                               int reportedLingering, Predicate<TaskAttempt> oldEnough) {
        lingering = reportedLingering;
        Set<TaskAttempt> now = new HashSet<>(reportedRunning);
        Set<TaskAttempt> outside = new HashSet<>(now);
        outside.removeAll(reportedInFunction);
        outsideFunction = outside;
        List<TaskAttempt> lost = new ArrayList<>();
        for (TaskAttempt attempt : running) {
            if (now.contains(attempt) || !oldEnough.test(attempt)) {
                unreported.remove(attempt);
            } else if (!unreported.add(attempt)) {
                lost.add(attempt);
            }
        }
        unreported.retainAll(running);
        return lost;
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
        return new RuntimeInfo(id, name, ready ? slots : 0, running.size(), completed, failed, connectedAt);
    }

    @Override
    public String toString() {
        return id + " (" + name + ")";
    }
}
