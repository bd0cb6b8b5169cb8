package dev.forkexec;

import static dev.forkexec.ReactorTestSupport.assertExited;
import static dev.forkexec.ReactorTestSupport.assertKilled;
import static dev.forkexec.ReactorTestSupport.await;
import static dev.forkexec.ReactorTestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.internal.Signals;
import dev.forkexec.testkit.ProcFs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A child on a real pseudo-terminal through the Reactor: the master as one fd in the poll set for
 * both directions, output as child fd 1, EIO as its end, every byte before childConnectionLost(1)
 * and processEnded, writes with back-pressure, VEOF for closeStdin, SIGHUP for loseConnection,
 * SIGWINCH for a resize, ^C as SIGINT, and nothing left behind by 200 terminals.
 */
@Timeout(120)
class TerminalReactorTest {
    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    private Map<Integer, String> terminalFdsBefore;

    @BeforeEach
    void snapshot() throws Exception {
        terminalFdsBefore = ProcFs.terminalFds();
    }

    @AfterEach
    void noTerminalFdLeft() throws Exception {
        // The reactors are closed by the extension after this; every child here has ended by now.
        assertEquals(terminalFdsBefore, ProcFs.terminalFds(), "terminal fds left open");
    }

    private ChildProcess spawn(RecordingProtocol p, ProcessSpec spec) throws SpawnException {
        return rt.reactor().spawnProcess(p, spec);
    }

