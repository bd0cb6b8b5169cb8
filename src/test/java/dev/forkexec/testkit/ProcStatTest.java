package dev.forkexec.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The kit's one parser of {@code /proc/<pid>/stat}, on a hostile command name and on this JVM. */
class ProcStatTest {
    @Test
    void aCommandNameWithSpacesAndParenthesesIsReadWholeAndTheFieldsAfterItByNumber() {
        // Fields 1-20 of proc(5); the name ends at the last ')'.
        ProcStat s = ProcStat.parse("4242 (a) (b c)) Z 17 4200 4100 34817 4300 4194560 10 0 0 0 1 2 0 0 20 5 3 0 "
                + "123 456 789");
        assertEquals(new ProcStat(4242, "a) (b c)", 'Z', 17, 4200, 4100, 34817, 4300, 5, 3), s);
        assertTrue(s.isZombie());
    }

    @Test
    void thisJvmsStatNamesItsPidParentSessionAndThreads() {
        ProcStat self = ProcStat.self();
        assertEquals(ProcessHandle.current().pid(), self.pid());
        assertEquals(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L), self.ppid());
        assertFalse(self.isZombie());
        assertTrue(self.numThreads() > 1, "a JVM has more than one thread: " + self);
        assertEquals(Optional.of(self.session()), ProcStat.of(ProcFs.PID).map(ProcStat::session));
    }

    @Test
    void aPidThatDoesNotExistHasNoStatAndDoesNotRun() {
        long none = Long.MAX_VALUE; // above pid_max
        assertEquals(Optional.empty(), ProcStat.of(none));
        assertFalse(ProcStat.isRunning(none));
    }
}
