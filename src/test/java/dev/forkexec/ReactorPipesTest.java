package dev.forkexec;

import static dev.forkexec.ReactorTestSupport.assertExited;
import static dev.forkexec.ReactorTestSupport.assertKilled;
import static dev.forkexec.ReactorTestSupport.await;
import static dev.forkexec.ReactorTestSupport.sh;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pipes beyond 0-2, who closes what and when, and the errors of the write methods. */
class ReactorPipesTest {
    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Twisted's FDChecker: six fds. The child reads fd 0 and fd 3, answers on fd 4 and closes it; the
     * parent sees childConnectionLost(4), sends a tail on fd 5 and closes it; the child reads fd 5 to
     * EOF and reports on fd 1.
     */
    @Test
    void sixFdHandshake() throws Exception {
        ProcessSpec spec = sh("read a; read b <&3; printf 'got %s %s' \"$a\" \"$b\" >&4; exec 4>&-; "
                + "tail=$(cat <&5); printf 'righto %s' \"$tail\"; printf 'quiet' >&2")
                .childFDs(Map.of(0, ChildFD.parentWrites(), 1, ChildFD.parentReads(), 2, ChildFD.parentReads(),
                        3, ChildFD.parentWrites(), 4, ChildFD.parentReads(), 5, ChildFD.parentWrites()))
                .build();
        RecordingProtocol p = new RecordingProtocol()
                .whenConnected((t, v) -> {
                    t.write(ascii("abcd\n"));
                    t.closeStdin();
                    t.writeToChild(3, ascii("efgh\n"));
                    t.closeChildFD(3);
                })
                .whenLost((t, fd) -> {
                    if (fd == 4) {
                        t.writeToChild(5, ascii("ijkl"));
                        t.closeChildFD(5);
                    }
                });
        rt.reactor().spawnProcess(p, spec);
        assertExited(0, p.awaitEnded());
        assertEquals("got abcd efgh", p.string(4));
        assertEquals("righto ijkl", p.string(1));
        assertEquals("quiet", p.string(2));
        p.assertWellFormed(Set.of(0, 1, 2, 3, 4, 5));
        assertTrue(p.indexOf("lost", 4) < p.indexOf("lost", 5), "4 lost before we close 5: " + p);
        assertTrue(p.indexOf("lost", 5) < p.indexOf("data", 1), "fd 1 answers only after 5 closed: " + p);
    }

    /**
     * Twisted's test_linger: the child closes stdout long before it exits; its output arrives, stdout
     * is reported lost at once, and processEnded waits for the exit. (The child waits on stdin instead
     * of sleeping, so the order is certain.)
     */
    @Test
    void childClosingStdoutEarlyLingers() throws Exception {
        RecordingProtocol p = new RecordingProtocol().whenLost((t, fd) -> {
            if (fd == 1) t.closeStdin(); // lets the child exit
        });
        rt.reactor().spawnProcess(p, sh("printf 'here is some text\\ngoodbye\\n'; exec 1>&-; read x; exit 0").build());
        assertExited(0, p.awaitEnded());
        assertEquals("here is some text\ngoodbye\n", p.string(1));
        assertTrue(p.indexOf("lost", 1) < p.indexOf("exited", -1), "stdout lost before the exit: " + p);
        p.assertWellFormed();
    }

