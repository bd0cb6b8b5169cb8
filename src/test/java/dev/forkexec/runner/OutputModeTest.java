package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each output mode prints, and when a job counts as printed (the joblog's row order). */
class OutputModeTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    /** Both streams in write order, as a terminal with 2>&1 would show them. */
    private final ByteArrayOutputStream both = new ByteArrayOutputStream();
    private final Sink sink = new Sink(tee(out), tee(err));
    private final List<Long> printed = new ArrayList<>();

    private java.io.OutputStream tee(ByteArrayOutputStream own) {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) {
                own.write(b);
                both.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                own.write(b, off, len);
                both.write(b, off, len);
            }
        };
    }

    private OutputMode mode(String... options) throws RunnerException {
        List<String> argv = new ArrayList<>(List.of(options));
        argv.add("echo");
        Options o = Options.parse(argv.toArray(new String[0]), 2);
        return OutputMode.create(o, sink, tmp, j -> printed.add(j.seq));
    }

    private static Job job(long seq, String... args) {
        return new Job(seq, args);
    }

    private static void write(OutputMode m, Job j, int fd, String s) {
        m.data(j, fd, ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String both() {
        return both.toString(StandardCharsets.UTF_8);
    }

    @Test
    void groupedPrintsEachJobWholeWhenItEndsStdoutThenStderr() throws RunnerException {
        OutputMode m = mode();
        Job a = job(1, "3");
        Job b = job(2, "1");
        m.started(a);
        m.started(b);
        write(m, a, 1, "o1-3\n");
        write(m, a, 2, "e1-3\n");
        write(m, b, 1, "o1-1\n");
        write(m, b, 2, "e1-1\n");
        write(m, b, 1, "o2-1\n");
        write(m, b, 2, "e2-1\n");
        assertEquals("", both());
        m.finished(b);
        write(m, a, 1, "o2-3\n");
        write(m, a, 2, "e2-3\n");
        m.finished(a);
        // GNU parallel: o1-1 o2-1 e1-1 e2-1 o1-3 o2-3 e1-3 e2-3
        assertEquals("o1-1\no2-1\ne1-1\ne2-1\no1-3\no2-3\ne1-3\ne2-3\n", both());
        assertEquals(List.of(2L, 1L), printed);
    }

    @Test
    void keepOrderHoldsLaterJobsUntilEarlierOnesEnd() throws RunnerException {
        OutputMode m = mode("-k");
        Job a = job(1, "3");
        Job b = job(2, "1");
        Job c = job(3, "2");
        m.started(a);
        m.started(b);
        m.started(c);
        write(m, b, 1, "1\n");
        m.finished(b);
        write(m, c, 1, "2\n");
        m.finished(c);
        assertEquals("", out());
        assertEquals(List.of(), printed);
        write(m, a, 1, "3\n");
        m.finished(a);
        assertEquals("3\n1\n2\n", out());
        assertEquals(List.of(1L, 2L, 3L), printed);
    }

    @Test
    void tagPrefixesEveryLineOfBothStreamsAndAddsNoNewline() throws RunnerException {
        OutputMode m = mode("--tag");
        Job j = job(1, "x");
        m.started(j);
        write(m, j, 1, "ax\nnoeol");
        write(m, j, 1, "x");
        write(m, j, 2, "bx\n");
        m.finished(j);
        assertEquals("x\tax\nx\tnoeolx", out());
        assertEquals("x\tbx\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theTagJoinsSeveralInputsWithSpacesAndFollowsACarriageReturn() throws RunnerException {
        OutputMode m = mode("--tag");
        Job j = job(1, "a", "b c");
        m.started(j);
        write(m, j, 1, "1\r2\n");
        m.finished(j);
        assertEquals("a b c\t1\ra b c\t2\n", out());
    }

    @Test
    void lineBufferPrintsCompleteLinesAtOnceAndHoldsThePartialOne() throws RunnerException {
        OutputMode m = mode("--line-buffer");
        Job a = job(1, "a");
        Job b = job(2, "b");
        m.started(a);
        m.started(b);
        write(m, a, 1, "a1\na2-part");
        assertEquals("a1\n", out());
        write(m, b, 1, "b1\n");
        assertEquals("a1\nb1\n", out());
        write(m, a, 1, "ial\n");
        assertEquals("a1\nb1\na2-partial\n", out());
        write(m, b, 1, "noeol");
        m.finished(b);
        assertEquals("a1\nb1\na2-partial\nnoeol", out());
        assertEquals(List.of(2L), printed);
    }

    @Test
    void lineBufferWithKeepOrderPrintsOnlyTheOldestJobLive() throws RunnerException {
        OutputMode m = mode("--line-buffer", "-k");
        Job a = job(1, "a");
        Job b = job(2, "b");
        m.started(a);
        m.started(b);
        write(m, b, 1, "b1\n");
        write(m, a, 1, "a1\n");
        assertEquals("a1\n", out());
        write(m, b, 1, "b2\nb3");
        m.finished(b);
        assertEquals("a1\n", out());
        m.finished(a);
        assertEquals("a1\nb1\nb2\nb3", out());
        assertEquals(List.of(1L, 2L), printed);
    }

    @Test
    void aRetriedAttemptsOutputIsDropped() throws RunnerException {
        OutputMode m = mode();
        Job j = job(1, "a");
        m.started(j);
        write(m, j, 1, "first try\n");
        m.retrying(j);
        m.started(j);
        write(m, j, 1, "second try\n");
        m.finished(j);
        assertEquals("second try\n", out());
    }

    @Test
    void anAbandonedJobIsNeverPrintedAndDoesNotBlockTheOrder() throws RunnerException {
        OutputMode m = mode("-k");
        Job a = job(1, "a");
        Job b = job(2, "b");
        m.started(a);
        m.started(b);
        write(m, a, 1, "killed\n");
        write(m, b, 1, "done\n");
        m.finished(b);
        m.abandoned(a);
        assertEquals("done\n", out());
        assertEquals(List.of(2L), printed);
    }

    @Test
    void outputBeyondTheMemoryLimitComesBackWholeFromTheSpillFile() throws RunnerException {
        OutputMode m = mode();
        Job j = job(1, "a");
        m.started(j);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            String line = "line " + i + " of a job that writes more than the in-memory limit\n";
            expected.append(line);
            write(m, j, 1, line);
        }
        m.finished(j);
        assertEquals(expected.toString(), out());
    }

    @Test
    void resultsWritesTheGnuParallelLayout() throws Exception {
        Path root = tmp.resolve("R");
        OutputMode m = mode("--results", root.toString());
        Job j = job(4, "a/b", "t\tx");
        m.started(j);
        write(m, j, 1, "out\n");
        write(m, j, 2, "err\n");
        m.finished(j);
        Path d = root.resolve("1").resolve("a\\_b").resolve("2").resolve("t\\tx");
        assertEquals("out\n", java.nio.file.Files.readString(d.resolve("stdout")));
        assertEquals("err\n", java.nio.file.Files.readString(d.resolve("stderr")));
        assertEquals("4", java.nio.file.Files.readString(d.resolve("seq")));
        assertEquals("", out());
        assertEquals(List.of(4L), printed);
    }

    @Test
    void resultsEscapingIsGnuParallels() {
        assertEquals("b\\_c", ResultsOutput.escape("b/c"));
        assertEquals("a\\\\b", ResultsOutput.escape("a\\b"));
        assertEquals("t\\tx", ResultsOutput.escape("t\tx"));
        assertEquals("n\\0l", ResultsOutput.escape("n\0l"));
        assertEquals("a b", ResultsOutput.escape("a b"));
        assertEquals(254, ResultsOutput.escape("é".repeat(200)).getBytes(StandardCharsets.UTF_8).length);
        assertEquals(255, ResultsOutput.escape("x".repeat(300)).length());
    }
}
