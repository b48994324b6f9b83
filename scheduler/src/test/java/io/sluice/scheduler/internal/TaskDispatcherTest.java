package io.sluice.scheduler.internal;

import io.sluice.core.task.TaskAttempt;
import io.sluice.core.task.TaskId;
import io.sluice.core.wire.WireMessage.CancelTask;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where the dispatcher sends due tasks when transactional producers are already placed. */
class TaskDispatcherTest {

    private static final TaskDispatcher.Messages MESSAGES = (task, attempt, epoch) -> new CancelTask(attempt);

    private final ProducerAffinity affinity = new ProducerAffinity(7);
    private final TaskDispatcher dispatcher = new TaskDispatcher(affinity, Duration.ofMillis(100));

    private RuntimeSession runtime(String id, int slots) {
        RuntimeSession session = new RuntimeSession(id, id, slots, 0, m -> { }, () -> { });
        session.ready();
        dispatcher.addRuntime(session);
        return session;
    }

    private TaskRun task(long batchTime, String transactionalId) {
        TaskRun task = new TaskRun(new TaskId("p", batchTime, 0), batchTime, null, transactionalId, false, 10);
        dispatcher.submit(task, 0);
        return task;
    }

    @Test
    void aRuntimeRunsTheTasksWhoseProducerItHoldsBeforeOlderTasksOfOtherRuntimes() {
        RuntimeSession a = runtime("a", 1);
        RuntimeSession b = runtime("b", 1);
        affinity.assign("sluice.p.0.0", "b");
        affinity.assign("sluice.p.0.1", "a");
        TaskAttempt busy = new TaskAttempt(new TaskId("p", 1, 9), 1);
        b.assigned(busy, 1); // b is busy
        TaskRun older = task(1_000, "sluice.p.0.0");
        TaskRun newer = task(2_000, "sluice.p.0.1");

        // Long past the locality wait: the older task could go anywhere, but a has its own work.
        List<TaskAttempt> started = dispatcher.dispatch(10_000, MESSAGES);

        assertEquals(List.of(newer.id()), started.stream().map(TaskAttempt::task).toList(),
                "a takes the task whose producer it holds; the older one waits for b instead of moving its id");
        assertEquals("b", affinity.holder("sluice.p.0.0").orElseThrow());
        assertEquals(1, dispatcher.pendingCount());
        b.finished(busy, true);
        assertEquals(List.of(older.id()), dispatcher.dispatch(10_100, MESSAGES).stream().map(TaskAttempt::task).toList(),
                "b takes it when it has room");
    }

    @Test
    void aRuntimeWithNothingOfItsOwnTakesAnOverdueTaskAndTheIdMovesWithIt() {
        RuntimeSession a = runtime("a", 1);
        RuntimeSession b = runtime("b", 1);
        affinity.assign("sluice.p.0.0", "b");
        b.assigned(new TaskAttempt(new TaskId("p", 1, 9), 1), 1);
        TaskRun waiting = task(1_000, "sluice.p.0.0");

        assertEquals(List.of(), dispatcher.dispatch(50, MESSAGES), "within the locality wait it waits for b");
        assertEquals(List.of(waiting.id()), dispatcher.dispatch(500, MESSAGES).stream().map(TaskAttempt::task).toList(),
                "after it, the idle runtime takes it: a new or idle runtime is never left without work");
        assertEquals("a", affinity.holder("sluice.p.0.0").orElseThrow());
        assertEquals(0, a.freeSlots());
    }
}