    /**
     * The child exits while a grandchild still holds its stdout and stderr: processExited comes, and
     * processEnded only once the grandchild lets go of the pipes (Twisted's "processExited vs
     * processEnded" tests). The grandchild waits on fd 3 until processExited releases it.
     */
    @Test
    void processExitedComesWhileAGrandchildHoldsThePipes() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        p.whenExited((t, s) -> {
            assertEquals(-1, p.indexOf("lost", 1), "stdout may not be lost yet: " + p);
            assertEquals(-1, p.indexOf("lost", 2), "stderr may not be lost yet: " + p);
            t.writeToChild(3, ascii("go\n"));
            t.closeChildFD(3);
        });
        ChildProcess c = rt.reactor().spawnProcess(p,
                sh("(read x <&3; printf late; printf late2 >&2) & exit 7").childFD(3, ChildFD.parentWrites()).build());
        assertExited(7, await(p.exited));
        assertExited(7, p.awaitEnded());
        assertEquals("late", p.string(1));
        assertEquals("late2", p.string(2));
        assertTrue(p.indexOf("exited", -1) < p.indexOf("data", 1), "grandchild output after processExited: " + p);
        assertTrue(p.indexOf("lost", 1) < p.indexOf("ended", -1));
        p.assertWellFormed();
        assertTrue(c.toString().contains("exit 7"), c.toString());
    }

    @Test
    void closeStdoutAtOnceKillsAWritingChildWithSigpipe() throws Exception {
        RecordingProtocol p = new RecordingProtocol().whenConnected((t, v) -> t.closeStdout());
        rt.reactor().spawnProcess(p, ProcessSpec.command("yes").build());
        ExitStatus s = p.awaitEnded();
        assertKilled(13, s);
        p.assertWellFormed();
    }

    @Test
    void closeStdoutWhileReadingStopsTheDataAndKillsWithSigpipe() throws Exception {
        RecordingProtocol p = new RecordingProtocol().whenData((t, data) -> {
            t.closeStdout();
        });
        rt.reactor().spawnProcess(p, sh("exec cat /dev/zero").build());
        assertKilled(13, p.awaitEnded());
        assertTrue(p.count(1) > 0);
        p.assertWellFormed(); // also: no data after childConnectionLost(1)
    }

    @Test
    void loseConnectionClosesStdinThenStderrThenStdout() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        c.loseConnection();
        assertExited(0, p.awaitEnded());
        List<Integer> order = new ArrayList<>();
        for (RecordingProtocol.Event e : p.events()) {
            if (e.kind.equals("lost")) order.add(e.fd);
        }
        assertEquals(List.of(0, 2, 1), order);
        p.assertWellFormed();
    }

    @Test
    void closeStdinFlushesQueuedDataFirst() throws Exception {
        byte[] mib = new byte[1 << 20];
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, sh("wc -c | tr -d ' '").build());
        c.write(mib);
        c.write(mib);
        c.closeStdin();
        assertExited(0, p.awaitEnded());
        assertEquals(Integer.toString(2 << 20), p.string(1).trim());
    }

    @Test
    void childClosingStdinIsReportedAndLaterWritesAreDropped() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p,
                sh("exec 0<&-; read x <&3; printf done").childFD(3, ChildFD.parentWrites()).build());
        await(p.lost(0));
        assertDoesNotThrow(() -> c.write(new byte[100_000]), "the child's close drops data, it does not throw");
        assertDoesNotThrow(() -> c.writeSequence(List.of(ByteBuffer.allocate(10))));
        c.writeToChild(3, ascii("go\n"));
        assertExited(0, p.awaitEnded());
        assertEquals("done", p.string(1));
        p.assertWellFormed();
    }

    @Test
    void writeToChildOnAReaderOrUnmappedOrInheritedFdIsIllegalArgument() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").childFD(3, ChildFD.inherit(2)).build());
        assertThrows(IllegalArgumentException.class, () -> c.writeToChild(1, ascii("x")));
        assertThrows(IllegalArgumentException.class, () -> c.writeToChild(2, ascii("x")));
        assertThrows(IllegalArgumentException.class, () -> c.writeToChild(3, ascii("x")));
        assertThrows(IllegalArgumentException.class, () -> c.writeToChild(7, ascii("x")));
        assertThrows(IllegalArgumentException.class, () -> c.writeToChild(-1, ascii("x")));
        c.writeToChild(0, ascii("still fine"));
        c.closeStdin();
        assertExited(0, p.awaitEnded());
        assertEquals("still fine", p.string(1));
    }

    @Test
    void writeWithoutAStdinPipeIsIllegalState() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p,
                sh("printf x").childFDs(Map.of(1, ChildFD.parentReads())).build());
        assertThrows(IllegalStateException.class, () -> c.write(new byte[] {1}));
        assertThrows(IllegalStateException.class, () -> c.write(ascii("x")));
        assertThrows(IllegalStateException.class, () -> c.writeSequence(List.of(ascii("x"))));
        assertThrows(IllegalArgumentException.class, () -> c.writeToChild(0, ascii("x")));
        c.closeStdin(); // no pipe: a no-op
        assertExited(0, p.awaitEnded());
        assertEquals("x", p.string(1));
        p.assertWellFormed(Set.of(1));
    }

    @Test
    void writeAfterCloseStdinIsIllegalState() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = rt.reactor().spawnProcess(p, ProcessSpec.command("cat").build());
        c.write(ascii("before"));
        c.closeStdin();
        assertThrows(IllegalStateException.class, () -> c.write(ascii("after")));
        assertThrows(IllegalStateException.class, () -> c.write(new byte[] {1}));
        assertThrows(IllegalStateException.class, () -> c.writeSequence(List.of(ascii("after"))));
        assertThrows(IllegalArgumentException.class, () -> c.writeToChild(0, ascii("after")));
        c.closeStdin(); // twice: a no-op
        c.closeChildFD(9); // unknown: a no-op
        assertExited(0, p.awaitEnded());
        assertEquals("before", p.string(1));
        p.assertWellFormed();
    }
}
