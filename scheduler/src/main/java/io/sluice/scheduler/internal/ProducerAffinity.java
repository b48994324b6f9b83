package io.sluice.scheduler.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which runtime holds the producer of each transactional id, and its epoch.
 *
 * <p>Initialising a producer for a transactional id fences every other producer of the id. Tasks
 * that share an id (the same partition, batch sequences a multiple of the in-flight bound apart) are
 * therefore best run where the id's producer already is, the way Spark prefers a task's data
 * locations. When a task must run elsewhere, the id moves and its epoch changes: the runtime that gets
 * it sees an epoch other than that of any producer it cached for the id, knows that one was fenced,
 * and replaces it before writing instead of failing the attempt.
 *
 * <p>Epochs carry this scheduler's incarnation in their high half, so a scheduler that takes over
 * never hands out an epoch a runtime cached from its predecessor.
 */
final class ProducerAffinity {

    private record Holder(String runtimeId, long epoch) {
    }

    private final long incarnation;
    private final Map<String, Holder> holders = new HashMap<>();
    private int counter;

    /** @param incarnation distinguishes this scheduler's epochs from any other's (use a random number) */
    ProducerAffinity(int incarnation) {
        this.incarnation = (long) incarnation << 32;
    }

    /** @return the runtime holding {@code transactionalId}'s producer, if it is known */
    Optional<String> holder(String transactionalId) {
        Holder h = holders.get(transactionalId);
        return h == null ? Optional.empty() : Optional.of(h.runtimeId());
    }

    /**
     * Notes that an attempt under {@code transactionalId} starts on {@code runtimeId}.
     *
     * @return the epoch to send with it: unchanged if the runtime holds the id already, new if the id moves
     */
    long assign(String transactionalId, String runtimeId) {
        Holder h = holders.get(transactionalId);
        if (h != null && h.runtimeId().equals(runtimeId)) {
            return h.epoch();
        }
        Holder moved = new Holder(runtimeId, incarnation | (++counter & 0xffffffffL));
        holders.put(transactionalId, moved);
        return moved.epoch();
    }

    /** Forgets the ids a lost runtime held: their tasks may go anywhere. */
    void runtimeLost(String runtimeId) {
        holders.values().removeIf(h -> h.runtimeId().equals(runtimeId));
    }

    int size() {
        return holders.size();
    }
}
