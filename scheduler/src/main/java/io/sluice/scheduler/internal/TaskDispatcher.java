package io.sluice.scheduler.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Hands pending tasks to runtimes with free slots, oldest batch first (pull-style dynamic load
 * balancing: whichever runtime has room gets the next task). Owns the connected runtimes.
 * Used only on the scheduler's event loop.
 */
final class TaskDispatcher {

    private final TreeMap<TaskId, TaskRun> pending = new TreeMap<>();
    private final Map<String, RuntimeSession> runtimes = new LinkedHashMap<>();
    private long assignSeq;

    void submit(TaskRun task) {
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
        return Optional.ofNullable(runtimes.remove(id));
    }

    Optional<RuntimeSession> runtime(String id) {
        return Optional.ofNullable(runtimes.get(id));
    }

    Collection<RuntimeSession> runtimes() {
        return runtimes.values();
    }

    /**
     * Starts as many due pending tasks as there are free slots.
     *
     * @param now the current time
     * @param messageFor builds the RunTask message of an attempt
     * @return the attempts started
     */
    List<TaskAttempt> dispatch(long now, BiFunction<TaskRun, TaskAttempt, WireMessage> messageFor) {
        List<TaskAttempt> started = new ArrayList<>();
        if (pending.isEmpty() || totalFreeSlots() == 0) {
            return started;
        }
        List<AssignmentPolicy.Candidate> candidates = new ArrayList<>(runtimes.size());
        Iterator<TaskRun> it = pending.values().iterator();
        while (it.hasNext()) {
            TaskRun task = it.next();
            if (!task.due(now)) {
                continue;
            }
            candidates.clear();
            runtimes.values().forEach(r -> candidates.add(r.candidate()));
            Optional<String> chosen = AssignmentPolicy.choose(candidates, task.failedOn());
            if (chosen.isEmpty()) {
                break;
            }
            it.remove();
            started.add(launch(task, runtimes.get(chosen.get()), now, messageFor));
        }
        return started;
    }

    /** Starts an attempt of {@code task} on {@code runtime} now. */
    TaskAttempt launch(TaskRun task, RuntimeSession runtime, long now,
                       BiFunction<TaskRun, TaskAttempt, WireMessage> messageFor) {
        TaskAttempt attempt = task.launch(runtime.id(), now);
        runtime.assigned(attempt, ++assignSeq);
        runtime.send(messageFor.apply(task, attempt));
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