    @Test
    void whatTheTerminalShowsArrivesAsChildFdOneThenOneLossThenTheEnd() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        spawn(p, ProcessSpec.command("sh", "-c", "echo out; echo err >&2").usePTY().build());
        assertExited(0, p.awaitEnded());
        assertEquals("out\r\nerr\r\n", p.string(1));
        p.assertWellFormed(Set.of(1));
        assertTrue(p.indexOf("lost", 1) < p.indexOf("ended", -1), p.toString());
    }

    @Test
    void theMasterIsOneFdForBothDirections() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("cat").usePTY().build());
        Map<Integer, String> now = ProcFs.terminalFds();
        now.keySet().removeAll(terminalFdsBefore.keySet());
        assertEquals(List.of("/dev/ptmx"), new ArrayList<>(now.values()), "one master fd, no slave: " + now);
        c.write("ping\n".getBytes(StandardCharsets.UTF_8));
        awaitCondition("cat's answer", () -> p.string(1).equals("ping\r\nping\r\n"));
        c.signalProcess("KILL");
        assertKilled(9, p.awaitEnded());
    }

    @Test
    void everyByteOfAChildThatWritesAndExitsAtOnceArrivesBeforeTheEnd() throws Exception {
        // Output left in the terminal when the session leader exits is still read before EIO.
        for (int round = 0; round < 20; round++) {
            int size = round % 2 == 0 ? 3000 : 300_000;
            RecordingProtocol p = new RecordingProtocol().discardData();
            spawn(p, ProcessSpec.command("head", "-c", String.valueOf(size), "/dev/zero").usePTY().terminalRaw(true).build());
            assertExited(0, p.awaitEnded());
            assertEquals(size, p.count(1), "round " + round);
            p.assertWellFormed(Set.of(1));
        }
    }

    @Test
    void sixteenMiBGoThroughTheTerminalAndBackInRawModeWithNothingLost() throws Exception {
        byte[] chunk = new byte[256 * 1024];
        new Random(13).nextBytes(chunk);
        int chunks = 64; // 16 MiB
        CRC32 sent = new CRC32();
        for (int i = 0; i < chunks; i++) sent.update(chunk);
        AtomicInteger produced = new AtomicInteger();
        RecordingProtocol p = new RecordingProtocol().discardData();
        ChildProcess c = spawn(p, ProcessSpec.command("cat").usePTY().terminalRaw(true).build());
        // A pull producer: one chunk each time the queue has drained into the terminal.
        c.registerProducer(new Producer() {
            @Override
            public void resumeProducing() {
                if (produced.get() == chunks) {
                    c.unregisterProducer();
                    return;
                }
                produced.incrementAndGet();
                c.write(ByteBuffer.wrap(chunk));
            }

            @Override
            public void pauseProducing() {}

            @Override
            public void stopProducing() {}
        }, false);
        long total = (long) chunks * chunk.length;
        awaitCondition("16 MiB back from cat", () -> p.count(1) >= total);
        // cat reads raw input, where VEOF is data: end it with a signal once everything came back.
        c.signalProcess("TERM");
        assertKilled(Signals.SIGTERM, p.awaitEnded());
        assertEquals(total, p.count(1));
        assertEquals(sent.getValue(), p.crc(1), "the bytes came back unchanged");
    }

    @Test
    void writesQueueAndPauseAStreamingProducerWhenTheChildDoesNotRead() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("sleep", "100").usePTY().terminalRaw(true).build());
        CompletableFuture<Void> paused = new CompletableFuture<>();
        c.registerProducer(new Producer() {
            @Override
            public void pauseProducing() {
                paused.complete(null);
            }

            @Override
            public void resumeProducing() {}

            @Override
            public void stopProducing() {}
        }, true);
        c.write(new byte[1 << 20]); // the terminal takes some 20 KB, the rest waits in the queue
        assertTrue(paused.isDone(), "the write that crossed the high-water mark paused the producer");
        c.signalProcess("KILL");
        assertKilled(9, p.awaitEnded());
        p.assertWellFormed(Set.of(1));
    }

    @Test
    void closeStdinTypesVeofSoCatSeesEndOfFile() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("cat").usePTY().build());
        c.write("line\n".getBytes(StandardCharsets.UTF_8));
        c.closeStdin();
        assertExited(0, p.awaitEnded());
        assertEquals("line\r\nline\r\n", p.string(1));
        assertThrows(IllegalStateException.class, () -> c.write(new byte[] {'x'}), "no typing after closeStdin");
        p.assertWellFormed(Set.of(1));
        assertEquals(-1, p.indexOf("lost", 0), "the terminal's input is not a pipe of its own: " + p);
    }

    @Test
    void closeStdinTypesTheVeofTheTerminalHasAtThatMoment() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("sh", "-c", "stty eof ^X; echo ready; exec cat").usePTY().build());
        awaitCondition("ready", () -> p.string(1).contains("ready\r\n"));
        assertEquals(24, c.terminal().eofCharacter());
        c.closeStdin();
        assertExited(0, p.awaitEnded());
    }

    @Test
    void aChildThatClosesItsTerminalBeforeExitingExitsAsItMeantTo() throws Exception {
        // The end of file comes while the child still runs: closing the master then would hang the
        // terminal up and kill the child with SIGHUP (GNU cat closes 0-2 just before exiting, so this
        // struck cat + closeStdin about once in a hundred). The master stays open until the reap.
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("sh", "-c", "echo bye; exec 0<&- 1>&- 2>&-; sleep 0.3; exit 7")
                .usePTY().build());
        await(p.lost(1));
        assertTrue(c.terminal().isOpen(), "the master is kept until the child is reaped");
        assertExited(7, p.awaitEnded());
        assertEquals("bye\r\n", p.string(1));
        assertFalse(c.terminal().isOpen(), "released with the child");
        p.assertWellFormed(Set.of(1));
    }

    @Test
    void loseConnectionClosesTheMasterAndTheSessionGetsSighup() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("sleep", "100").usePTY().build());
        c.loseConnection();
        assertKilled(1, p.awaitEnded());
        p.assertWellFormed(Set.of(1));
    }

    @Test
    void resizeSendsSigwinchToTheForegroundGroupAndSttySeesTheNewSize() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("sh", "-c",
                "trap 'echo winch; stty size' WINCH; stty size; while :; do sleep 0.05; done")
                .usePTY(80, 24).build());
        awaitCondition("the first stty size", () -> p.string(1).contains("24 80\r\n"));
        c.resizeTerminal(132, 50);
        awaitCondition("the trap's output", () -> p.string(1).contains("winch\r\n50 132\r\n"));
        c.signalProcessGroup("KILL");
        assertKilled(9, p.awaitEnded());
    }

    @Test
    void controlCTypedIntoTheTerminalEndsSleepWithSigint() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("sleep", "100").usePTY().build());
        c.terminal().sendInterrupt();
        assertKilled(Signals.SIGINT, p.awaitEnded());
        assertEquals("^C", p.string(1), "ECHOCTL shows the ^C");
    }

    @Test
    void signalForegroundProcessGroupReachesWhatRunsThere() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("sleep", "100").usePTY().build());
        assertEquals(c.pid(), c.terminal().foregroundProcessGroup().getAsLong());
        // The exec-status pipe closes (and spawnProcess returns) a moment before the kernel renames the
        // process from the JVM's thread name to the program's: wait for the name.
        ReactorTestSupport.awaitCondition("the foreground process is named sleep",
                () -> c.terminal().foregroundProcessName().orElse("").equals("sleep"));
        c.terminal().signalForegroundProcessGroup("TERM");
        assertKilled(Signals.SIGTERM, p.awaitEnded());
    }

    @Test
    void theTerminalIsReleasedWithTheChildAndRefusesControlsAfterwards() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("true").usePTY().build());
        assertExited(0, p.awaitEnded());
        assertFalse(c.terminal().isOpen());
        assertThrows(IllegalStateException.class, () -> c.resizeTerminal(100, 40));
        assertThrows(IllegalStateException.class, () -> c.terminal().sendInterrupt());
    }

    @Test
    void resizeTerminalOnAChildWithoutATerminalIsIllegalState() throws Exception {
        RecordingProtocol p = new RecordingProtocol();
        ChildProcess c = spawn(p, ProcessSpec.command("true").build());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.resizeTerminal(100, 40));
        assertTrue(e.getMessage().contains("no terminal"), e.getMessage());
        assertExited(0, p.awaitEnded());
    }

    @Test
    void twoHundredTerminalsOpenAndCloseLeavingNoFdPtyOrZombie() throws Exception {
        int ptysBefore = Terminals.ptysInUse();
        List<RecordingProtocol> protocols = new ArrayList<>();
        for (int batch = 0; batch < 4; batch++) {
            List<RecordingProtocol> live = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                RecordingProtocol p = new RecordingProtocol();
                spawn(p, ProcessSpec.command("sh", "-c", "echo $$").usePTY().build());
                live.add(p);
            }
            for (RecordingProtocol p : live) {
                assertExited(0, p.awaitEnded());
                p.assertWellFormed(Set.of(1));
            }
            protocols.addAll(live);
        }
        assertEquals(200, protocols.size());
        for (RecordingProtocol p : protocols) assertTrue(p.string(1).matches("\\d+\r\n"), p.string(1));
        // The kernel frees a pty a moment after its last close; other programs may use ptys too.
        awaitCondition("the ptys freed (pty/nr back to " + ptysBefore + ")", () -> {
            try {
                return Terminals.ptysInUse() <= ptysBefore;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
