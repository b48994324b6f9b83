package io.sluice.scheduler.internal;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;

/**
 * Which runtime gets the next task: a pure function of the runtimes' free slots and the task's
 * preferred runtime.
 *
 * <p>Only runtimes with a free slot are candidates, so a slow runtime, which frees its slots late,
 * simply takes fewer tasks: that is the dynamic load balancing of the model. A task may prefer one
 * runtime (the one holding its transactional producer, see {@link ProducerAffinity}): it goes there
 * if that runtime has a free slot, and waits for it for up to a locality wait, after which any
 * runtime will do (Spark's delay scheduling). Otherwise the runtime with the most free slots wins,
 * then the one that was given work longest ago. Runtimes a task already failed on are avoided while
 * any other candidate exists, and are never waited for.
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
     * @param avoid      runtimes the task failed on
     * @param preferred  the runtime the task prefers, or {@code null}
     * @param mayWait    whether the task may still wait for its preferred runtime
     * @return the runtime to run the task, or empty if it should wait: no runtime has a free slot,
     *     or the preferred one is busy and the task may wait for it
     */
    static Optional<String> choose(Collection<Candidate> candidates, Set<String> avoid, String preferred, boolean mayWait) {
        if (preferred != null && !avoid.contains(preferred)) {
            for (Candidate c : candidates) {
                if (c.runtimeId().equals(preferred)) {
                    if (c.freeSlots() > 0) {
                        return Optional.of(preferred);
                    }
                    if (mayWait) {
                        return Optional.empty();
                    }
                }
            }
        }
        Optional<Candidate> fresh = candidates.stream()
                .filter(c -> c.freeSlots() > 0 && !avoid.contains(c.runtimeId()))
                .min(PREFERENCE);
        if (fresh.isPresent()) {
            return fresh.map(Candidate::runtimeId);
        }
        return candidates.stream().filter(c -> c.freeSlots() > 0).min(PREFERENCE).map(Candidate::runtimeId);
    }

    /** {@link #choose(Collection, Set, String, boolean)} for a task with no preference. */
    static Optional<String> choose(Collection<Candidate> candidates, Set<String> avoid) {
        return choose(candidates, avoid, null, false);
    }
}
