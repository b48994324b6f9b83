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
