package io.sluice.scheduler.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Hands pending tasks to runtimes with free slots, oldest batch first (pull-style dynamic load
 * balancing: whichever runtime has room gets the next task). Owns the connected runtimes.
 * Used only on the scheduler's event loop.
 */
final class TaskDispatcher {

    /** Builds the message that starts an attempt. */
    interface Messages {
        /**
         * @param producerEpoch the epoch of the task's transactional id on the chosen runtime
         *                      ({@link ProducerAffinity}), 0 without one
         */
        WireMessage runTask(TaskRun task, TaskAttempt attempt, long producerEpoch);
    }

    private final TreeMap<TaskId, TaskRun> pending = new TreeMap<>();
    private final Map<String, RuntimeSession> runtimes = new LinkedHashMap<>();
    private final ProducerAffinity affinity;
    private final long localityWaitMs;
    private long assignSeq;

    /**
     * @param affinity     where the tasks' transactional producers are
     * @param localityWait how long a due task waits for the runtime holding its producer
     */
    TaskDispatcher(ProducerAffinity affinity, Duration localityWait) {
        this.affinity = affinity;
        this.localityWaitMs = localityWait.toMillis();
    }

    /** Queues a task; it is due from its retry time on. */
    void submit(TaskRun task, long now) {
        task.queued(now);
        pending.put(task.id(), task);
    }

    void withdraw(TaskRun task) {
        pending.remove(task.id());
    }

    int pendingCount() {
        return pending.size();
    }

    void addRuntime(RuntimeSession session) {
        runtimes.put(session.id(), session);
    }

    Optional<RuntimeSession> removeRuntime(String id) {
        affinity.runtimeLost(id);
        return Optional.ofNullable(runtimes.remove(id));
    }

    Optional<RuntimeSession> runtime(String id) {
        return Optional.ofNullable(runtimes.get(id));
    }

    Collection<RuntimeSession> runtimes() {
        return runtimes.values();
    }

    /**
     * Starts as many due pending tasks as there are free slots, in two passes, the way Spark offers
     * each executor its local tasks first. First every task whose transactional producer a runtime
     * with a free slot holds goes there, oldest batch first: a runtime works through the ids it
     * holds before it takes anyone else's, so under a backlog ids stay put (a kept id writes in
     * about 10 ms, a moved one in about 240 ms, as its new producer must initialise). Then the
     * remaining slots take the oldest other due tasks, a task waiting for its busy holder for up
     * to the locality wait. A straggler's speculative copy goes before both passes, to any runtime
     * but its original's.
     *
     * @param now      the current time
     * @param messages builds the RunTask message of an attempt
     * @return the attempts started
     */
    List<TaskAttempt> dispatch(long now, Messages messages) {
        List<TaskAttempt> started = new ArrayList<>();
        if (pending.isEmpty() || totalFreeSlots() == 0) {
            return started;
        }
        launchOldestFirst(now, messages, started, true); // a straggler's copy is worth more than any local task
        launchLocal(now, messages, started);
        launchOldestFirst(now, messages, started, false);
        return started;
    }

    /** The oldest-first pass, over speculative copies only or over everything left. */
    private void launchOldestFirst(long now, Messages messages, List<TaskAttempt> started, boolean copiesOnly) {
        int free = totalFreeSlots();
        List<AssignmentPolicy.Candidate> candidates = new ArrayList<>(runtimes.size());
        Iterator<TaskRun> it = pending.values().iterator();
        while (it.hasNext() && free > 0) {
            TaskRun task = it.next();
            if (!task.due(now) || copiesOnly && !task.copyWanted()) {
                continue;
            }
            candidates.clear();
            Optional<String> chosen;
            if (task.copyWanted()) {
                // A speculative copy never runs beside its original, and is not worth waiting for.
                String original = task.runtimeOf(task.soleAttempt());
                runtimes.values().stream().filter(r -> !r.id().equals(original)).forEach(r -> candidates.add(r.candidate()));
                chosen = AssignmentPolicy.choose(candidates, task.failedOn());
            } else {
                runtimes.values().forEach(r -> candidates.add(r.candidate()));
                boolean mayWait = now - task.dueSince() < localityWaitMs;
                chosen = AssignmentPolicy.choose(candidates, task.failedOn(), holder(task), mayWait);
            }
            if (chosen.isEmpty()) {
                continue;
            }
            it.remove();
            started.add(launch(task, runtimes.get(chosen.get()), now, messages));
            free--;
        }
    }

    /** The first pass: due tasks to the runtimes holding their producers, while those have room. */
    private void launchLocal(long now, Messages messages, List<TaskAttempt> started) {
        Iterator<TaskRun> it = pending.values().iterator();
        while (it.hasNext()) {
            TaskRun task = it.next();
            if (!task.due(now) || task.copyWanted()) {
                continue;
            }
            String holder = holder(task);
            RuntimeSession runtime = holder == null ? null : runtimes.get(holder);
            if (runtime != null && runtime.freeSlots() > 0 && !task.failedOn().contains(holder)) {
                it.remove();
                started.add(launch(task, runtime, now, messages));
            }
        }
    }

    private String holder(TaskRun task) {
        return task.producerId().isEmpty() ? null : affinity.holder(task.producerId()).orElse(null);
    }

    /** Starts an attempt of {@code task} on {@code runtime} now. */
    TaskAttempt launch(TaskRun task, RuntimeSession runtime, long now, Messages messages) {
        TaskAttempt attempt = task.launch(runtime.id(), now);
        long epoch = task.producerId().isEmpty() ? 0 : affinity.assign(task.producerId(), runtime.id());
        runtime.assigned(attempt, ++assignSeq);
        runtime.send(messages.runTask(task, attempt, epoch));
        return attempt;
    }

    private int totalFreeSlots() {
        int free = 0;
        for (RuntimeSession r : runtimes.values()) {
            free += Math.max(0, r.freeSlots());
        }
        return free;
    }
}
