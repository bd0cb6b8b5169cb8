package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.ProcFs;
import dev.forkexec.testkit.ProcStat;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A child on a real pseudo-terminal through the blocking layer: what it sees of the terminal (tty,
 * size, session, /dev/tty, modes), the one channel for both directions, and its end of file. Every
 * test checks that no terminal fd, pipe, pidfd or zombie is left.
 */
@Timeout(60)
class TerminalSubprocessTest {
    private Map<Integer, String> terminalFdsBefore;
    private Map<Integer, String> fdsBefore;

    @BeforeEach
    void snapshot() throws Exception {
        terminalFdsBefore = ProcFs.terminalFds();
        fdsBefore = ProcFs.pipeAndPidfdFds();
    }

    @AfterEach
    void nothingLeft() throws Exception {
        assertEquals(terminalFdsBefore, ProcFs.terminalFds(), "terminal fds left open");
        assertEquals(fdsBefore, ProcFs.pipeAndPidfdFds(), "pipes or pidfds left open");
        assertTrue(ProcFs.zombieChildren().isEmpty(), "zombies: " + ProcFs.zombieChildren());
    }

    /** Runs the spec on a terminal, reads it to its end, and returns what it showed (exit 0 required). */
    private static String shown(ProcessSpec spec) throws Exception {
        try (Subprocess p = Subprocess.start(spec)) {
            String text = Terminals.readText(p.channel(1));
            assertEquals(ExitStatus.exited(0), p.waitFor(), () -> spec + " showed: " + text);
            return text;
        }
    }

