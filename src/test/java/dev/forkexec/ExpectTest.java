package dev.forkexec;

import static dev.forkexec.ReactorTestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.ProcFs;
import dev.forkexec.testkit.ProcStat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The expect helper driving real programs on real terminals: an interactive {@code sh -i} (prompt,
 * command, answer, ^C, job control, exit), matching rules, timeouts and end of file, the canonical
 * line limit, a password prompt with echo off, and many sessions on one reactor thread.
 */
@Timeout(120)
class ExpectTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PROMPT = "PROMPT$ ";

    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    private final List<Expect> sessions = new ArrayList<>();
    private Map<Integer, String> terminalFdsBefore;

    @BeforeEach
    void snapshot() throws Exception {
        terminalFdsBefore = ProcFs.terminalFds();
    }

    @AfterEach
    void closeSessions() throws Exception {
        for (Expect e : sessions) e.close();
        assertEquals(terminalFdsBefore, ProcFs.terminalFds(), "terminal fds left open");
    }

    private Expect spawn(ProcessSpec spec) throws SpawnException {
        Expect e = Expect.spawn(rt.reactor(), spec);
        sessions.add(e);
        return e;
    }

    /** dash as an interactive shell: no rc file, a fixed prompt, no line editor (so no wrapping). */
    private Expect shell() throws Exception {
        Expect sh = spawn(ProcessSpec.command("sh", "-i")
                .environment(Map.of("PS1", PROMPT, "PATH", System.getenv("PATH"), "TERM", "dumb")).usePTY().build());
        sh.expectExact(PROMPT, WAIT);
        return sh;
    }

    @Test
    void anInteractiveShellAnswersACommandAndExits() throws Exception {
        Expect sh = shell();
        sh.sendLine("echo $((6 * 7))");
        Expect.Match m = sh.expect(Pattern.compile("(\\d+)\r\n"), WAIT);
        assertEquals("42", m.group(1));
        assertEquals("echo $((6 * 7))\r\n", m.before(), "the echo of the command came first");
        sh.expectExact(PROMPT, WAIT);
        sh.sendLine("exit 3");
        sh.expectEof(WAIT);
        assertEquals(ExitStatus.exited(3), ReactorTestSupport.await(sh.process().onExit()));
        assertFalse(sh.transcript().contains("job control turned off"), "sh -i has its terminal: " + sh.transcript());
        assertTrue(sh.transcript().startsWith(PROMPT + "echo $((6 * 7))\r\n42\r\n" + PROMPT), sh.transcript());
    }

    @Test
    void controlCEndsTheForegroundSleepWithSigintAndTheShellSurvives() throws Exception {
        Expect sh = shell();
        long shellPid = sh.process().pid();
        Terminal t = sh.terminal();
        assertEquals(shellPid, t.foregroundProcessGroup().getAsLong(), "an idle shell is in the foreground");
        sh.sendLine("sleep 100");
        // The foreground group changes when the shell's child has forked, before it execs sleep (and
        // resets the SIGINT the interactive shell catches): wait for sleep itself, then type ^C.
        awaitCondition("sleep in the foreground", () -> t.foregroundProcessGroup().getAsLong() != shellPid
                && t.foregroundProcessName().orElse("").equals("sleep"));
        sh.sendInterrupt();
        sh.expectExact(PROMPT, WAIT);
        sh.sendLine("echo status=$?");
        sh.expectExact("status=130", WAIT);
        assertTrue(sh.exitStatus().isEmpty(), "the shell survived the ^C");
        assertEquals(shellPid, t.foregroundProcessGroup().getAsLong(), "the shell is back in the foreground");
        sh.sendLine("exit 0");
        sh.expectEof(WAIT);
    }

    @Test
    void jobControlWorksInTheShell() throws Exception {
        Expect sh = shell();
        sh.sendLine("sleep 100 &");
        sh.expectExact(PROMPT, WAIT);
        sh.sendLine("jobs");
        Expect.Match m = sh.expect(Pattern.compile("\\[1\\][^\r\n]*Running[^\r\n]*sleep 100"), WAIT);
        assertTrue(m.before().startsWith("jobs\r\n"), m.toString());
        sh.expectExact(PROMPT, WAIT);
        sh.sendLine("echo job=$!");
        long job = Long.parseLong(sh.expect(Pattern.compile("job=(\\d+)\r\n"), WAIT).group(1));
        sh.expectExact(PROMPT, WAIT);
        // The job's shell child inherits the SIGTERM an interactive shell ignores until it has reset its
        // signals: a kill sent before that is lost, and sleep would hold the terminal for 100 s.
        awaitCondition("the job runs sleep", () -> ProcStat.of(job).map(p -> p.comm().equals("sleep")).orElse(false));
        sh.sendLine("kill %1; exit 0");
        sh.expectEof(WAIT);
        assertEquals(ExitStatus.exited(0), ReactorTestSupport.await(sh.process().onExit()));
    }

    @Test
    void aTimeoutThrowsAndLeavesTheUnmatchedTextForTheNextCall() throws Exception {
        Expect sh = shell();
        sh.sendLine("echo hello");
        sh.expectExact("hello\r\n", WAIT); // the echo of the command
        ExpectException e = assertThrows(ExpectException.class, () -> sh.expectExact("no such text", Duration.ofMillis(300)));
        assertTrue(e.isTimeout());
        assertTrue(e.before().contains("hello"), e.before());
        assertTrue(e.getMessage().startsWith("timed out after PT0.3S waiting for /"), e.getMessage());
        assertEquals("hello\r\n", sh.expectExact("hello\r\n", WAIT).matched(), "the text is still there");
    }

    @Test
    void endOfFileThrowsWhenThePatternNeverCameAndConsumesTheBuffer() throws Exception {
        Expect e = spawn(ProcessSpec.command("echo", "bye").usePTY().build());
        ExpectException x = assertThrows(ExpectException.class, () -> e.expectExact("no such text", WAIT));
        assertTrue(x.isEof());
        assertEquals("bye\r\n", x.before());
        assertEquals("", e.buffer());
        assertTrue(e.isEof());
    }

    @Test
    void expectEofReturnsWhatCameBeforeTheEnd() throws Exception {
        Expect e = spawn(ProcessSpec.command("printf", "abc").usePTY().build());
        assertEquals("abc", e.expectEof(WAIT));
    }

    @Test
    void theEarliestMatchWinsAndTheLowestIndexOnATie() throws Exception {
        Expect e = spawn(ProcessSpec.command("echo", "xfoobar").usePTY().build());
        Expect.Match m = e.expect(List.of(Pattern.compile("bar"), Pattern.compile("foo"), Pattern.compile("foobar")), WAIT);
        assertEquals(1, m.index(), m.toString());
        assertEquals("x", m.before());
        assertEquals("bar\r\n", e.expectEof(WAIT), "the rest stays for the next call");
    }

    @Test
    void aSplitMultiByteCharacterIsDecodedWhole() throws Exception {
        // The pause between the two bytes of é makes them arrive in separate reads.
        Expect e = spawn(ProcessSpec.command("sh", "-c", "printf '\\303'; sleep 0.1; printf '\\251!'").usePTY().build());
        assertEquals("é!", e.expectExact("é!", WAIT).matched());
    }

    @Test
    void sendLineRefusesALineLongerThanTheCanonicalLimitButRawModeTakesIt() throws Exception {
        Expect cooked = spawn(ProcessSpec.command("cat").usePTY().build());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> cooked.sendLine("y".repeat(4096)));
        assertTrue(x.getMessage().contains("4095"), x.getMessage());
        cooked.sendLine("y".repeat(4095)); // the longest line the kernel keeps whole
        cooked.expectExact("y".repeat(4095) + "\r\n" + "y".repeat(4095) + "\r\n", WAIT);

        Expect raw = spawn(ProcessSpec.command("head", "-c", "5001").usePTY().terminalRaw(true).build());
        raw.sendLine("z".repeat(5000));
        assertEquals("z".repeat(5000) + "\n", raw.expectEof(WAIT));
    }

    @Test
    void aPasswordTypedWithEchoOffIsNotShown() throws Exception {
        Expect e = spawn(ProcessSpec.command("sh", "-c",
                "printf 'Password: '; stty -echo; read pw; stty echo; echo; echo got=$pw").usePTY().build());
        e.expectExact("Password: ", WAIT);
        assertTrue(e.awaitEchoOff(WAIT), "the program turned echo off before reading");
        e.sendLine("hunter2");
        e.expectExact("got=hunter2\r\n", WAIT);
        e.expectEof(WAIT);
        assertEquals(e.transcript().indexOf("hunter2"), e.transcript().lastIndexOf("hunter2"),
                "hunter2 shows once, in the program's answer: " + e.transcript());
    }

    @Test
    void closeHangsTheTerminalUpAndTheChildEnds() throws Exception {
        Expect e = spawn(ProcessSpec.command("sleep", "100").usePTY().build());
        e.close();
        ExitStatus s = e.exitStatus().orElseThrow();
        assertEquals(1, s.signal(), "SIGHUP: " + s);
    }

    @Test
    void closeAfterTheEndOfFileLetsTheChildExitWithItsOwnStatus() throws Exception {
        Expect e = spawn(ProcessSpec.command("sh", "-c", "exec 0<&- 1>&- 2>&-; sleep 0.3; exit 7").usePTY().build());
        e.expectEof(WAIT);
        e.close();
        assertEquals(ExitStatus.exited(7), e.exitStatus().orElseThrow());
    }

    @Test
    void expectNeedsASpecWithATerminal() {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> Expect.spawn(rt.reactor(), ProcessSpec.command("true").build()));
        assertTrue(x.getMessage().contains("usePTY"), x.getMessage());
    }

    @Test
    void manySessionsShareTheReactorsOneThread() throws Exception {
        Expect first = spawn(ProcessSpec.command("cat").usePTY().build()); // the reactor thread now exists
        first.sendLine("warm");
        first.expectExact("warm\r\nwarm\r\n", WAIT);
        int threads = Thread.activeCount();
        List<Expect> cats = new ArrayList<>();
        for (int i = 0; i < 50; i++) cats.add(spawn(ProcessSpec.command("cat").usePTY().build()));
        for (int i = 0; i < cats.size(); i++) cats.get(i).sendLine("line " + i);
        for (int i = 0; i < cats.size(); i++) cats.get(i).expectExact("line " + i + "\r\nline " + i + "\r\n", WAIT);
        int added = Thread.activeCount() - threads;
        assertTrue(added < 5, "no thread per terminal: 50 sessions added " + added + " threads");
        for (Expect c : cats) {
            c.process().closeStdin();
            c.expectEof(WAIT);
        }
    }
}
