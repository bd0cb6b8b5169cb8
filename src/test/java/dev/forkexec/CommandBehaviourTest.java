package dev.forkexec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.forkexec.testkit.ProcFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Command} beyond {@link CommandTest}: the corners of timeouts, stdin, decoding, consumers and the
 * extras, with real children. Timing is asserted only as generous upper bounds that follow from the
 * documented behaviour (plus {@link #SLACK} for a loaded machine).
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CommandBehaviourTest extends CommandTestBase {
    private static final Duration SLACK = Duration.ofSeconds(2);





    private static void assertEnds(long pid, String what) throws InterruptedException {
        if (!ProcFs.awaitNotRunning(pid, HANG)) fail(what + " (pid " + pid + ") still runs " + HANG + " later");
    }

    // ====================================================================== timeouts

    @Test
    void timedOutRunLeavesNoProcessOfItsGroupRunningEvenOneThatIgnoredSigtermAndHeldNoPipe() throws Exception {
        // sh dies of SIGTERM at once; the subshell ignores it and holds no pipe, so the pipes reach
        // end-of-file while it still runs: run() must not return before it got its SIGKILL.
        Duration grace = Duration.ofMillis(500);
        CommandResult r = runWithin(Command.of("sh", "-c",
                "echo $$; (trap '' TERM; sleep 100) </dev/null >/dev/null 2>&1 & echo $!; sleep 100")
                .timeout(Duration.ofSeconds(1)).gracePeriod(grace), Duration.ofSeconds(1).plus(grace.multipliedBy(2)).plus(SLACK));
        String[] pids = r.stdoutText().split("\n");
        long leader = Long.parseLong(pids[0]);
        long ignoring = Long.parseLong(pids[1]);
        stray(ignoring);
        assertTrue(r.timedOut());
        assertEquals(ExitStatus.killed(15, false), r.exitStatus());
        assertEnds(ignoring, "the subshell that ignored SIGTERM");
        long deadline = System.nanoTime() + HANG.toNanos();
        List<Long> left;
        while (!(left = ProcFs.runningInGroup(leader)).isEmpty()) {
            List<Long> now = left;
            assertTrue(System.nanoTime() < deadline, () -> "still running in the group: " + now);
            Thread.sleep(10);
        }
    }

    @Test
    void timedOutResultSaysSoInItsFailureMessage() {
        CommandResult r = run(Command.of("sleep", "60").timeout(Duration.ofMillis(1500)));
        CommandFailedException e = assertThrows(CommandFailedException.class, r::orThrow);
        assertTrue(e.getMessage().contains("timed out after 1.5 s (killed by SIGTERM)"), e::getMessage);
        assertEquals(Duration.ofMillis(1500), r.expiredTimeout().orElseThrow());
    }

    // ====================================================================== stdin

    @Test
    void childThatNeverReadsItsInputDoesNotHangTheRun() {
        CommandResult r = run(Command.of("true").input(new byte[8 << 20]));
        assertEquals(ExitStatus.exited(0), r.exitStatus());
    }

    @Test
    void childThatReadsPartOfItsInputAndExitsGetsTheRestDropped() {
        byte[] data = new byte[8 << 20];
        Arrays.fill(data, (byte) 'x');
        CommandResult r = run(Command.of("head", "-c", "3").input(data));
        assertEquals(ExitStatus.exited(0), r.exitStatus());
        assertEquals("xxx", r.stdoutText());
    }

    @Test
    void descendantHoldingStdinUnreadDoesNotHoldTheRunBeyondTheGracePeriod() {
        Duration grace = Duration.ofMillis(300);
        CommandResult r = runWithin(Command.of("sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!").input(new byte[8 << 20])
                .gracePeriod(grace), grace.plus(SLACK));
        stray(Long.parseLong(r.stdoutText().strip()));
        assertEquals(ExitStatus.exited(0), r.exitStatus());
    }

    @Test
    void emptyInputIsEndOfFileAtOnce() {
        assertEquals("", run(Command.of("cat").input(new byte[0])).stdoutText());
    }

    // ====================================================================== decoding and lines

    @Test
    void characterSplitAcrossTwoWritesIsDecodedWhole() {
        List<String> lines = new CopyOnWriteArrayList<>();
        CommandResult r = run(Command.of("sh", "-c", "printf '\\303'; sleep 0.3; printf '\\251\\n'").onOutputLine(lines::add));
        assertEquals("\u00e9\n", r.stdoutText());
        assertEquals(List.of("\u00e9"), lines);
    }

    @Test
    void crlfLineEndingsAreStripped() {
        List<String> lines = new CopyOnWriteArrayList<>();
        run(Command.of("printf", "a\\r\\nb\\n").onOutputLine(lines::add));
        assertEquals(List.of("a", "b"), lines);
    }

    @Test
    void lineLongerThanOneMibComesInPiecesThatJoinToTheLine() {
        List<String> pieces = new CopyOnWriteArrayList<>();
        int length = 2_500_000;
        run(Command.of("sh", "-c", "head -c " + length + " /dev/zero | tr '\\0' a").onOutputLine(pieces::add).captureLimit(0));
        assertEquals(3, pieces.size(), () -> "pieces of " + pieces.stream().map(String::length).collect(Collectors.toList()));
        assertEquals("a".repeat(length), String.join("", pieces));
    }

    @Test
    void linesStillComeWithACaptureLimitOfZero() {
        List<String> lines = new CopyOnWriteArrayList<>();
        CommandResult r = run(Command.of("printf", "1\\n2\\n").onOutputLine(lines::add).captureLimit(0));
        assertEquals(List.of("1", "2"), lines);
        assertEquals(0, r.stdout().length);
        assertTrue(r.stdoutTruncated());
        assertFalse(r.stderrTruncated());
    }

    @Test
    void whatAConsumerThrowsIsRethrownByRunOnceTheCommandHasEnded() throws Exception {
        Path done = tmp.resolve("done");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Command.of("sh", "-c",
                "echo first; sleep 0.2; echo ok > " + TestSupport.shQuote(done.toString()))
                .onOutputLine(l -> {
                    throw new IllegalStateException("consumer failed on " + l);
                }).run());
        assertEquals("consumer failed on first", e.getMessage());
        assertEquals("ok\n", Files.readString(done), "the command ran to its end");
    }

    @Test
    void runOnTheSharedReactorThreadIsRefusedInsteadOfStallingIt() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Command.of("echo", "x").onOutputLine(l -> {
            try {
                Command.of("true").run();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }).start().get(HANG.toSeconds(), SECONDS);
        assertInstanceOf(IllegalStateException.class, thrown.get());
        assertTrue(thrown.get().getMessage().contains("use start()"), thrown.get()::getMessage);
    }

    @Test
    void runLineConsumersRunOnTheCallingThread() throws Exception {
        AtomicReference<Thread> caller = new AtomicReference<>();
        AtomicReference<Thread> consumer = new AtomicReference<>();
        Command c = Command.of("echo", "x").onOutputLine(l -> consumer.set(Thread.currentThread()));
        assertTimeoutPreemptively(HANG, () -> {
            caller.set(Thread.currentThread());
            return c.run();
        });
        assertEquals(caller.get(), consumer.get());
    }

    @Test
    void runOnVirtualThreadsLeavesTheirCarriersFree() throws Exception {
        ExecutorService virtual;
        try {
            virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            Assumptions.abort("virtual threads need JDK 21+");
            return;
        }
        // Each command waits until every one of them has started: more commands than carrier threads
        // can all be inside run() at once only if run() parks instead of pinning its carrier.
        int n = 4 * Runtime.getRuntime().availableProcessors() + 4;
        Path started = Files.createDirectory(tmp.resolve("started"));
        String script = "touch \"$1/$2\"; while [ \"$(ls \"$1\" | wc -l)\" -lt " + n + " ]; do sleep 0.02; done";
        List<java.util.concurrent.Future<CommandResult>> results = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                String name = "c" + i;
                results.add(virtual.submit(() -> Command.of("sh", "-c", script, "sh", started.toString(), name)
                        .timeout(Duration.ofSeconds(20)).run()));
            }
            for (java.util.concurrent.Future<CommandResult> f : results) {
                CommandResult r = f.get(HANG.toSeconds(), SECONDS);
                assertFalse(r.timedOut(), () -> "a command never saw all " + n + " started: " + r);
                assertEquals(0, r.exitStatus().exitCode(), r::toString);
            }
        } finally {
            virtual.shutdownNow();
        }
    }

    @Test
    void aLineConsumerOfRunMayRunACommandItself() throws Exception {
        AtomicReference<String> inner = new AtomicReference<>();
        CommandResult outer = run(Command.of("echo", "outer").onOutputLine(l -> {
            try {
                inner.set(Command.of("echo", "inner " + l).run().stdoutText());
            } catch (SpawnException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }));
        assertEquals("outer\n", outer.stdoutText());
        assertEquals("inner outer\n", inner.get());
    }

    @Test
    void lineConsumerForAStreamThatIsNotCapturedIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Command.of("true").onOutputLine(l -> { }).redirectOutputTo(tmp.resolve("out")).run());
        assertTrue(e.getMessage().contains("onOutputLine"), e::getMessage);
        assertThrows(IllegalStateException.class, () -> Command.of("true").onErrorLine(l -> { }).redirectErrorToOutput().start());
    }

    // ====================================================================== start()

    @Test
    void cancellingTheFutureKillsTheCommand() throws Exception {
        Path pidFile = tmp.resolve("pid");
        CompletableFuture<CommandResult> f = Command.of("sh", "-c",
                "echo $$ > " + TestSupport.shQuote(pidFile.toString()) + "; exec sleep 60").start();
        long deadline = System.nanoTime() + HANG.toNanos();
        while (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) {
            assertTrue(System.nanoTime() < deadline, "the command never started");
            Thread.sleep(10);
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        stray(pid);
        assertTrue(f.cancel(true));
        assertEnds(pid, "the command whose future was cancelled");
    }

    @Test
    void startedFutureCompletesOffTheReactorThread() throws Exception {
        AtomicReference<String> thread = new AtomicReference<>();
        Command.of("true").start().thenRun(() -> thread.set(Thread.currentThread().getName())).get(HANG.toSeconds(), SECONDS);
        assertFalse(thread.get().startsWith("forkexec-reactor"), thread::get);
    }

    // ====================================================================== the extras

    @Test
    void appendOutputToAppendsAndDiscardErrorDrops() throws Exception {
        Path log = Files.writeString(tmp.resolve("log"), "one\n");
        CommandResult r = run(Command.of("sh", "-c", "echo two; echo noise >&2").appendOutputTo(log).discardError());
        assertEquals("one\ntwo\n", Files.readString(log));
        assertEquals(0, r.stderr().length);
    }

    @Test
    void appendErrorToAppendsAndDiscardOutputDrops() throws Exception {
        Path log = Files.writeString(tmp.resolve("log"), "one\n");
        CommandResult r = run(Command.of("sh", "-c", "echo two >&2; echo noise").appendErrorTo(log).discardOutput());
        assertEquals("one\ntwo\n", Files.readString(log));
        assertEquals(0, r.stdout().length);
    }

    @Test
    void environmentWithANullValueRemovesTheVariable() {
        CommandResult r = run(Command.of("env").environment("HOME", null).environment("FX_A", "1"));
        List<String> lines = List.of(r.stdoutText().split("\n"));
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("HOME=")), r::stdoutText);
        assertTrue(lines.contains("FX_A=1"), r::stdoutText);
    }

    @Test
    void environmentRejectsNamesTheChildCouldNotSee() {
        assertThrows(IllegalArgumentException.class, () -> Command.of("true").environment("A=B", "x"));
        assertThrows(IllegalArgumentException.class, () -> Command.of("true").environment("", "x"));
        assertThrows(IllegalArgumentException.class, () -> Command.of("true").environment("A", "x\0y"));
    }

    @Test
    void ofSpecClosesAWriterPipeAboveTwoAndDrainsAReaderPipe() {
        ProcessSpec spec = ProcessSpec.command("sh", "-c", "cat <&3; head -c 200000 /dev/zero >&4; echo done")
                .childFD(3, ChildFD.parentWrites()).childFD(4, ChildFD.parentReads()).build();
        CommandResult r = run(Command.of(spec));
        assertEquals(ExitStatus.exited(0), r.exitStatus());
        assertEquals("done\n", r.stdoutText());
    }

    @Test
    void ofSpecWithANewSessionLeadsItsSessionAndGroup() {
        CommandResult r = run(Command.of(TestSupport.probe("ids").newSession(true).build()));
        var ids = TestSupport.parseIds(r.stdoutText());
        assertEquals(ids.get("pid"), ids.get("sid"), r.stdoutText());
        assertEquals(ids.get("pid"), ids.get("pgid"), r.stdoutText());
    }

    @Test
    void ofRejectsWhatNoChildCouldRun() {
        assertThrows(IllegalArgumentException.class, () -> Command.of());
        assertThrows(IllegalArgumentException.class, () -> Command.of("echo", null));
        assertThrows(IllegalArgumentException.class, () -> Command.of("echo", "a\0b"));
    }

    @Test
    void mergedStderrIsWhatTheFailureMessageShows() {
        CommandResult r = run(Command.of("sh", "-c", "echo oops >&2; exit 2").redirectErrorToOutput());
        CommandFailedException e = assertThrows(CommandFailedException.class, r::orThrow);
        assertTrue(e.getMessage().contains("exit 2") && e.getMessage().contains("oops"), e::getMessage);
    }

    @Test
    void toStringQuotesTheCommand() {
        assertEquals("Command[echo 'a b' '' 'it'\\''s']", Command.of("echo", "a b", "", "it's").toString());
        assertEquals("Command['A=b' c=d]", Command.of("A=b", "c=d").toString(), "a first word with = would be an assignment");
        assertTrue(run(Command.of("sh", "-c", "exit 3")).toString().startsWith("CommandResult[sh -c 'exit 3': exit 3,"));
    }

    @Test
    void resultBytesAreUtf8AsWrittenAndTheTextReplacesOnlyWhatIsMalformed() {
        CommandResult r = run(Command.of("printf", "caf\\303\\251 \\377"));
        assertEquals("caf\u00e9 \ufffd", r.stdoutText());
        assertEquals(7, r.stdout().length);
        assertEquals("caf\u00e9 \ufffd", new String(r.stdout(), UTF_8));
    }
}