    @Test
    void ttyPrintsTheTerminalsName() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("tty").usePTY().build())) {
            String text = Terminals.readText(p.channel(1));
            assertEquals(ExitStatus.exited(0), p.waitFor(), text);
            assertTrue(p.terminal().name().matches("/dev/pts/\\d+"), p.terminal().name());
            assertEquals(p.terminal().name() + "\r\n", text);
        }
    }

    @Test
    void sttySizeIsTheSizeAskedForBeforeTheChildStarted() throws Exception {
        assertEquals("30 100\r\n", shown(ProcessSpec.command("stty", "size").usePTY(100, 30).build()));
    }

    @Test
    void usePtyWithoutASizeIs80By24() throws Exception {
        assertEquals("24 80\r\n", shown(ProcessSpec.command("stty", "size").usePTY().build()));
    }

    @Test
    void devTtyOpensInTheChild() throws Exception {
        assertEquals("via /dev/tty\r\n", shown(ProcessSpec.command("sh", "-c", "echo via /dev/tty > /dev/tty").usePTY().build()));
    }

    @Test
    void childLeadsANewSessionWhoseControllingTerminalAndForegroundGroupAreItsOwn() throws Exception {
        String line = shown(ProcessSpec.command("sh", "-c", "cat /proc/$$/stat").usePTY().build()).strip();
        ProcStat stat = ProcStat.parse(line);
        assertEquals(stat.pid(), stat.pgrp(), "the shell leads its process group: " + line);
        assertEquals(stat.pid(), stat.session(), "the shell leads its session: " + line);
        assertNotEquals(0, stat.ttyNr(), "the shell has a controlling terminal: " + line);
        assertEquals(stat.pid(), stat.tpgid(), "the shell's group is the terminal's foreground group: " + line);
        assertEquals(ProcFs.PID, stat.ppid(), "the JVM is the parent: " + line);
    }

    @Test
    void fdsZeroOneAndTwoAreTheTerminal() throws Exception {
        String shown = shown(ProcessSpec.command("sh", "-c", "test -t 0 && test -t 1 && test -t 2 && echo all-ttys; echo err >&2")
                .usePTY().build());
        assertEquals("all-ttys\r\nerr\r\n", shown);
    }

    @Test
    void channelZeroOneAndTwoAreOneChannelAndPipesAboveStayPipes() throws Exception {
        ProcessSpec spec = ProcessSpec.command("sh", "-c", "echo three >&3; echo on-the-terminal")
                .usePTY().childFD(3, ChildFD.parentReads()).build();
        try (Subprocess p = Subprocess.start(spec)) {
            FileChannel t = p.channel(1);
            assertSame(t, p.channel(0));
            assertSame(t, p.channel(2));
            assertEquals("three\n", TestSupport.readString(p.channel(3)));
            assertEquals("on-the-terminal\r\n", Terminals.readText(t));
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void readsReturnMinusOneOnceTheTerminalIsClosedAndEverythingRead() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("echo", "bye").usePTY().build())) {
            assertEquals("bye\r\n", Terminals.readText(p.channel(1)));
            assertEquals(-1, p.channel(1).read(ByteBuffer.allocate(16)), "still the end of file");
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void typedTextIsEchoedAndReadByTheChild() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("head", "-n", "1").usePTY().build())) {
            Terminals.write(p.channel(0), "hello\n");
            // The terminal echoes the line (ICRNL/ONLCR: \r\n), then head prints it.
            assertEquals("hello\r\nhello\r\n", Terminals.readText(p.channel(1)));
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void echoOffFromTheStartShowsOnlyTheChildsOutput() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("head", "-n", "1").usePTY().terminalEcho(false).build())) {
            assertFalse(p.terminal().echo());
            Terminals.write(p.channel(0), "secret\n");
            assertEquals("secret\r\n", Terminals.readText(p.channel(1)));
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void rawModeFromTheStartPassesEveryByteUnchangedBothWays() throws Exception {
        byte[] bytes = {'\r', '\n', 3, 4, 26, 0x7f, (byte) 0xff, 0, 'x'};
        ProcessSpec spec = ProcessSpec.command("head", "-c", String.valueOf(bytes.length)).usePTY().terminalRaw(true).build();
        try (Subprocess p = Subprocess.start(spec)) {
            assertTrue(p.terminal().raw());
            assertFalse(p.terminal().echo(), "raw mode turns echo off");
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) p.channel(0).write(b);
            assertArrayEquals(bytes, Terminals.readToEnd(p.channel(1)), "no \\r->\\n, no signals, no \\n->\\r\\n");
            assertEquals(ExitStatus.exited(0), p.waitFor(), "^C and ^Z were data, not signals");
        }
    }

    @Test
    void canonicalModeKeeps4095BytesOfALineAndDropsTheRestSilently() throws Exception {
        ProcessSpec spec = ProcessSpec.command("sh", "-c", "head -n 1 | wc -c").usePTY().terminalEcho(false).build();
        try (Subprocess p = Subprocess.start(spec)) {
            Terminals.write(p.channel(0), "x".repeat(5000) + "\n");
            assertEquals("4096\r\n", Terminals.readText(p.channel(1)), "4095 bytes and the newline arrive");
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void rawModeHasNoLineLimit() throws Exception {
        ProcessSpec spec = ProcessSpec.command("sh", "-c", "head -c 5001 | wc -c").usePTY().terminalRaw(true).build();
        try (Subprocess p = Subprocess.start(spec)) {
            Terminals.write(p.channel(0), "x".repeat(5000) + "\n");
            assertEquals("5001\n", Terminals.readText(p.channel(1)), "raw output: no \\r added either");
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void resizeChangesWhatSttySizeReports() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sh", "-c", "stty size; read x; stty size")
                .usePTY(80, 24).terminalEcho(false).build())) {
            assertEquals("24 80\r\n", Terminals.readUntil(p.channel(1), "\n"));
            p.resizeTerminal(132, 50);
            assertEquals(132, p.terminal().columns());
            assertEquals(50, p.terminal().rows());
            Terminals.write(p.channel(0), "\n");
            assertEquals("50 132\r\n", Terminals.readText(p.channel(1)));
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void echoAndRawModeCanBeChangedWhileTheChildRuns() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sh", "-c", "read x; stty -a").usePTY().build())) {
            Terminal t = p.terminal();
            assertTrue(t.echo());
            assertTrue(t.canonical());
            assertFalse(t.raw());
            t.setEcho(false);
            assertFalse(t.echo());
            t.setRaw(true);
            assertTrue(t.raw());
            assertFalse(t.canonical());
            t.setRaw(false);
            assertFalse(t.raw());
            assertFalse(t.echo(), "leaving raw mode leaves echo alone");
            t.setEcho(true);
            Terminals.write(p.channel(0), "\n");
            String stty = Terminals.readText(p.channel(1));
            List<String> words = List.of(stty.split("\\s+"));
            assertTrue(words.containsAll(List.of("icanon", "echo", "isig", "opost")), stty);
            assertEquals(ExitStatus.exited(0), p.waitFor());
        }
    }

    @Test
    void controlCharactersAreTheTerminals() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("sh", "-c", "read x").usePTY().build())) {
            Terminal t = p.terminal();
            assertEquals(3, t.interruptCharacter());
            assertEquals(4, t.eofCharacter());
            assertEquals(26, t.suspendCharacter());
            t.sendEof(); // read x at the start of a line: end of file, and sh exits 1
            assertEquals(ExitStatus.exited(1), p.waitFor());
        }
    }

    @Test
    void theTerminalIsClosedWithTheSubprocess() throws Exception {
        Terminal t;
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").usePTY().build())) {
            t = p.terminal();
            assertTrue(t.isOpen());
            p.waitFor();
        }
        assertFalse(t.isOpen());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.resize(10, 10));
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
    }

    @Test
    void closingTheSubprocessHangsUpTheSessionWithSighup() throws Exception {
        Subprocess p = Subprocess.start(ProcessSpec.command("sleep", "100").usePTY().build());
        try {
            p.channel(1).close(); // the master's last fd: the kernel hangs the terminal up
            ExitStatus s = p.waitFor();
            assertEquals(1, s.signal(), "SIGHUP: " + s);
        } finally {
            p.close();
        }
    }

    @Test
    void aChildWithoutATerminalHasNoTerminalToControl() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").build())) {
            assertThrows(IllegalStateException.class, p::terminal);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.resizeTerminal(80, 24));
            assertTrue(e.getMessage().contains("usePTY"), e.getMessage());
            p.waitFor();
        }
    }

    @Test
    void resizeRejectsSizesOutsideOneTo65535() throws Exception {
        try (Subprocess p = Subprocess.start(ProcessSpec.command("true").usePTY().build())) {
            assertThrows(IllegalArgumentException.class, () -> p.resizeTerminal(0, 24));
            assertThrows(IllegalArgumentException.class, () -> p.resizeTerminal(80, 65536));
            p.waitFor();
        }
    }
}
