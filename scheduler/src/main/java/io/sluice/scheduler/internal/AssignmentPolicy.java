package io.sluice.scheduler.internal;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;

/**
 * Which runtime gets the next task: a pure function of the runtimes' free slots.
 *
 * <p>Only runtimes with a free slot are candidates, so a slow runtime, which frees its slots late,
 * simply takes fewer tasks: that is the dynamic load balancing of the model. Among candidates the
 * one with the most free slots wins, then the one that was given work longest ago. Runtimes a task
 * already failed on are avoided while any other candidate exists.
 */
final class AssignmentPolicy {

    /** What the policy needs to know of a runtime. */
    record Candidate(String runtimeId, int freeSlots, long lastAssignedSeq) {
    }

    private static final Comparator<Candidate> PREFERENCE = Comparator
            .comparingInt(Candidate::freeSlots).reversed()
            .thenComparingLong(Candidate::lastAssignedSeq)
            .thenComparing(Candidate::runtimeId);

    private AssignmentPolicy() {
    }

    /**
     * @param candidates the connected runtimes
     * @param avoid runtimes the task failed on
     * @return the runtime to run the task, or empty if no runtime has a free slot
     */
    static Optional<String> choose(Collection<Candidate> candidates, Set<String> avoid) {
        Optional<Candidate> fresh = candidates.stream()
                .filter(c -> c.freeSlots() > 0 && !avoid.contains(c.runtimeId()))
                .min(PREFERENCE);
        if (fresh.isPresent()) {
            return fresh.map(Candidate::runtimeId);
        }
        return candidates.stream().filter(c -> c.freeSlots() > 0).min(PREFERENCE).map(Candidate::runtimeId);
    }
}
