package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** --halt decisions and exit statuses, from the observations in GNU parallel 20221122 on this machine. */
class HaltPolicyTest {
    /** Runs a sequence of job outcomes (true = failed) with -j1; returns the index (1-based) that halted, or 0. */
    private static int run(HaltPolicy h, int total, boolean... failed) {
        long nFailed = 0;
        for (int i = 0; i < failed.length; i++) {
            if (failed[i]) nFailed++;
            HaltPolicy.Decision d = h.jobEnded(failed[i], failed[i] ? 3 : 0, "job" + (i + 1), nFailed, i + 1, total);
            if (d.halt() != null) return i + 1;
        }
        return 0;
    }

    @Test
    void withoutHaltTheStatusIsTheFailureCountCappedAt101() {
        HaltPolicy h = HaltPolicy.none();
        assertEquals(0, h.exitStatus(0, 5));
        assertEquals(2, h.exitStatus(2, 5));
        assertEquals(100, h.exitStatus(100, 500));
        assertEquals(101, h.exitStatus(105, 500));
    }

    @Test
    void failOneHaltsOnTheFirstFailureWithThatJobsStatus() throws RunnerException {
        HaltPolicy h = HaltPolicy.parse("now,fail=1");
        assertEquals(2, run(h, 4, false, true, true));
        assertEquals(3, h.exitStatus(1, 2));
    }

    @Test
    void shortFormsExpandAsInGnuParallel() throws RunnerException {
        assertEquals(HaltPolicy.When.SOON, HaltPolicy.parse("1").jobEnded(true, 5, "x", 1, 1, 1).halt());
        assertEquals(HaltPolicy.When.NOW, HaltPolicy.parse("2").jobEnded(true, 5, "x", 1, 1, 1).halt());
        assertEquals(HaltPolicy.When.SOON, HaltPolicy.parse("-1").jobEnded(false, 0, "x", 0, 1, 1).halt());
        assertEquals(HaltPolicy.When.NOW, HaltPolicy.parse("-2").jobEnded(false, 0, "x", 0, 1, 1).halt());
        assertNull(HaltPolicy.parse("0").jobEnded(true, 5, "x", 1, 1, 1).halt());
        assertEquals(HaltPolicy.When.SOON, HaltPolicy.parse("5%").jobEnded(true, 5, "x", 1, 1, 4).halt());
    }

    @Test
    void failPercentHaltsWhenThatShareOfAllJobsFailedAndExitsWithThePercentage() throws RunnerException {
        // now,fail=30% over 10 jobs, every 3rd fails: stops after job 9, rc 30
        HaltPolicy h = HaltPolicy.parse("now,fail=30%");
        boolean[] f = new boolean[10];
        for (int i = 2; i < 10; i += 3) f[i] = true;
        assertEquals(9, run(h, 10, f));
        assertEquals(30, h.exitStatus(3, 9));
        // soon,fail=20%: stops after job 6, rc 20
        HaltPolicy s = HaltPolicy.parse("soon,fail=20%");
        assertEquals(6, run(s, 10, f));
        assertEquals(20, s.exitStatus(2, 6));
    }

    @Test
    void fivePercentOfFourJobsHaltsOnTheFirstFailureWithStatus25() throws RunnerException {
        HaltPolicy h = HaltPolicy.parse("5%");
        assertEquals(1, run(h, 4, true));
        assertEquals(25, h.exitStatus(1, 1));
    }

    @Test
    void successOneExitsZeroAndAnnouncesTheJob() throws RunnerException {
        HaltPolicy h = HaltPolicy.parse("now,success=1");
        assertNull(h.jobEnded(true, 1, "echo 1; exit 1", 1, 1, 3).message());
        HaltPolicy.Decision d = h.jobEnded(false, 0, "echo 3; exit 0", 1, 2, 3);
        assertEquals("This job succeeded: echo 3; exit 0", d.message());
        assertEquals(HaltPolicy.When.NOW, d.halt());
        assertEquals(0, h.exitStatus(1, 2));
    }

    @Test
    void failTwoExitsWithTheFailureCount() throws RunnerException {
        HaltPolicy h = HaltPolicy.parse("now,fail=2");
        assertEquals(3, run(h, 4, false, true, true, true));
        assertEquals(2, h.exitStatus(2, 3));
    }

    @Test
    void doneTwoAnnouncesEveryJobAndExitsWithTheFailureCount() throws RunnerException {
        HaltPolicy h = HaltPolicy.parse("now,done=2");
        assertEquals("This job finished: job1", h.jobEnded(true, 3, "job1", 1, 1, 5).message());
        HaltPolicy.Decision d = h.jobEnded(false, 0, "job2", 1, 2, 5);
        assertEquals(HaltPolicy.When.NOW, d.halt());
        assertEquals(1, h.exitStatus(1, 2));
    }

    @Test
    void everyFailureIsAnnouncedOnceAFailPolicyIsActive() throws RunnerException {
        HaltPolicy h = HaltPolicy.parse("soon,fail=3");
        assertEquals("This job failed: a", h.jobEnded(true, 1, "a", 1, 1, 9).message());
        assertNull(h.jobEnded(false, 0, "b", 1, 2, 9).message());
    }

    @Test
    void aPercentagePolicyThatNeverTriggersExitsWithThePercentOfStartedJobs() throws RunnerException {
        // GNU parallel's halt(): ceil(failed / started * 100), not the failure count
        HaltPolicy h = HaltPolicy.parse("soon,fail=50%");
        assertEquals(0, run(h, 10, true, false, false, false, false, false, false, false, false, false));
        assertEquals(10, h.exitStatus(1, 10));
    }

    @Test
    void neverBehavesAsNoHalt() throws RunnerException {
        HaltPolicy h = HaltPolicy.parse("never");
        assertEquals(0, run(h, 5, true, true));
        assertEquals(2, h.exitStatus(2, 5));
    }

    @Test
    void badFormsGetGnuParallelsMessages() {
        assertTrue(assertThrows(RunnerException.class, () -> HaltPolicy.parse("later,fail=1")).getMessage()
                .startsWith("--halt must have 'never', 'soon', or 'now'"));
        assertTrue(assertThrows(RunnerException.class, () -> HaltPolicy.parse("now,oops=1")).getMessage()
                .startsWith("--halt now must be followed by ,success or ,fail"));
        assertTrue(assertThrows(RunnerException.class, () -> HaltPolicy.parse("now,fail=x")).getMessage()
                .startsWith("--halt now,fail must be followed by ,number or ,percent%"));
        assertTrue(assertThrows(RunnerException.class, () -> HaltPolicy.parse("now,fail")).getMessage()
                .startsWith("--halt now,fail must be followed by ,number or ,percent%"));
    }

    @Test
    void needsTheTotalOnlyForAPercentage() throws RunnerException {
        assertTrue(HaltPolicy.parse("now,fail=10%").needsTotal());
        assertEquals(false, HaltPolicy.parse("now,fail=10").needsTotal());
    }
}
