package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.ProcFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ChildFD's files and shared entries: readFrom, writeTo, appendTo, devNull, sameAs. Truncating,
 * appending, stdin from a file and stderr into stdout's file, as every way with redirects does them:
 * {@link SharedBehavioursTest}.
 */
class RedirectsTest {
    private static final int ENOENT = 2;
    private static final int EISDIR = 21;

    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestSupport.tempDir("fxtest-redirects");
    }

    @AfterEach
    void tearDown() throws Exception {
        TestSupport.deleteTree(dir);
    }

    /** Runs the spec to its end and releases it. */
    private static ExitStatus run(ProcessSpec spec) throws Exception {
        try (Subprocess p = Subprocess.start(spec)) {
            return p.waitFor();
        }
    }

    private static ProcessSpec.Builder sh(String script) {
        return ProcessSpec.command("sh", "-c", script);
    }

    @Test
    void writeToCreatesTheFileWithModeFromTheUmask() throws Exception {
        Path out = dir.resolve("out");
        run(sh("echo hi").umask(022).childFDs(Map.of(1, ChildFD.writeTo(out))).build());
        assertEquals("hi\n", Files.readString(out));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    @Test
    void devNullReadsAsEndOfFileAndSwallowsWrites() throws Exception {
        TestSupport.Result r = TestSupport.run(sh("cat; echo after-eof; echo lost >&2")
                .childFDs(Map.of(0, ChildFD.devNull(), 1, ChildFD.parentReads(), 2, ChildFD.devNull())).build());
        assertEquals(ExitStatus.exited(0), r.status());
        assertEquals("after-eof\n", r.out());
        Map<Integer, TestSupport.ProbeFd> fds = TestSupport.parseFds(TestSupport.output(TestSupport.probe("fds")
                .childFDs(Map.of(1, ChildFD.parentReads(), 5, ChildFD.devNull())).build()));
        assertEquals("/dev/null", fds.get(5).target());
        assertEquals("rw", TestSupport.parseModes(TestSupport.output(TestSupport.probe("modes")
                .childFDs(Map.of(1, ChildFD.parentReads(), 5, ChildFD.devNull())).build())).get(5));
    }

    @Test
    void sameAsMergesStderrIntoTheStdoutPipeInWriteOrder() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        rt.reactor().spawnProcess(p, sh("echo one; echo two >&2; echo three; echo four >&2")
                .childFD(2, ChildFD.sameAs(1)).build());
        assertEquals(ExitStatus.exited(0), p.awaitEnded());
        assertEquals("one\ntwo\nthree\nfour\n", p.string(1));
        assertEquals(List.of("lost(1)"), p.events().stream().map(Object::toString)
                .filter(e -> e.startsWith("lost(1") || e.startsWith("lost(2")).toList(), "one pipe, one childConnectionLost");
        p.assertWellFormed(Set.of(0, 1));
    }

    @Test
    void sameAsGivesBothFdsOnePipeInSubprocess() throws Exception {
        try (Subprocess s = Subprocess.start(sh("echo out; echo err >&2").childFD(2, ChildFD.sameAs(1)).build())) {
            assertEquals(Set.of(0, 1), s.channels().keySet());
            assertEquals("out\nerr\n", TestSupport.readString(s.channel(1)));
            assertEquals(ExitStatus.exited(0), s.waitFor());
        }
    }

    @Test
    void sameAsChainsResolveToTheirEnd() throws Exception {
        Map<Integer, TestSupport.ProbeFd> fds = TestSupport.parseFds(TestSupport.output(TestSupport.probe("fds")
                .childFDs(Map.of(1, ChildFD.parentReads(), 3, ChildFD.sameAs(4), 4, ChildFD.sameAs(1))).build()));
        assertEquals(fds.get(1).ino(), fds.get(3).ino());
        assertEquals(fds.get(1).ino(), fds.get(4).ino());
    }

    @Test
    void aFileThatCannotBeOpenedFailsWithStepOpenAndLeavesNoFd() throws Exception {
        Path missing = dir.resolve("no/such/input");
        Map<Integer, String> before = ProcFs.openFds();
        SpawnException e = TestSupport.assertFailsCleanly(ProcessSpec.command("cat")
                .childFDs(Map.of(0, ChildFD.readFrom(missing), 1, ChildFD.parentReads())).build());
        assertEquals("open", e.step());
        assertEquals(ENOENT, e.errno());
        assertEquals("open " + missing + ": No such file or directory (ENOENT)", e.getMessage());
        assertEquals(before, ProcFs.openFds(), "an fd was left open");
    }

    @Test
    void writingToADirectoryFailsWithStepOpenEisdir() throws Exception {
        SpawnException e = TestSupport.assertFailsCleanly(sh("true").childFDs(Map.of(1, ChildFD.writeTo(dir))).build());
        assertEquals("open", e.step());
        assertEquals(EISDIR, e.errno());
        assertEquals("open " + dir + ": Is a directory (EISDIR)", e.getMessage());
    }

    @Test
    void theParentClosesTheFilesRightAfterTheSpawn() throws Exception {
        Path out = dir.resolve("out");
        Path in = Files.writeString(dir.resolve("in"), "x");
        Map<Integer, String> before = ProcFs.openFds();
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sleep", "5")
                .childFDs(Map.of(0, ChildFD.readFrom(in), 1, ChildFD.writeTo(out), 2, ChildFD.devNull())).build())) {
            Map<Integer, String> during = ProcFs.openFds();
            during.values().remove("anon_inode:[pidfd]"); // the child's own pidfd, which Subprocess keeps
            assertEquals(before, during, "the parent kept a file open while the child runs");
        }
    }

    @Test
    void sameAsNamingAChildFdNotInTheMapIsRejectedAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessSpec.command("true").childFDs(Map.of(2, ChildFD.sameAs(1))).build());
        assertTrue(e.getMessage().contains("sameAs(1)") && e.getMessage().contains("not in the map"), e.getMessage());
    }

    @Test
    void sameAsLoopsAreRejectedAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true")
                .childFDs(Map.of(1, ChildFD.sameAs(2), 2, ChildFD.sameAs(1))).build());
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.command("true")
                .childFDs(Map.of(3, ChildFD.sameAs(3))).build());
    }

    @Test
    void aNullFileIsRejected() {
        for (Runnable r : List.<Runnable>of(() -> ChildFD.readFrom(null), () -> ChildFD.writeTo(null),
                () -> ChildFD.appendTo(null))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().contains("must not be null"), e.getMessage());
        }
    }

    @Test
    void redirectsPrintAsAShellWouldWriteThem() {
        Path f = Path.of("/tmp/f");
        assertEquals("< /tmp/f", ChildFD.readFrom(f).toString());
        assertEquals("> /tmp/f", ChildFD.writeTo(f).toString());
        assertEquals(">> /tmp/f", ChildFD.appendTo(f).toString());
        assertEquals("/dev/null", ChildFD.devNull().toString());
        assertEquals("&1", ChildFD.sameAs(1).toString());
        assertEquals(ChildFD.writeTo(f), ChildFD.writeTo(Path.of("/tmp/f")));
        assertTrue(!ChildFD.writeTo(f).equals(ChildFD.appendTo(f)));
    }
}
