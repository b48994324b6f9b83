package io.sluice.scheduler.internal;

import io.sluice.scheduler.internal.AssignmentPolicy.Candidate;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoliciesTest {

    @Test
    void assignmentPrefersTheRuntimeWithTheMostFreeSlots() {
        List<Candidate> runtimes = List.of(new Candidate("a", 1, 5), new Candidate("b", 3, 9), new Candidate("c", 0, 1));
        assertEquals(Optional.of("b"), AssignmentPolicy.choose(runtimes, Set.of()));
    }

    @Test
    void assignmentBreaksTiesByLeastRecentlyAssigned() {
        List<Candidate> runtimes = List.of(new Candidate("a", 2, 7), new Candidate("b", 2, 3));
        assertEquals(Optional.of("b"), AssignmentPolicy.choose(runtimes, Set.of()));
    }

    @Test
    void assignmentNeverPicksAFullRuntime() {
        List<Candidate> runtimes = List.of(new Candidate("a", 0, 1), new Candidate("b", 0, 2));
        assertTrue(AssignmentPolicy.choose(runtimes, Set.of()).isEmpty());
        assertTrue(AssignmentPolicy.choose(List.of(), Set.of()).isEmpty());
    }

    @Test
    void assignmentAvoidsRuntimesTheTaskFailedOnWhileOthersAreFree() {
        List<Candidate> runtimes = List.of(new Candidate("a", 4, 1), new Candidate("b", 1, 2));
        assertEquals(Optional.of("b"), AssignmentPolicy.choose(runtimes, Set.of("a")));
        assertEquals(Optional.of("a"), AssignmentPolicy.choose(List.of(new Candidate("a", 4, 1)), Set.of("a")),
                "a runtime the task failed on is still better than no runtime");
    }

    @Test
    void aTaskGoesToTheRuntimeHoldingItsProducerWhenThatOneIsFree() {
        List<Candidate> runtimes = List.of(new Candidate("a", 4, 1), new Candidate("b", 1, 2));
        assertEquals(Optional.of("b"), AssignmentPolicy.choose(runtimes, Set.of(), "b", true));
        assertEquals(Optional.of("a"), AssignmentPolicy.choose(runtimes, Set.of(), "gone", true),
                "a preferred runtime that left is no reason to wait");
    }

    @Test
    void aTaskWaitsForItsBusyPreferredRuntimeOnlyWithinTheLocalityWait() {
        List<Candidate> runtimes = List.of(new Candidate("a", 2, 1), new Candidate("b", 0, 2));
        assertTrue(AssignmentPolicy.choose(runtimes, Set.of(), "b", true).isEmpty(), "waits for b");
        assertEquals(Optional.of("a"), AssignmentPolicy.choose(runtimes, Set.of(), "b", false), "then takes any");
        assertEquals(Optional.of("a"), AssignmentPolicy.choose(runtimes, Set.of("b"), "b", true),
                "never waits for a runtime the task failed on");
    }

    @Test
    void anIdKeepsItsEpochWhileItStaysAndGetsANewOneWhenItMoves() {
        ProducerAffinity affinity = new ProducerAffinity(7);
        long first = affinity.assign("sluice.p.0.0", "r1");
        assertEquals(7L, first >>> 32, "the epoch carries the scheduler's incarnation");
        assertEquals(first, affinity.assign("sluice.p.0.0", "r1"));
        long moved = affinity.assign("sluice.p.0.0", "r2");
        assertTrue(moved != first);
        assertEquals(Optional.of("r2"), affinity.holder("sluice.p.0.0"));
        long back = affinity.assign("sluice.p.0.0", "r1");
        assertTrue(back != first && back != moved, "coming back is a move too: r1's cached producer was fenced");
        affinity.runtimeLost("r1");
        assertTrue(affinity.holder("sluice.p.0.0").isEmpty());
        assertTrue(new ProducerAffinity(8).assign("sluice.p.0.0", "r1") != first,
                "another scheduler's epochs never repeat this one's");
    }

    @Test
    void aTaskIsAStragglerOnlyOnceMostOfItsBatchIsDoneAndItRunsFarPastTheirMedian() {
        SpeculationPolicy rule = new SpeculationPolicy(1.5, 0.75, Duration.ofMillis(100));
        long[] three = {200, 300, 250};
        assertFalse(rule.isStraggler(three, 8, 10_000), "3 of 8 done is under the 75 % quantile");
        long[] six = {200, 300, 250, 260, 240, 1_000};
        assertEquals(255.0, SpeculationPolicy.median(six));
        assertFalse(rule.isStraggler(six, 8, 380), "not yet 1.5 x the median of 255 ms");
        assertTrue(rule.isStraggler(six, 8, 390));
        assertFalse(rule.isStraggler(new long[] {10, 10, 10}, 4, 60), "never before the 100 ms minimum");
        assertTrue(rule.isStraggler(new long[] {10, 10, 10}, 4, 101));
        assertFalse(rule.isStraggler(new long[0], 0, 1_000_000), "nothing to compare with");
        assertThrows(IllegalArgumentException.class, () -> new SpeculationPolicy(0.5, 0.75, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new SpeculationPolicy(1.5, 0, Duration.ZERO));
    }

    @Test
    void retryBacksOffExponentiallyUpToTheCap() {
        RetryPolicy retry = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofMillis(350));
        assertEquals(Duration.ZERO, retry.backoff(0));
        assertEquals(Duration.ofMillis(100), retry.backoff(1));
        assertEquals(Duration.ofMillis(200), retry.backoff(2));
        assertEquals(Duration.ofMillis(350), retry.backoff(3));
        assertEquals(Duration.ofMillis(350), retry.backoff(60), "no overflow for large counts");
    }

    @Test
    void retryGivesUpAfterMaxAttempts() {
        RetryPolicy retry = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1));
        assertTrue(retry.shouldRetry(1));
        assertTrue(retry.shouldRetry(2));
        assertFalse(retry.shouldRetry(3));
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO));
    }
}
