package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.TestSupport.ProbeFd;
import dev.forkexec.testkit.ProcFs;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.opentest4j.TestAbortedException;

/**
 * What every way of starting a child must do alike, written once and run against each {@link Launcher}:
 * {@link Subprocess}, a {@link Reactor}, {@link Command} (its run() and its start()), {@link Processes} and, on a pseudo-terminal,
 * {@link Expect}. The environment (a given one is the child's whole environment; by default the
 * JVM's), the working directory, argv byte for byte, exit decoding (codes, signals, core dumps), a
 * missing program's error, and where a way has them the fd map (fds 3 and up) and the redirects of fds
 * 0-2 (files, append, stderr into stdout). What only one way does stays in that way's own tests.
 *
 * <p>Each behaviour is a {@link ProcessSpec}; a launcher translates it into its own API (Command's
 * {@code redirectOutputTo}, ProcessBuilder's {@code Redirect}, a terminal for Expect) and refuses
 * anything it cannot express, so no launcher silently runs a weaker case.
 */
@Timeout(120)
@ExtendWith(SharedBehavioursTest.NameTheWay.class)
class SharedBehavioursTest {
    private static final int ENOENT = 2;
    private static final int SIGSEGV = 11;

    @RegisterExtension
    final ReactorTestSupport rt = new ReactorTestSupport();

    @TempDir
    Path tmp;

    /**
     * Command.start() and Processes share one reactor that lives as long as the JVM: started here, its
     * thread and its epoll and eventfd fds are there before {@link ReactorTestSupport} takes its first
     * look. (Command.run() runs its own loop on the calling thread and leaves nothing behind.)
     */
    @BeforeAll
    static void startTheSharedReactor() throws Exception {
        assertEquals(ExitStatus.exited(0), Command.of("true").start().get(30, TimeUnit.SECONDS).exitStatus());
    }

