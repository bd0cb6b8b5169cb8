package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The usePTY rules of ProcessSpec (Twisted's ValueError cases) and the terminal options beyond them. */
class TerminalSpecTest {
    private static final ChildFD PTY = ChildFD.TERMINAL;

    private static IllegalArgumentException rejected(ProcessSpec.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build);
    }

    @Test
    void usePtyIs80By24WithTheTerminalOnFdsZeroOneAndTwo() {
        ProcessSpec s = ProcessSpec.command("sh").usePTY().build();
        assertTrue(s.usesPTY());
        assertEquals(80, s.terminalColumns());
        assertEquals(24, s.terminalRows());
        assertEquals(Map.of(0, PTY, 1, PTY, 2, PTY), s.childFDs());
        assertEquals(ChildFD.Kind.TERMINAL, s.childFDs().get(0).kind());
        assertTrue(s.terminalEcho());
        assertFalse(s.terminalRaw());
        assertTrue(s.leadsProcessGroup(), "a terminal's child leads a new session");
    }

    @Test
    void aSpecWithoutATerminalSaysSo() {
        ProcessSpec s = ProcessSpec.command("sh").build();
        assertFalse(s.usesPTY());
        assertEquals(0, s.terminalColumns());
        assertEquals(0, s.terminalRows());
        assertFalse(s.terminalEcho());
    }

    @Test
    void sizesOutsideOneTo65535AreRejected() {
        for (int[] size : new int[][] {{0, 24}, {80, 0}, {-1, 24}, {65536, 24}, {80, 65536}}) {
            IllegalArgumentException e = rejected(ProcessSpec.command("sh").usePTY(size[0], size[1]));
            assertTrue(e.getMessage().contains("1 to 65535"), e.getMessage());
        }
        assertEquals(65535, ProcessSpec.command("sh").usePTY(65535, 1).build().terminalColumns());
    }

    @Test
    void anEntryForFdZeroOneOrTwoSetBeforeUsePtyIsRejected() {
        IllegalArgumentException e = rejected(ProcessSpec.command("sh").childFD(1, ChildFD.parentReads()).usePTY());
        assertEquals("child fd 1 is set to 'r', but with usePTY() fds 0, 1 and 2 are the terminal; remove that entry"
                + " (fds 3 and up may be set)", e.getMessage());
    }

    @Test
    void anEntryForFdZeroOneOrTwoSetAfterUsePtyIsRejected() {
        rejected(ProcessSpec.command("sh").usePTY().childFD(0, ChildFD.devNull()));
        rejected(ProcessSpec.command("sh").usePTY().childFD(2, ChildFD.sameAs(1)));
    }

    @Test
    void aWholeMapWithFdZeroOneOrTwoIsRejected() {
        rejected(ProcessSpec.command("sh").usePTY().childFDs(Map.of(2, ChildFD.parentReads(), 3, ChildFD.parentReads())));
        rejected(ProcessSpec.command("sh").childFDs(Map.of(0, ChildFD.parentWrites())).usePTY());
    }

    @Test
    void theDefaultMapIsReplacedAndEntriesFromThreeUpStay() {
        ProcessSpec s = ProcessSpec.command("sh").usePTY().childFD(3, ChildFD.parentReads())
                .childFD(4, ChildFD.sameAs(1)).build();
        assertEquals(Map.of(0, PTY, 1, PTY, 2, PTY, 3, ChildFD.parentReads(), 4, ChildFD.sameAs(1)), s.childFDs());
        ProcessSpec fromMap = ProcessSpec.command("sh").childFDs(Map.of(5, ChildFD.devNull())).usePTY().build();
        assertEquals(Map.of(0, PTY, 1, PTY, 2, PTY, 5, ChildFD.devNull()), fromMap.childFDs());
    }

    @Test
    void echoAndRawModeNeedATerminal() {
        IllegalArgumentException e = rejected(ProcessSpec.command("sh").terminalEcho(false));
        assertTrue(e.getMessage().contains("usePTY"), e.getMessage());
        rejected(ProcessSpec.command("sh").terminalRaw(true));
    }

    @Test
    void rawModeTurnsEchoOffUnlessEchoIsAskedFor() {
        assertFalse(ProcessSpec.command("sh").usePTY().terminalRaw(true).build().terminalEcho());
        assertTrue(ProcessSpec.command("sh").usePTY().terminalRaw(true).terminalEcho(true).build().terminalEcho());
        assertFalse(ProcessSpec.command("sh").usePTY().terminalEcho(false).build().terminalEcho());
    }

    @Test
    void joiningAnotherProcessGroupIsRejectedButGroupZeroAndNewSessionAreFine() {
        IllegalArgumentException e = rejected(ProcessSpec.command("sh").usePTY().processGroup(42));
        assertTrue(e.getMessage().contains("usePTY"), e.getMessage());
        assertTrue(ProcessSpec.command("sh").usePTY().processGroup(0).newSession(true).build().usesPTY());
    }

    @Test
    void theTerminalEntryIsRejectedInASpecWithoutATerminal() {
        ProcessSpec pty = ProcessSpec.command("sh").usePTY().build();
        IllegalArgumentException e = rejected(ProcessSpec.command("sh").childFDs(pty.childFDs()));
        assertTrue(e.getMessage().contains("usePTY"), e.getMessage());
    }

    @Test
    void toBuilderKeepsTheTerminalAndItsRules() {
        ProcessSpec s = ProcessSpec.command("sh").usePTY(100, 30).terminalRaw(true).terminalEcho(true)
                .childFD(3, ChildFD.parentReads()).build();
        ProcessSpec copy = s.toBuilder().build();
        assertEquals(s, copy);
        assertEquals(s.hashCode(), copy.hashCode());
        assertTrue(copy.terminalRaw() && copy.terminalEcho());
        rejected(s.toBuilder().childFD(1, ChildFD.parentReads()));
        assertEquals(200, s.toBuilder().usePTY(200, 30).build().terminalColumns());
    }

    @Test
    void equalityAndTheTextNameTheTerminal() {
        ProcessSpec a = ProcessSpec.command("sh").usePTY(100, 30).build();
        assertEquals(a, ProcessSpec.command("sh").usePTY(100, 30).build());
        assertNotEquals(a, ProcessSpec.command("sh").usePTY(100, 31).build());
        assertNotEquals(a, ProcessSpec.command("sh").usePTY(100, 30).terminalEcho(false).build());
        assertNotEquals(a, ProcessSpec.command("sh").usePTY(100, 30).terminalRaw(true).build());
        assertNotEquals(a, ProcessSpec.command("sh").build());
        assertTrue(a.toString().endsWith(" pty=100x30"), a.toString());
        assertTrue(a.toString().contains("0=pty"), a.toString());
        assertTrue(ProcessSpec.command("sh").usePTY().terminalRaw(true).build().toString().endsWith(" pty=80x24 raw"));
        assertTrue(ProcessSpec.command("sh").usePTY().terminalEcho(false).build().toString().endsWith(" pty=80x24 -echo"));
    }
}
