package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The joblog's bytes, against rows GNU parallel 20221122 wrote on this machine. */
class JobLogTest {
    @TempDir
    Path dir;

    @Test
    void headerIsGnuParallels() {
        assertEquals("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n", JobLog.HEADER);
    }

    @Test
    void rowsMatchGnuParallelByteForByte() {
        // parallel -j2 --joblog jl 'sleep {}; echo out{}; exit {}' ::: 0.3 0 2 1
        assertEquals("2\t:\t1796080054.251\t     0.004\t0\t5\t0\t0\tsleep 0; echo out0; exit 0\n",
                JobLog.row(2, 1796080054251L, 4, 5, 0, 0, "sleep 0; echo out0; exit 0"));
        assertEquals("1\t:\t1796080054.246\t     0.302\t0\t7\t2\t0\tsleep 0.3; echo out0.3; exit 0.3\n",
                JobLog.row(1, 1796080054246L, 302, 7, 2, 0, "sleep 0.3; echo out0.3; exit 0.3"));
        assertEquals("3\t:\t1796080054.258\t     2.008\t0\t5\t2\t0\tsleep 2; echo out2; exit 2\n",
                JobLog.row(3, 1796080054258L, 2008, 5, 2, 0, "sleep 2; echo out2; exit 2"));
    }

    @Test
    void aTimedOutRowHasExitvalMinusOneAndTheSignal() {
        // parallel --timeout ... 'sleep 3'  ->  1 : ... 0.797 0 0 -1 15 sleep 3
        assertEquals("1\t:\t1796080000.000\t     0.797\t0\t0\t-1\t15\tsleep 3\n",
                JobLog.row(1, 1796080000000L, 797, 0, -1, 15, "sleep 3"));
    }

    @Test
    void runtimeIsPaddedToTenColumnsAndNeverCut() {
        assertEquals(" 12345.678", JobLog.row(1, 0, 12_345_678, 0, 0, 0, "x").split("\t")[3]);
        assertEquals("1234567.890", JobLog.row(1, 0, 1_234_567_890, 0, 0, 0, "x").split("\t")[3]);
        assertEquals("0.000", JobLog.row(1, 0, 0, 0, 0, 0, "x").split("\t")[2]);
        assertEquals("     0.010", JobLog.row(1, 0, 10, 0, 0, 0, "x").split("\t")[3]);
    }

    @Test
    void newlinesInTheCommandBecomeNul() {
        // command "echo {}\necho x" with input a  ->  Command bytes "echo a\0echo x\n"
        assertTrue(JobLog.row(1, 0, 0, 0, 0, 0, "echo a\necho x").endsWith("\techo a\0echo x\n"));
    }

    private List<String> lines(Path p) throws Exception {
        return Files.readAllLines(p);
    }

    @Test
    void aPlainNameTruncatesAndWritesTheHeader() throws Exception {
        Path p = dir.resolve("jl");
        Files.writeString(p, "old\n");
        JobLog.open(p.toString(), false, false, null).close();
        assertEquals(JobLog.HEADER, Files.readString(p));
    }

    @Test
    void aPlusNameAppendsAndNeverWritesAHeader() throws Exception {
        Path p = dir.resolve("jl");
        JobLog.open(p.toString(), true, false, null).close();
        assertEquals("", Files.readString(p));
        Files.writeString(p, "1\t:\t0.000\t     0.000\t0\t0\t0\t0\tx\n");
        JobLog.open(p.toString(), true, false, null).close();
        assertEquals(1, lines(p).size());
    }

    @Test
    void resumingAppendsToANonEmptyJoblogWithoutAHeader() throws Exception {
        Path p = dir.resolve("jl");
        String before = JobLog.HEADER + "1\t:\t0.000\t     0.000\t0\t0\t0\t0\tx\n";
        Files.writeString(p, before);
        JobLog.open(p.toString(), false, true, null).close();
        assertEquals(before, Files.readString(p));
    }

    @Test
    void resumingAnEmptyOrMissingJoblogWritesTheHeader() throws Exception {
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "");
        JobLog.open(empty.toString(), false, true, null).close();
        assertEquals(JobLog.HEADER, Files.readString(empty));
        Path missing = dir.resolve("missing");
        JobLog.open(missing.toString(), false, true, null).close();
        assertEquals(JobLog.HEADER, Files.readString(missing));
    }

    @Test
    void dashWritesTheHeaderToStdout() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Sink sink = new Sink(out, new ByteArrayOutputStream());
        JobLog.open("-", false, false, sink).close();
        assertEquals(JobLog.HEADER, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anUnwritableJoblogIsARunnerErrorNamingIt() {
        String name = dir.resolve("no/such/dir/jl").toString();
        RunnerException e = assertThrows(RunnerException.class, () -> JobLog.open(name, false, false, null));
        assertEquals("Cannot write to --joblog " + name + ": No such file or directory", e.getMessage());
        RunnerException a = assertThrows(RunnerException.class, () -> JobLog.open(name, true, false, null));
        assertEquals("Cannot append to --joblog " + name + ": No such file or directory", a.getMessage());
    }
}