    /** Surefire names a failed parameterised test by its index only: the failure names the way too. */
    static final class NameTheWay implements TestExecutionExceptionHandler {
        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
            if (t instanceof TestAbortedException) throw t;
            throw new AssertionError(context.getDisplayName() + ": " + t, t);
        }
    }

    // ====================================================================== the ways

    /** What a finished child did: its status, and its stdout and stderr (null where the way merges them). */
    record Ran(ExitStatus status, String out, String err) {}

    /** One way of starting a child, running a spec that holds only argv, environment, directory and fds. */
    interface Launcher {
        /** Runs the spec to its end: stdin (a pipe there) at end-of-file, stdout and stderr read to their end. */
        Ran run(ReactorTestSupport rt, ProcessSpec spec) throws Exception;

        /** Starting the spec must fail, leaving no pipe, pidfd or zombie; the SpawnException that says why. */
        SpawnException startFails(ReactorTestSupport rt, ProcessSpec spec) throws Exception;

        /** Whether the spec's fds 3 and up reach the child. */
        default boolean hasFdMap() {
            return true;
        }

        /** Whether fds 0-2 may be files, {@code /dev/null} or stderr-into-stdout. */
        default boolean hasRedirects() {
            return true;
        }

        /** Whether the status shows that a core was dumped (Processes has exitValue only). */
        default boolean seesCoreDumps() {
            return true;
        }
    }

    static final Launcher SUBPROCESS = new Launcher() {
        @Override
        public Ran run(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            TestSupport.Result r = TestSupport.run(spec);
            return new Ran(r.status(), r.out(), r.err());
        }

        @Override
        public SpawnException startFails(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            return TestSupport.assertFailsCleanly(spec);
        }

        @Override
        public String toString() {
            return "Subprocess";
        }
    };

    static final Launcher REACTOR = new Launcher() {
        @Override
        public Ran run(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            boolean stdinPipe = ChildFD.parentWrites().equals(spec.childFDs().get(0));
            RecordingProtocol p = new RecordingProtocol().whenConnected((t, v) -> {
                if (stdinPipe) t.closeStdin();
            });
            rt.reactor().spawnProcess(p, spec);
            ExitStatus status = p.awaitEnded();
            p.assertWellFormed();
            return new Ran(status, p.string(1), p.string(2));
        }

        @Override
        public SpawnException startFails(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            RecordingProtocol p = new RecordingProtocol();
            SpawnException e = leavesNothing(spec, () -> rt.reactor().spawnProcess(p, spec));
            assertTrue(p.events().isEmpty(), "the protocol was called: " + p);
            return e;
        }

        @Override
        public String toString() {
            return "Reactor";
        }
    };

    /**
     * {@code Command.of(argv...)} with {@code directory(dir)}, or {@code Command.of(spec)} where the spec
     * replaces the environment or maps fds 3 and up; fds 0-2 translated into Command's own settings.
     */
    static final Launcher COMMAND = new CommandLauncher(false);
    static final Launcher COMMAND_START = new CommandLauncher(true);

    /** A Command: run() drives its child on the calling thread, start() on the shared reactor. */
    static final class CommandLauncher implements Launcher {
        private final boolean started;

        CommandLauncher(boolean started) {
            this.started = started;
        }

        private CommandResult run(Command c) throws Exception {
            return started ? c.start().get(30, TimeUnit.SECONDS) : c.run();
        }

        private Command command(ProcessSpec spec) {
            assertOnlyArgvEnvironmentDirectoryAndFds(spec);
            Command c;
            if (spec.environment() == null && spec.childFDs().keySet().stream().allMatch(fd -> fd <= 2)) {
                c = Command.of(spec.argv().toArray(new String[0]));
                if (spec.directory() != null) c.directory(spec.directory());
            } else {
                c = Command.of(spec);
            }
            ChildFD in = spec.childFDs().get(0);
            ChildFD out = spec.childFDs().get(1);
            ChildFD err = spec.childFDs().get(2);
            if (in == null) throw new IllegalArgumentException("Command always gives the child a stdin: " + spec);
            switch (in.kind()) {
                case PARENT_WRITES: case DEV_NULL: break; // stdin /dev/null: end-of-file at once, as a closed pipe
                case READ_FROM: c.input(in.path()); break;
                default: throw new IllegalArgumentException("Command has no stdin " + in);
            }
            if (out == null) throw new IllegalArgumentException("Command always gives the child a stdout: " + spec);
            switch (out.kind()) {
                case PARENT_READS: break;
                case WRITE_TO: c.redirectOutputTo(out.path()); break;
                case APPEND_TO: c.appendOutputTo(out.path()); break;
                case DEV_NULL: c.discardOutput(); break;
                default: throw new IllegalArgumentException("Command has no stdout " + out);
            }
            if (err == null) throw new IllegalArgumentException("Command always gives the child a stderr: " + spec);
            switch (err.kind()) {
                case PARENT_READS: break;
                case SAME_AS:
                    if (err.sameAsFD() != 1) throw new IllegalArgumentException("Command has no stderr " + err);
                    c.redirectErrorToOutput();
                    break;
                case WRITE_TO: c.redirectErrorTo(err.path()); break;
                case APPEND_TO: c.appendErrorTo(err.path()); break;
                case DEV_NULL: c.discardError(); break;
                default: throw new IllegalArgumentException("Command has no stderr " + err);
            }
            return c;
        }

        @Override
        public Ran run(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            CommandResult r = run(command(spec));
            assertFalse(r.timedOut(), "a command without a timeout timed out: " + r);
            return new Ran(r.exitStatus(), r.stdoutText(), r.stderrText());
        }

        @Override
        public SpawnException startFails(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            Command c = command(spec);
            return leavesNothing(spec, started ? c::start : c::run);
        }

        @Override
        public String toString() {
            return started ? "Command.start()" : "Command.run()";
        }
    }

    /**
     * {@code Processes.start} of a ProcessBuilder made from the spec. It has no fd map; its exit value is
     * 128 + the signal for a child a signal ended, decoded back here (no behaviour below exits with a
     * code from 129 to 192, which would read the same); whether a core was dumped it cannot tell.
     */
    static final Launcher PROCESSES = new Launcher() {
        private ProcessBuilder builder(ProcessSpec spec) {
            assertOnlyArgvEnvironmentDirectoryAndFds(spec);
            ProcessBuilder pb = new ProcessBuilder(spec.argv());
            if (spec.environment() != null) {
                pb.environment().clear();
                pb.environment().putAll(spec.environment());
            }
            if (spec.directory() != null) pb.directory(spec.directory().toFile());
            for (Map.Entry<Integer, ChildFD> e : spec.childFDs().entrySet()) {
                ChildFD fd = e.getValue();
                switch (e.getKey()) {
                    case 0:
                        pb.redirectInput(fd.kind() == ChildFD.Kind.PARENT_WRITES ? Redirect.PIPE
                                : fd.kind() == ChildFD.Kind.READ_FROM ? Redirect.from(fd.path().toFile())
                                : fd.kind() == ChildFD.Kind.DEV_NULL ? Redirect.from(new File("/dev/null")) : unsupported(fd));
                        break;
                    case 1:
                        pb.redirectOutput(output(fd));
                        break;
                    case 2:
                        if (fd.kind() == ChildFD.Kind.SAME_AS && fd.sameAsFD() == 1) {
                            pb.redirectErrorStream(true);
                        } else {
                            pb.redirectError(output(fd));
                        }
                        break;
                    default:
                        throw new IllegalArgumentException("Processes has no fd map: child fd " + e.getKey());
                }
            }
            for (int fd = 0; fd <= 2; fd++) {
                if (!spec.childFDs().containsKey(fd)) throw new IllegalArgumentException("a Process always has fd " + fd);
            }
            return pb;
        }

        private Redirect output(ChildFD fd) {
            switch (fd.kind()) {
                case PARENT_READS: return Redirect.PIPE;
                case WRITE_TO: return Redirect.to(fd.path().toFile());
                case APPEND_TO: return Redirect.appendTo(fd.path().toFile());
                case DEV_NULL: return Redirect.DISCARD;
                default: return unsupported(fd);
            }
        }

        private Redirect unsupported(ChildFD fd) {
            throw new IllegalArgumentException("ProcessBuilder has no redirect for " + fd);
        }

        @Override
        public Ran run(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            Map<Integer, String> pidfdsBefore = ProcFs.pidfds();
            Process p = Processes.start(builder(spec));
            try {
                p.getOutputStream().close();
                CompletableFuture<String> out = readAsync(p.getInputStream());
                CompletableFuture<String> err = readAsync(p.getErrorStream());
                String o = out.get(60, TimeUnit.SECONDS);
                String e = err.get(60, TimeUnit.SECONDS);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), p + " did not exit");
                int v = p.exitValue();
                // The shared reactor closes the child's pidfd right after its exit, not before waitFor
                // returns: wait for that, so that the leak check after the test sees only real leaks.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!ProcFs.pidfds().equals(pidfdsBefore) && System.nanoTime() - deadline < 0) Thread.sleep(1);
                return new Ran(v > 128 && v <= 128 + 64 ? ExitStatus.killed(v - 128, false) : ExitStatus.exited(v), o, e);
            } finally {
                p.destroyForcibly();
            }
        }

        private CompletableFuture<String> readAsync(InputStream in) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }

        @Override
        public SpawnException startFails(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            ProcessBuilder pb = builder(spec);
            IOException e = assertThrows(IOException.class, () -> leavesNothing(spec, () -> Processes.start(pb)));
            assertTrue(e.getMessage().startsWith("Cannot run program \"" + spec.argv().get(0) + "\""), e.getMessage());
            return assertInstanceOf(SpawnException.class, e.getCause(), "the cause of " + e);
        }

        @Override
        public boolean hasFdMap() {
            return false;
        }

        @Override
        public boolean seesCoreDumps() {
            return false;
        }

        @Override
        public String toString() {
            return "Processes";
        }
    };

    /**
     * {@code Expect.spawn} of the spec on a pseudo-terminal: fds 0-2 are the terminal (so no redirects),
     * stdout and stderr arrive merged, and the terminal turns each {@code \n} into {@code \r\n}, which is
     * turned back here (no behaviour below writes a {@code \r}).
     */
    static final Launcher EXPECT = new Launcher() {
        private ProcessSpec onATerminal(ProcessSpec spec) {
            assertOnlyArgvEnvironmentDirectoryAndFds(spec);
            ProcessSpec.Builder b = ProcessSpec.command(spec.argv());
            if (spec.environment() != null) b.environment(spec.environment());
            if (spec.directory() != null) b.directory(spec.directory());
            Map<Integer, ChildFD> standard = Map.of(0, ChildFD.parentWrites(), 1, ChildFD.parentReads(), 2,
                    ChildFD.parentReads());
            for (Map.Entry<Integer, ChildFD> e : spec.childFDs().entrySet()) {
                if (e.getKey() > 2) {
                    b.childFD(e.getKey(), e.getValue());
                } else if (!e.getValue().equals(standard.get(e.getKey()))) {
                    throw new IllegalArgumentException("on a terminal, fd " + e.getKey() + " is the terminal: " + spec);
                }
            }
            return b.usePTY().build();
        }

        @Override
        public Ran run(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            Expect e = Expect.spawn(rt.reactor(), onATerminal(spec));
            String shown;
            try {
                shown = e.expectEof();
            } finally {
                e.close();
            }
            return new Ran(e.exitStatus().orElseThrow(), shown.replace("\r\n", "\n"), null);
        }

        @Override
        public SpawnException startFails(ReactorTestSupport rt, ProcessSpec spec) throws Exception {
            ProcessSpec onATerminal = onATerminal(spec);
            return leavesNothing(spec, () -> Expect.spawn(rt.reactor(), onATerminal));
        }

        @Override
        public boolean hasRedirects() {
            return false;
        }

        @Override
        public String toString() {
            return "Expect";
        }
    };

    /** The launchers translate these four settings only: anything more in a spec is a mistake here. */
    static void assertOnlyArgvEnvironmentDirectoryAndFds(ProcessSpec spec) {
        ProcessSpec.Builder same = ProcessSpec.command(spec.argv());
        if (spec.environment() != null) same.environment(spec.environment());
        if (spec.directory() != null) same.directory(spec.directory());
        assertEquals(same.childFDs(spec.childFDs()).build(), spec, "a spec with more than argv, environment, directory and fds");
    }

    private interface Start {
        Object start() throws Exception;
    }

    /** The start must throw a SpawnException (any other exception is rethrown) and leave nothing behind. */
    static SpawnException leavesNothing(ProcessSpec spec, Start start) throws Exception {
        Map<Integer, String> fdsBefore = ProcFs.pipeAndPidfdFds();
        Set<Long> zombiesBefore = ProcFs.zombieChildren();
        Exception thrown = null;
        try {
            Object started = start.start();
            throw new AssertionError(spec + " started: " + started);
        } catch (Exception e) {
            thrown = e;
        }
        assertEquals(fdsBefore, ProcFs.pipeAndPidfdFds(), "pipes/pidfds leaked by the failed start of " + spec);
        assertEquals(zombiesBefore, ProcFs.zombieChildren(), "zombies left by the failed start of " + spec);
        if (thrown instanceof SpawnException) return (SpawnException) thrown;
        throw thrown;
    }

    static Stream<Launcher> launchers() {
        return Stream.of(SUBPROCESS, REACTOR, COMMAND, COMMAND_START, PROCESSES, EXPECT);
    }

    static Stream<Launcher> launchersWithAnFdMap() {
        return launchers().filter(Launcher::hasFdMap);
    }

    static Stream<Launcher> launchersWithRedirects() {
        return launchers().filter(Launcher::hasRedirects);
    }

    // ====================================================================== environment

    /** {@code env -0}'s output as a map (values may hold '=' and newlines). */
    private static Map<String, String> envOf(Ran r) {
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : r.out().split("\0")) {
            if (entry.isEmpty()) continue;
            int eq = entry.indexOf('=');
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return env;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void aGivenEnvironmentIsTheChildsWholeEnvironment(Launcher l) throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("FOO", "bar baz");
        env.put("EMPTY", "");
        env.put("UNICODE", "h\u00e9llo \u2603 \u65e5\u672c");
        env.put("EQUALS", "a=b=c");
        env.put("NEWLINE", "line1\nline2");
        // No PATH in env: each way finds "env" without the child's PATH (the library's default path, or
        // for Processes the JVM's PATH, as the JDK does).
        assertEquals(env, envOf(l.run(rt, ProcessSpec.command("env", "-0").environment(env).build())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void anEmptyEnvironmentGivesTheChildNone(Launcher l) throws Exception {
        assertEquals(Map.of(), envOf(l.run(rt, ProcessSpec.command("env", "-0").environment(Map.of()).build())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void withoutAnEnvironmentTheChildHasTheJvms(Launcher l) throws Exception {
        assertFalse(System.getenv().isEmpty(), "precondition: the test JVM has an environment");
        assertEquals(System.getenv(), envOf(l.run(rt, ProcessSpec.command("env", "-0").build())));
    }

    // ====================================================================== working directory

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void theDirectoryIsTheChildsWorkingDirectory(Launcher l) throws Exception {
        Path sub = Files.createDirectory(tmp.resolve("work dir \u00e9"));
        Files.writeString(sub.resolve("marker.txt"), "found me");
        Ran r = l.run(rt, ProcessSpec.command("sh", "-c", "pwd -P; cat marker.txt").directory(sub).build());
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        assertEquals(sub.toRealPath() + "\nfound me", r.out());
        if (r.err() != null) assertEquals("", r.err());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void withoutADirectoryTheChildWorksInTheJvms(Launcher l) throws Exception {
        Ran r = l.run(rt, ProcessSpec.command("pwd", "-P").build());
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        assertEquals(Path.of("").toAbsolutePath().toRealPath() + "\n", r.out());
    }

    // ====================================================================== argv

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void argvReachesTheChildByteForByte(Launcher l) throws Exception {
        List<String> args = List.of("plain", "", "with space", "two words", "\"double quotes\"", "'single'", "quote'\"",
                "back\\slash\\", "\\\\server\\share", "tab\there", "new\nline", "$HOME `id` $(id) *", "*", "-n", "--",
                "%s%d", "\u00e9 \u00f1 \u00fc", "\u00e9\u2603", "\u65e5\u672c\u8a9e", "emoji \ud83d\ude00", " lead",
                "trail ", "");
        List<String> argv = new ArrayList<>(List.of(TestSupport.probe(), "args"));
        argv.addAll(args);
        Ran r = l.run(rt, ProcessSpec.command(argv).build());
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        StringBuilder expected = new StringBuilder(); // the probe prints each argument's bytes in hex, one a line
        for (String a : args) expected.append(TestSupport.hex(a)).append('\n');
        assertEquals(expected.toString(), r.out());
    }

    // ====================================================================== exit decoding

    static Stream<Arguments> launchersAndExitCodes() {
        return launchers().flatMap(l -> Stream.of(0, 3, 255).map(code -> Arguments.of(l, code)));
    }

    @ParameterizedTest(name = "{0}: exit {1}")
    @MethodSource("launchersAndExitCodes")
    void theExitCodeIsTheChilds(Launcher l, int code) throws Exception {
        ExitStatus s = l.run(rt, ProcessSpec.command("sh", "-c", "exit " + code).build()).status();
        assertEquals(ExitStatus.exited(code), s);
        assertEquals(code, s.exitCode());
        assertEquals(0, s.signal());
        assertEquals(code == 0, s.isSuccess());
    }

    static Stream<Arguments> launchersAndSignals() {
        return launchers().flatMap(l -> Stream.of("KILL", "TERM").map(signal -> Arguments.of(l, signal)));
    }

    @ParameterizedTest(name = "{0}: SIG{1}")
    @MethodSource("launchersAndSignals")
    void aSignalThatEndedTheChildIsItsStatus(Launcher l, String signal) throws Exception {
        ExitStatus s = l.run(rt, ProcessSpec.command("sh", "-c", "kill -" + signal + " $$").build()).status();
        int number = signal.equals("KILL") ? 9 : 15;
        assertEquals(ExitStatus.killed(number, false), s);
        assertEquals(-1, s.exitCode());
        assertFalse(s.isSuccess());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void aSegfaultIsSignal11WithACoreDumpedWhereTheKernelWritesOne(Launcher l) throws Exception {
        // The child's directory is our temp dir: a plain core_pattern ("core") is written there.
        Ran r = l.run(rt, ProcessSpec.command("sh", "-c", "ulimit -c unlimited 2>/dev/null; ulimit -c; kill -SEGV $$")
                .directory(tmp).build());
        ExitStatus s = r.status();
        assertEquals(SIGSEGV, s.signal(), s.toString());
        assertEquals(-1, s.exitCode());
        String limit = r.out().strip();
        String pattern = ProcFs.sys("kernel/core_pattern");
        boolean kernelDumps = !pattern.isEmpty() && !pattern.startsWith("|") && !pattern.startsWith("/")
                && !limit.equals("0");
        if (kernelDumps && l.seesCoreDumps()) {
            assertTrue(s.coreDumped(), "core_pattern '" + pattern + "', ulimit -c " + limit + ": " + s);
            assertEquals("signal 11 (SIGSEGV), core dumped", s.toString());
        }
    }

    // ====================================================================== a missing program

    /** With an fd map, an extra pipe each way: more to leak if a failed start cleaned up wrongly. */
    private static ProcessSpec withPipes(Launcher l, ProcessSpec.Builder b) {
        if (l.hasFdMap()) b.childFD(3, ChildFD.parentReads()).childFD(4, ChildFD.parentWrites());
        return b.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void aMissingProgramFailsAtExecWithEnoent(Launcher l) throws Exception {
        SpawnException e = l.startFails(rt, withPipes(l, ProcessSpec.command("/no/such/program", "x")));
        assertEquals("exec", e.step(), e.getMessage());
        assertEquals(ENOENT, e.errno(), e.getMessage());
        assertEquals("exec /no/such/program: No such file or directory (ENOENT)", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchers")
    void aProgramOnNoPathEntryFailsAtExecWithEnoentNamingIt(Launcher l) throws Exception {
        SpawnException e = l.startFails(rt, withPipes(l, ProcessSpec.command("forkexec-no-such-program-7f3a")));
        assertEquals("exec", e.step(), e.getMessage());
        assertEquals(ENOENT, e.errno(), e.getMessage());
        assertTrue(e.getMessage().startsWith("exec "), e.getMessage());
        for (String part : List.of("forkexec-no-such-program-7f3a", "No such file or directory", "ENOENT")) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    // ====================================================================== the fd map (fds 3 and up)

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchersWithAnFdMap")
    void aFileMappedToFdThreeGetsWhatTheChildWritesThere(Launcher l) throws Exception {
        Path three = Files.writeString(tmp.resolve("three"), "old content, longer than the new\n");
        Ran r = l.run(rt, ProcessSpec.command("sh", "-c", "echo to-three >&3; echo to-stdout")
                .childFD(3, ChildFD.writeTo(three)).build());
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        assertEquals("to-three\n", Files.readString(three));
        assertEquals("to-stdout\n", r.out());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchersWithAnFdMap")
    void anInheritedFdIsOurOpenFileAndNoOtherFdOfOursReachesTheChild(Launcher l) throws Exception {
        // This JVM has plenty open (jars, surefire's pipes, epoll fds...): none of it may reach the child.
        assertTrue(ProcFs.openFds().size() > 5, "precondition: the parent has more than the mapped fds open");
        Path file = Files.writeString(tmp.resolve("mapped"), "x");
        try (FileChannel f = FileChannel.open(file)) {
            int fd = TestSupport.fdOf(file);
            Ran r = l.run(rt, TestSupport.probe("fds").childFD(4, ChildFD.inherit(fd)).build());
            assertEquals(ExitStatus.exited(0), r.status(), r::toString);
            Map<Integer, ProbeFd> fds = TestSupport.parseFds(r.out());
            assertEquals(Set.of(0, 1, 2, 4), fds.keySet(), "the way's own fds 0-2 and the mapped one: " + r.out());
            TestSupport.assertSameFile(fd, fds.get(4), "file at 4");
            assertEquals(file.toRealPath().toString(), fds.get(4).target());
        }
    }

    // ====================================================================== redirects of fds 0-2

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchersWithRedirects")
    void stdoutToAFileReplacesWhatTheFileHeld(Launcher l) throws Exception {
        Path out = Files.writeString(tmp.resolve("out"), "a much longer old content\n");
        Ran r = l.run(rt, ProcessSpec.command("sh", "-c", "echo new; echo err >&2").childFD(1, ChildFD.writeTo(out))
                .build());
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        assertEquals("new\n", Files.readString(out));
        assertEquals("", r.out(), "nothing is read from a stdout that went to a file");
        assertEquals("err\n", r.err());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchersWithRedirects")
    void stdoutAppendedToAFileKeepsWhatTheFileHeld(Launcher l) throws Exception {
        Path log = Files.writeString(tmp.resolve("log"), "first\n");
        ProcessSpec spec = ProcessSpec.command("sh", "-c", "echo more").childFD(1, ChildFD.appendTo(log)).build();
        assertEquals(ExitStatus.exited(0), l.run(rt, spec).status());
        assertEquals(ExitStatus.exited(0), l.run(rt, spec).status());
        assertEquals("first\nmore\nmore\n", Files.readString(log));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchersWithRedirects")
    void stdinFromAFileFeedsTheChild(Launcher l) throws Exception {
        Path in = Files.writeString(tmp.resolve("in"), "line1\nline2 \u00e9\n");
        Ran r = l.run(rt, ProcessSpec.command("cat").childFD(0, ChildFD.readFrom(in)).build());
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        assertEquals("line1\nline2 \u00e9\n", r.out());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchersWithRedirects")
    void stderrIntoStdoutKeepsTheOrderOfTheWrites(Launcher l) throws Exception {
        Ran r = l.run(rt, ProcessSpec.command("sh", "-c", "echo 1; echo 2 >&2; echo 3; echo 4 >&2")
                .childFD(2, ChildFD.sameAs(1)).build());
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        assertEquals("1\n2\n3\n4\n", r.out());
        assertEquals("", r.err());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("launchersWithRedirects")
    void stderrIntoAStdoutFileSharesTheFilesOffset(Launcher l) throws Exception {
        Path both = tmp.resolve("both");
        Ran r = l.run(rt, ProcessSpec.command("sh", "-c", "echo 1; echo 2 >&2; echo 3")
                .childFDs(Map.of(0, ChildFD.parentWrites(), 1, ChildFD.writeTo(both), 2, ChildFD.sameAs(1))).build());
        assertEquals(ExitStatus.exited(0), r.status(), r::toString);
        assertEquals("1\n2\n3\n", Files.readString(both));
    }
}
