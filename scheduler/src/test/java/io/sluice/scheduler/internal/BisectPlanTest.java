package io.sluice.scheduler.internal;

import io.sluice.scheduler.internal.BisectPlan.Step;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BisectPlanTest {

    /** Runs a plan against a function that fails on the records {@code poison} accepts; returns the steps taken. */
    private static List<Step> run(BisectPlan plan, IntPredicate poison, Set<Integer> processed, Set<Integer> dead) {
        List<Step> steps = new ArrayList<>();
        while (!plan.done()) {
            Step step = plan.current();
            steps.add(step);
            assertTrue(steps.size() < 10_000, "the plan ends");
            boolean fails = !step.deadLetter() && java.util.stream.IntStream.range(step.from(), step.until()).anyMatch(poison);
            if (fails) {
                plan.failed();
            } else {
                for (int i = step.from(); i < step.until(); i++) {
                    assertTrue((step.deadLetter() ? dead : processed).add(i), "record " + i + " is handled once");
                }
                plan.succeeded();
            }
        }
        return steps;
    }

    @Test
    void onlyThePoisonRecordsAreDeadLetteredAndEveryOtherRecordIsProcessedOnce() {
        Set<Integer> poison = Set.of(3, 500, 999);
        Set<Integer> processed = new TreeSet<>();
        Set<Integer> dead = new TreeSet<>();
        BisectPlan plan = BisectPlan.after(0, 1_000, 100);
        List<Step> steps = run(plan, poison::contains, processed, dead);

        assertEquals(poison, dead);
        assertEquals(997, processed.size());
        assertEquals(3, plan.deadLettered());
        assertTrue(steps.size() <= 2 * 3 * 10 + 3, "about 2k log2 n steps, took " + steps.size());
        int covered = 0;
        for (Step s : steps) {
            if (s.deadLetter() || !java.util.stream.IntStream.range(s.from(), s.until()).anyMatch(poison::contains)) {
                assertEquals(covered, s.from(), "completed steps cover the block as a growing prefix: " + s);
                covered = s.until();
            }
        }
        assertEquals(1_000, covered);
    }

    @Test
    void aFunctionThatFailsOnEverythingIsCutShortByTheBudget() {
        Set<Integer> processed = new TreeSet<>();
        Set<Integer> dead = new TreeSet<>();
        BisectPlan plan = BisectPlan.after(0, 1_000, 8);
        List<Step> steps = run(plan, i -> true, processed, dead);
        assertEquals(1_000, dead.size(), "every record is dead-lettered, none lost");
        assertTrue(processed.isEmpty());
        assertTrue(steps.size() < 40, "bounded by the budget, took " + steps.size());
    }

    @Test
    void aSingleRecordBlockIsTriedOnceMoreThenDeadLettered() {
        Set<Integer> processed = new TreeSet<>();
        Set<Integer> dead = new TreeSet<>();
        List<Step> steps = run(BisectPlan.after(0, 1, 100), i -> true, processed, dead);
        assertEquals(List.of(new Step(0, 1, false), new Step(0, 1, true)), steps);
        assertEquals(Set.of(0), dead);
    }

    @Test
    void aFunctionThatCannotStartDeadLettersTheBlockInOneStep() {
        BisectPlan plan = BisectPlan.deadLetterAll(0, 250);
        assertEquals(new Step(0, 250, true), plan.current());
        plan.failed();
        assertEquals(new Step(0, 250, true), plan.current(), "writing dead letters is retried, never split");
        plan.succeeded();
        assertTrue(plan.done());
        assertEquals(250, plan.deadLettered());
        assertThrows(IllegalStateException.class, plan::current);
    }
}
