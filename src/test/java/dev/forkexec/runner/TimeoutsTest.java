package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** --timeout seconds, and N% of the median runtime of succeeded jobs. */
class TimeoutsTest {
    @Test
    void aFixedTimeoutIsThatManySeconds() {
        Timeouts t = new Timeouts(2.5, 0);
        assertTrue(t.enabled());
        assertFalse(t.relative());
        assertEquals(2.5, t.seconds());
        t.succeeded(100);
        assertEquals(2.5, t.seconds());
    }

    @Test
    void noTimeoutIsDisabled() {
        assertFalse(new Timeouts(0, 0).enabled());
    }

    @Test
    void aPercentageAllowsAMillionSecondsUntilAJobSucceeds() {
        Timeouts t = new Timeouts(0, 2.0);
        assertEquals(1_000_000, t.seconds());
        t.succeeded(0.2);
        assertEquals(0.4, t.seconds(), 1e-9);
    }

    @Test
    void thePercentageFollowsTheMedian() {
        Timeouts t = new Timeouts(0, 1.0);
        for (double d : new double[] {1, 9, 2, 8, 3}) t.succeeded(d);
        assertEquals(3, t.median());
    }

    @Test
    void theMedianTakesConstantMemoryOverManyJobs() {
        Timeouts t = new Timeouts(0, 1.0);
        for (int i = 0; i < 20_000; i++) t.succeeded(i % 2 == 0 ? 1.0 : 3.0);
        assertTrue(t.median() == 1.0 || t.median() == 3.0);
    }
}
