package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a joblog for --resume and --resume-failed, with GNU parallel's rules. */
class ResumeTest {
    @TempDir
    Path dir;

    private Path joblog(String... rows) throws Exception {
        Path p = dir.resolve("jl");
        Files.writeString(p, JobLog.HEADER + String.join("", rows));
        return p;
    }

    private static String row(int seq, int exitval, int signal) {
        return JobLog.row(seq, 1796080054251L, 4, 0, exitval, signal, "echo run" + seq);
    }

    @Test
    void resumeSkipsEveryLoggedSeqFailedOrNot() throws Exception {
        Resume r = Resume.read(joblog(row(1, 0, 0), row(2, 1, 0), row(4, 0, 9)), false);
        assertTrue(r.isDone(1));
        assertTrue(r.isDone(2));
        assertFalse(r.isDone(3));
        assertTrue(r.isDone(4));
        assertFalse(r.isDone(5));
    }

    @Test
    void resumeFailedSkipsOnlyRowsWithExitvalAndSignalZero() throws Exception {
        Resume r = Resume.read(joblog(row(1, 0, 0), row(2, 1, 0), row(3, 0, 9), row(4, -1, 15)), true);
        assertTrue(r.isDone(1));
        assertFalse(r.isDone(2));
        assertFalse(r.isDone(3));
        assertFalse(r.isDone(4));
    }

    @Test
    void aLaterSuccessRowOverridesAnEarlierFailure() throws Exception {
        Resume r = Resume.read(joblog(row(2, 1, 0), row(2, 0, 0)), true);
        assertTrue(r.isDone(2));
    }

    @Test
    void theFirstLineIsTakenAsTheHeaderWithoutLookingAtIt() throws Exception {
        Path p = dir.resolve("noheader");
        Files.writeString(p, row(1, 0, 0) + row(2, 0, 0));
        Resume r = Resume.read(p, false);
        assertFalse(r.isDone(1), "GNU parallel loses the first row of a joblog without a header");
        assertTrue(r.isDone(2));
    }

    @Test
    void aMissingJoblogMeansNothingIsDone() throws Exception {
        assertFalse(Resume.read(dir.resolve("missing"), false).isDone(1));
    }

    @Test
    void aRowThatIsNotAJoblogRowIsAnErrorQuotingIt() throws Exception {
        Path p = joblog(row(1, 0, 0), "foo bar\n");
        RunnerException e = assertThrows(RunnerException.class, () -> Resume.read(p, false));
        assertEquals("Format of '" + p + "' is wrong: foo bar", e.getMessage());
    }

    @Test
    void resumeFailedStillChecksTheFormatOfFailedRows() throws Exception {
        Path ok = joblog(row(1, 2, 0));
        assertFalse(Resume.read(ok, true).isDone(1));
        Path bad = joblog("7\tnot a row\n");
        assertThrows(RunnerException.class, () -> Resume.read(bad, true));
    }

    @Test
    void aCommandHoldingACarriageReturnStaysOneRow() throws Exception {
        Path p = joblog(JobLog.row(1, 0, 4, 0, 0, 0, "printf 'a\rb'"));
        assertTrue(Resume.read(p, true).isDone(1));
    }

    @Test
    void anUnreadableJoblogIsARunnerError() throws Exception {
        Path p = dir.resolve("adir");
        Files.createDirectory(p);
        RunnerException e = assertThrows(RunnerException.class, () -> Resume.read(p, false));
        assertTrue(e.getMessage().startsWith("Cannot read --joblog " + p + " to resume: "), e.getMessage());
    }
}
