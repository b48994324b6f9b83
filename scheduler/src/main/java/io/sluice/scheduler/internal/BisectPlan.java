package io.sluice.scheduler.internal;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How a block whose every attempt failed is taken apart, so that only its poison records go to the
 * dead-letter topic and the rest reaches the output once.
 *
 * <p>The block is split in halves, and each half is tried once. A half that fails is split again,
 * down to single records; a single record that fails is dead-lettered. Steps run one at a time, in
 * record order, so that under exactly-once output each committed step moves the task's commit marker
 * forward over a prefix of the block. A block with {@code k} poison records among {@code n} takes
 * about {@code 2k log2 n} steps. To bound a function that fails on everything, after
 * {@code failureBudget} failed steps a failing range is dead-lettered whole instead of split.
 *
 * <p>A pure state machine: the coordinator asks for the {@link #current()} step, runs it and
 * reports {@link #succeeded()} or {@link #failed()}.
 */
final class BisectPlan {

    /** One step: run the function over records {@code [from, until)} of the block, or dead-letter them. */
    record Step(int from, int until, boolean deadLetter) {
        int size() {
            return until - from;
        }

        @Override
        public String toString() {
            return (deadLetter ? "dead-letter [" : "run [") + from + ", " + until + ")";
        }
    }

    private final Deque<Step> todo = new ArrayDeque<>();
    private final int failureBudget;
    private int failures;
    private long deadLettered;

    private BisectPlan(int failureBudget) {
        this.failureBudget = failureBudget;
    }

    /** @return the plan for records {@code [from, until)}, which failed as a whole: try each half */
    static BisectPlan after(int from, int until, int failureBudget) {
        BisectPlan plan = new BisectPlan(failureBudget);
        plan.split(new Step(from, until, false));
        return plan;
    }

    /** @return a plan that dead-letters records {@code [from, until)} in one step (the function cannot even start) */
    static BisectPlan deadLetterAll(int from, int until) {
        BisectPlan plan = new BisectPlan(0);
        plan.todo.add(new Step(from, until, true));
        return plan;
    }

    /** @return the step to run now; only while not {@link #done()} */
    Step current() {
        Step step = todo.peekFirst();
        if (step == null) {
            throw new IllegalStateException("the bisection is done");
        }
        return step;
    }

    /** The current step's output is committed, or its records are dead-lettered. */
    void succeeded() {
        Step step = todo.removeFirst();
        if (step.deadLetter()) {
            deadLettered += step.size();
        }
    }

    /** The current step failed in the function. */
    void failed() {
        Step step = todo.removeFirst();
        if (step.deadLetter()) {
            todo.addFirst(step); // writing dead letters cannot fail in the function: try again
            return;
        }
        failures++;
        if (step.size() == 1 || failures >= failureBudget) {
            todo.addFirst(new Step(step.from(), step.until(), true));
        } else {
            split(step);
        }
    }

    private void split(Step step) {
        if (step.size() <= 1) {
            todo.addFirst(new Step(step.from(), step.until(), step.size() == 1 && step.deadLetter()));
            return;
        }
        int middle = step.from() + step.size() / 2;
        todo.addFirst(new Step(middle, step.until(), false));
        todo.addFirst(new Step(step.from(), middle, false));
    }

    boolean done() {
        return todo.isEmpty();
    }

    /** @return how many records have been dead-lettered so far */
    long deadLettered() {
        return deadLettered;
    }

    /** @return how many steps failed so far */
    int failures() {
        return failures;
    }
}
