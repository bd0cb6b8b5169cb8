package dev.forkexec;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.testkit.ProcFs;
import dev.forkexec.testkit.ProcStat;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code Processes.start(pb)} / {@code Processes.startPipeline(builders)} as a drop-in for the JDK's own
 * {@code pb.start()} / {@code ProcessBuilder.startPipeline(builders)} on Linux: every scenario runs through
 * both {@link ProcessStarter}s, the "jdk" arm and the "forkexec" arm.
 *
 * <p><b>The oracle is the running JDK.</b> Each test states a behaviour as concrete facts (bytes, exit
 * values, file contents, which calls block) that the JDK arm proves true today; where the JDK's exact
 * wording matters (exception messages), the test runs the same scenario through {@code pb.start()} in this
 * very JVM and requires the forkexec arm to produce the identical class and message. No message is
 * hard-coded: JDK 17 words an exec failure {@code error=2, No such file or directory} and JDK 25
 * {@code Exec failed, error: 2 (No such file or directory) } (trailing space), and whichever JDK runs the
 * suite is the one to match. The facts come from the research note on the JDK's ProcessBuilder/ProcessImpl
 * (JDK 17.0.15 and 25.0.3), each re-checked here by the JDK arm.
 *
 * <p>The forkexec arm looks up {@code dev.forkexec.Processes} reflectively and is skipped ("dev.forkexec.Processes
 * not built yet") until the class exists; then it runs with no edit here. A failing forkexec arm is a
 * parity bug, unless the test names it as one of these <b>deliberate differences</b>:
 * <ul>
 *   <li>A failed exec/chdir is an {@code IOException} with the JDK's message in both arms; its cause is a
 *       {@link SpawnException} (with the errno) for forkexec, a plain {@code IOException} for the JDK.
 *   <li>When a stage of {@code startPipeline} fails, the JDK (17 and 25) leaks the read end of the pipe
 *       from the previous stage; forkexec must leak nothing. Checked for the forkexec arm only.
 *   <li>The JDK parks a "process reaper" thread per child (and {@code onExit} rides on it); forkexec must
 *       use no thread per child. Checked for the forkexec arm only.
 *   <li>JDK 17 starts the child with the JVM's blocked signals (SIGQUIT) still blocked; JDK 25 clears the
 *       mask and resets SIGPIPE. forkexec does as JDK 25; the JDK arm of that test runs only on a JDK that
 *       does so too.
 * </ul>
 * Not compared: {@code NullPointerException} messages for null arguments other than the command's elements
 * (they depend on the code that dereferences), the classes of the stream objects (the JDK's null streams
 * are private to {@code java.lang}), the environment's iteration order (it differs between JDKs),
 * JFR/System.Logger output, and whether {@code startPipeline} mutates the caller's builders (the JDK does;
 * not copying that is allowed). Also untested, because no implementation outside {@code java.lang} can
 * see it: a caller who called {@code pb.environment()} without changing it, in a JVM without {@code PATH}
 * (the JDK then searches {@code :/bin:/usr/bin}, cwd included).
 *
 * <p>Every potentially blocking call is bounded ({@code waitFor} with a timeout, reads under
 * {@code assertTimeoutPreemptively}), so a broken implementation fails instead of hanging; every child,
 * grandchild and temporary file is cleaned up after each test.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(ProcessesParityTest.SkipUnavailableStarter.class)
class ProcessesParityTest {
    /** How long anything that should finish may take before the test fails instead of hanging. */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final int ENOENT = 2;
    private static final int E2BIG = 7;
    private static final int EACCES = 13;
    private static final int ENOTDIR = 20;
    private static final int ENAMETOOLONG = 36;
    /** Comfortably more than a pipe and a stream buffer hold, so a child writing it must wait for a reader. */
    private static final int MORE_THAN_PIPES_HOLD = 8 << 20;
    /** The default Linux pipe capacity: what a child can write with nobody reading and still exit. */
    private static final int PIPE_CAPACITY = 65536;

    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "parity-reader");
        t.setDaemon(true);
        return t;
    });

    /** A parameterised test run once per starter: "[1] jdk", "[2] forkexec". */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.forkexec.ProcessesParityTest#starters")
    @interface Parity {}

    static Stream<ProcessStarter> starters() {
        return Stream.of(ProcessStarter.JDK, ProcessStarter.FORKEXEC);
    }

    /** Skips the arm of a starter that cannot run yet (forkexec before {@code Processes} exists). */
    static final class SkipUnavailableStarter implements InvocationInterceptor {
        @Override
        public void interceptTestTemplateMethod(Invocation<Void> invocation,
                ReflectiveInvocationContext<Method> invocationContext, ExtensionContext extensionContext) throws Throwable {
            for (Object argument : invocationContext.getArguments()) {
                if (argument instanceof ProcessStarter && !((ProcessStarter) argument).available()) {
                    invocation.skip();
                    assumeTrue(false, ((ProcessStarter) argument).unavailableReason());
                }
            }
            invocation.proceed();
        }
    }

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();
    private final List<ProcessHandle> strays = new ArrayList<>();
    private final List<Path> filesOutsideTmp = new ArrayList<>();

    /** Lets each starter create what it creates once per JVM, so fd snapshots see only per-child fds. */
    @BeforeAll
    static void warmUp() throws Exception {
        for (ProcessStarter s : starters().collect(Collectors.toList())) {
            if (!s.available()) continue;
            Process p = s.start(new ProcessBuilder("true"));
            assertTrue(p.waitFor(BOUND.toSeconds(), SECONDS), s + ": warm-up child did not exit");
            p.getInputStream().readAllBytes();
            p.getErrorStream().readAllBytes();
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (ProcessHandle h : strays) h.destroyForcibly();
        for (Process p : started) p.destroyForcibly();
        for (Process p : started) p.waitFor(BOUND.toSeconds(), SECONDS);
        for (Path f : filesOutsideTmp) Files.deleteIfExists(f);
        Thread.interrupted();
    }

    // ====================================================================== helpers

    private interface Scenario {
        ProcessBuilder get() throws IOException;
    }

    /** What a finished child did. */
    record Ran(int exit, String out, String err) {}

    private Process start(ProcessStarter s, ProcessBuilder pb) throws IOException {
        Process p = s.start(pb);
        started.add(p);
        return p;
    }

    private List<Process> startPipeline(ProcessStarter s, List<ProcessBuilder> builders) throws IOException {
        List<Process> ps = s.startPipeline(builders);
        started.addAll(ps);
        return ps;
    }

    /** {@code sh -c script sh args...} */
    private static ProcessBuilder sh(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    private static ProcessBuilder probe(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(TestSupport.probe());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Waits (bounded) for the child and returns its exit value. */
    private static int exitOf(Process p) throws InterruptedException {
        assertTrue(p.waitFor(BOUND.toSeconds(), SECONDS), () -> p + " did not exit within " + BOUND);
        return p.exitValue();
    }

    private static byte[] readAllBytes(InputStream in) {
        return readAllBytes(in, BOUND);
    }

    private static byte[] readAllBytes(InputStream in, Duration bound) {
        return assertTimeoutPreemptively(bound, in::readAllBytes, () -> "no end-of-file within " + bound);
    }

    private static String readAll(InputStream in) {
        return new String(readAllBytes(in), UTF_8);
    }

    /** One line (without its newline), byte by byte so nothing past it is consumed; bounded. */
    private static String readLine(InputStream in) {
        return assertTimeoutPreemptively(BOUND, () -> {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) throw new IOException("end-of-file before a whole line: " + line);
                line.write(b);
            }
            return line.toString(UTF_8);
        }, () -> "no whole line within " + BOUND);
    }

    private static <T> T get(Future<T> f) throws Exception {
        try {
            return f.get(BOUND.toSeconds(), SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("not done within " + BOUND, e);
        }
    }

    /** Closes stdin, reads stdout and stderr concurrently (no pipe fills), waits; all bounded. */
    private static Ran finish(Process p) throws Exception {
        try {
            p.getOutputStream().close();
        } catch (IOException alreadyGone) {
            // the child exited and the JDK swapped stdin for a null stream: nothing to close
        }
        Future<String> err = READERS.submit(() -> new String(p.getErrorStream().readAllBytes(), UTF_8));
        Future<String> out = READERS.submit(() -> new String(p.getInputStream().readAllBytes(), UTF_8));
        String o = get(out);
        String e = get(err);
        return new Ran(exitOf(p), o, e);
    }

    private Ran run(ProcessStarter s, ProcessBuilder pb) throws Exception {
        return finish(start(s, pb));
    }

    /** Runs the scenario through the JDK and through s; they must do the same; returns s's. */
    private Ran sameRunAsJdk(ProcessStarter s, Scenario scenario) throws Exception {
        Ran oracle = run(ProcessStarter.JDK, scenario.get());
        Ran actual = run(s, scenario.get());
        assertEquals(oracle, actual, "what the child did, compared with the JDK's start of the same command");
        return actual;
    }

    /** Pipe fds open now that were not open (as the same pipe) in {@code before}. */
    private static Map<Integer, String> newPipeFds(Map<Integer, String> before) throws IOException {
        Map<Integer, String> now = ProcFs.pipeFds();
        now.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return now;
    }

    /** Our children, live or zombie. */
    private static Set<Long> childPids() throws IOException {
        Set<Long> pids = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toCollection(HashSet::new));
        pids.addAll(ProcFs.zombieChildren());
        return pids;
    }

    private static Set<Long> newChildren(Set<Long> before) throws IOException {
        Set<Long> now = childPids();
        now.removeAll(before);
        return now;
    }

    /** A process started with the pipe fds this JVM opened for it. */
    record Tracked(Process process, Map<Integer, String> pipes) {}

    private Tracked startTracked(ProcessStarter s, ProcessBuilder pb) throws IOException {
        Map<Integer, String> before = ProcFs.pipeFds();
        Process p = start(s, pb);
        return new Tracked(p, newPipeFds(before));
    }

    /** Waits (bounded) until none of these fds is open on the same pipe any more. */
    private static void awaitClosed(Map<Integer, String> fds, String why) throws Exception {
        long deadline = System.nanoTime() + BOUND.toNanos();
        Map<Integer, String> open;
        do {
            open = new TreeMap<>(ProcFs.pipeFds());
            open.entrySet().removeIf(e -> !e.getValue().equals(fds.get(e.getKey())));
            if (open.isEmpty()) return;
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        fail(why + ": still open after " + BOUND + ": " + open);
    }

    /** Remembers a grandchild so that cleanUp kills it (by handle: a reused pid is never hit). */
    private void stray(long pid) {
        ProcessHandle.of(pid).ifPresent(strays::add);
    }

    /** Starting pb through s must throw; nothing may be left behind. Returns what was thrown. */
    private Throwable startFails(ProcessStarter s, ProcessBuilder pb) throws IOException {
        Map<Integer, String> pipes = ProcFs.pipeFds();
        Set<Long> children = childPids();
        Throwable t = assertThrows(Throwable.class, () -> start(s, pb), () -> s + " started " + pb.command() + ", which must fail");
        assertEquals(Map.of(), newPipeFds(pipes), () -> s + ": pipe fds left by the failed start of " + pb.command());
        assertEquals(Set.of(), newChildren(children), () -> s + ": children left by the failed start of " + pb.command());
        return t;
    }

    /** The scenario must fail through s exactly as through the JDK: same class, same message. */
    private Throwable sameFailureAsJdk(ProcessStarter s, Scenario scenario) throws IOException {
        Throwable oracle = startFails(ProcessStarter.JDK, scenario.get());
        Throwable actual = startFails(s, scenario.get());
        assertEquals(oracle.getClass(), actual.getClass(), () -> "exception class; the JDK threw " + oracle + "; got " + actual);
        assertEquals(oracle.getMessage(), actual.getMessage(), "exception message, as the running JDK words it");
        return actual;
    }

    /**
     * A failed exec or chdir: {@code Cannot run program "<program>"[ (in directory "<dir>")]: <the JDK's
     * errno text>}, and for forkexec a {@link SpawnException} with that errno as the cause.
     */
    private static void assertExecError(ProcessStarter s, Throwable t, String program, String directory, int errno,
            String strerror) {
        assertInstanceOf(IOException.class, t);
        String m = t.getMessage();
        String head = "Cannot run program \"" + program + "\"" + (directory == null ? "" : " (in directory \"" + directory + "\")") + ": ";
        assertTrue(m.startsWith(head), () -> "message should start with [" + head + "]: " + m);
        assertTrue(m.contains(strerror), () -> "message should give the error text " + strerror + ": " + m);
        assertTrue(m.matches("(?s).*error(=|: )" + errno + "\\b.*"), () -> "message should give errno " + errno + ": " + m);
        assertNotNull(t.getCause(), "a failed start keeps the underlying exception as its cause");
        if (!s.isJdk()) {
            SpawnException cause = assertInstanceOf(SpawnException.class, t.getCause(), "forkexec's cause");
            assertEquals(errno, cause.errno(), cause.getMessage());
        }
    }

    private static String message(ThrowingRunnable r) {
        return assertThrows(Exception.class, r::run).getMessage();
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private Path executable(String name, String content) throws IOException {
        return TestSupport.writeFile(tmp.resolve(name), content, "rwxr-xr-x");
    }

    /** The child's environ, from {@code env -0}, as a set of NAME=value strings. */
    private static Set<String> envOf(Ran r) {
        assertEquals(0, r.exit(), r.err());
        Set<String> out = new HashSet<>();
        for (String entry : r.out().split("\0")) {
            if (!entry.isEmpty()) out.add(entry);
        }
        return out;
    }

    private static Set<String> asEntries(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.toSet());
    }


    // ====================================================================== failed starts: the JDK's checks

    @Parity
    void emptyCommandThrowsIndexOutOfBoundsUnwrapped(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, ProcessBuilder::new);
        assertInstanceOf(IndexOutOfBoundsException.class, t);
    }

    @Parity
    void nullCommandElementThrowsNullPointerExceptionWithoutMessage(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("echo", null));
        assertInstanceOf(NullPointerException.class, t);
        assertNull(t.getMessage());
    }

    @Parity
    void nulCharacterInAnArgumentIsAnUnwrappedIOExceptionWithoutCause(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("echo", "a\0b"));
        assertEquals(IOException.class, t.getClass());
        assertNull(t.getCause());
        assertFalse(t.getMessage().startsWith("Cannot run program"), t.getMessage());
    }

    // ====================================================================== failed starts: exec and chdir

    @Parity
    void missingProgramOnPathFailsWithEnoent(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("forkexec-no-such-program", "arg"));
        assertExecError(s, t, "forkexec-no-such-program", null, ENOENT, "No such file or directory");
    }

    @Parity
    void missingProgramNamesTheDirectoryAsGivenNotMadeAbsolute(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("forkexec-no-such-program").directory(new File(".")));
        assertExecError(s, t, "forkexec-no-such-program", ".", ENOENT, "No such file or directory");
    }

    @Parity
    void missingAbsoluteProgramFailsWithEnoent(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("/nonexistent-forkexec/prog"));
        assertExecError(s, t, "/nonexistent-forkexec/prog", null, ENOENT, "No such file or directory");
    }

    @Parity
    void emptyProgramNameFailsWithEnoent(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder(""));
        assertExecError(s, t, "", null, ENOENT, "No such file or directory");
    }

    @Parity
    void directoryThatDoesNotExistFailsWithEnoent(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("echo").directory(new File("/nonexistent-forkexec-dir")));
        assertExecError(s, t, "echo", "/nonexistent-forkexec-dir", ENOENT, "No such file or directory");
    }

    @Parity
    void regularFileAsDirectoryFailsWithEnotdir(ProcessStarter s) throws Exception {
        Path file = TestSupport.writeFile(tmp.resolve("plain"), "x", "rw-r--r--");
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("echo").directory(file.toFile()));
        assertExecError(s, t, "echo", file.toString(), ENOTDIR, "Not a directory");
    }

    @Parity
    void emptyDirectoryNameFailsWithEnoent(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("echo").directory(new File("")));
        assertExecError(s, t, "echo", "", ENOENT, "No such file or directory");
    }

    @Parity
    void badDirectoryIsReportedBeforeAMissingProgram(ProcessStarter s) throws Exception {
        Path file = TestSupport.writeFile(tmp.resolve("plain"), "x", "rw-r--r--");
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("forkexec-no-such-program").directory(file.toFile()));
        assertExecError(s, t, "forkexec-no-such-program", file.toString(), ENOTDIR, "Not a directory");
    }

    @Parity
    void nonExecutableFileFailsWithEacces(ProcessStarter s) throws Exception {
        // As root too: execve needs at least one x bit, whoever asks.
        Path f = TestSupport.writeFile(tmp.resolve("noexec"), "#!/bin/sh\necho ran\n", "rw-r--r--");
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder(f.toString()));
        assertExecError(s, t, f.toString(), null, EACCES, "Permission denied");
    }

    @Parity
    void relativeProgramWithSlashResolvesAgainstTheDirectory(ProcessStarter s) throws Exception {
        TestSupport.writeFile(tmp.resolve("noexec"), "#!/bin/sh\necho ran\n", "rw-r--r--");
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("./noexec").directory(tmp.toFile()));
        assertExecError(s, t, "./noexec", tmp.toString(), EACCES, "Permission denied");
    }

    @Parity
    void directoryAsProgramWithSlashFailsWithEacces(ProcessStarter s) throws Exception {
        Path d = Files.createDirectory(tmp.resolve("sub"));
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder(d.toString()));
        assertExecError(s, t, d.toString(), null, EACCES, "Permission denied");
    }

    @Parity
    void programWithoutSlashIsNotLookedUpInTheDirectory(ProcessStarter s) throws Exception {
        String path = System.getenv("PATH");
        assumeTrue(path != null && Arrays.stream(path.split(":", -1)).noneMatch(e -> e.isEmpty() || e.equals(".")),
                "this JVM's PATH searches the current directory");
        Files.createDirectory(tmp.resolve("fx-subdir"));
        executable("fx-script", "#!/bin/sh\necho ran\n");
        for (String name : List.of("fx-subdir", "fx-script")) {
            Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder(name).directory(tmp.toFile()));
            assertExecError(s, t, name, tmp.toString(), ENOENT, "No such file or directory");
        }
    }

    @Parity
    void oversizedArgumentFailsWithE2big(ProcessStarter s) throws Exception {
        String huge = "x".repeat(131073);
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("echo", huge));
        assertExecError(s, t, "echo", null, E2BIG, "Argument list too long");
    }

    @Parity
    void overlongProgramNameFailsWithEnametoolong(ProcessStarter s) throws Exception {
        String name = "p".repeat(5000);
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder(name));
        assertExecError(s, t, name, null, ENAMETOOLONG, "File name too long");
    }

    // ====================================================================== scripts without #!

    @Parity
    void scriptWithoutShebangRunsThroughBinShWithItsPathAsDollarZero(ProcessStarter s) throws Exception {
        Path script = executable("noshebang", "echo \"0=$0 args=$*\"\n");
        Ran r = sameRunAsJdk(s, () -> new ProcessBuilder(script.toString(), "a1", "a 2"));
        assertEquals(new Ran(0, "0=" + script + " args=a1 a 2\n", ""), r);
    }

    @Parity
    void scriptWithoutShebangRelativeToTheDirectoryKeepsThePathAsGiven(ProcessStarter s) throws Exception {
        executable("noshebang", "echo \"0=$0 pwd=$(pwd) args=$*\"\n");
        Ran r = sameRunAsJdk(s, () -> new ProcessBuilder("./noshebang", "x").directory(tmp.toFile()));
        assertEquals(new Ran(0, "0=./noshebang pwd=" + tmp.toRealPath() + " args=x\n", ""), r);
    }

    @Parity
    void fileWithElfMagicButNoBinaryRunsThroughBinShAndFails127(ProcessStarter s) throws Exception {
        Path fake = executable("fake-elf", "\u007fELFgarbage");
        Ran r = sameRunAsJdk(s, () -> new ProcessBuilder(fake.toString()));
        assertEquals(127, r.exit(), r.err());
    }

    // ====================================================================== failed starts: redirect files

    @Parity
    void missingInputFileFailsNamingTheFile(ProcessStarter s) throws Exception {
        Path missing = tmp.resolve("missing-in.txt");
        Throwable t = sameFailureAsJdk(s, () -> new ProcessBuilder("cat").redirectInput(missing.toFile()));
        assertEquals("Cannot run program \"cat\": " + missing + " (No such file or directory)", t.getMessage());
        assertInstanceOf(IOException.class, t.getCause());
    }

    @Parity
    void directoryAsRedirectFileFailsNamingIt(ProcessStarter s) throws Exception {
        Throwable in = sameFailureAsJdk(s, () -> new ProcessBuilder("cat").redirectInput(tmp.toFile()));
        assertEquals("Cannot run program \"cat\": " + tmp + " (Is a directory)", in.getMessage());
        Throwable out = sameFailureAsJdk(s, () -> new ProcessBuilder("echo").redirectOutput(tmp.toFile()));
        assertEquals("Cannot run program \"echo\": " + tmp + " (Is a directory)", out.getMessage());
    }

    @Parity
    void relativeRedirectFilesResolveAgainstTheJvmsDirectoryNotTheChilds(ProcessStarter s) throws Exception {
        String name = "fx-parity-" + UUID.randomUUID() + ".txt";
        Path inJvmCwd = Path.of(name).toAbsolutePath();
        filesOutsideTmp.add(inJvmCwd);
        Ran r = run(s, new ProcessBuilder("echo", "hi").directory(tmp.toFile()).redirectOutput(new File(name)));
        assertEquals(new Ran(0, "", ""), r);
        assertEquals("hi\n", Files.readString(inJvmCwd));
        assertFalse(Files.exists(tmp.resolve(name)), "created in the child's directory");
    }

    @Parity
    void relativeMissingInputFileWithADirectoryNamesBoth(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s,
                () -> new ProcessBuilder("cat").directory(tmp.toFile()).redirectInput(new File("fx-no-such-input.txt")));
        assertEquals("Cannot run program \"cat\" (in directory \"" + tmp + "\"): fx-no-such-input.txt (No such file or directory)",
                t.getMessage());
    }

    @Parity
    void outputFileIsCreatedAndTruncatedEvenWhenTheProgramIsMissing(ProcessStarter s) throws Exception {
        Path out = tmp.resolve("out.txt");
        Scenario scenario = () -> {
            Files.writeString(out, "old content");
            return new ProcessBuilder("forkexec-no-such-program").redirectOutput(out.toFile());
        };
        sameFailureAsJdk(s, scenario);
        assertTrue(Files.exists(out));
        assertEquals(0, Files.size(out), "truncated before the exec failed");
    }

    @Parity
    void missingInputFileMeansTheOutputFileIsNotCreated(ProcessStarter s) throws Exception {
        Path out = tmp.resolve("never.txt");
        sameFailureAsJdk(s, () -> new ProcessBuilder("cat").redirectInput(tmp.resolve("missing").toFile()).redirectOutput(out.toFile()));
        assertFalse(Files.exists(out), "stdin's file is opened first; its failure stops the start before stdout's");
    }

    @Parity
    void errorFileIsCreatedAndLeftEmptyEvenWithRedirectErrorStream(ProcessStarter s) throws Exception {
        Path err = tmp.resolve("err.txt");
        Files.writeString(err, "old");
        Ran r = run(s, sh("echo OUT; echo ERR >&2").redirectErrorStream(true).redirectError(err.toFile()));
        assertEquals(new Ran(0, "OUT\nERR\n", ""), r);
        assertEquals("", Files.readString(err));
    }

    @Parity
    void unopenableErrorFileFailsTheStartEvenWithRedirectErrorStream(ProcessStarter s) throws Exception {
        Throwable t = sameFailureAsJdk(s,
                () -> new ProcessBuilder("true").redirectErrorStream(true).redirectError(new File("/nonexistent-forkexec/e")));
        assertEquals("Cannot run program \"true\": /nonexistent-forkexec/e (No such file or directory)", t.getMessage());
    }

    // ====================================================================== exit values and waiting

    @Parity
    void stdoutStderrAndExitValue(ProcessStarter s) throws Exception {
        Ran r = sameRunAsJdk(s, () -> sh("printf out; printf err >&2; exit 3"));
        assertEquals(new Ran(3, "out", "err"), r);
    }

    @Parity
    void exitValueKeepsTheLowEightBits(ProcessStarter s) throws Exception {
        assertEquals(44, run(s, sh("exit 300")).exit());
    }

    @Parity
    void exitValueOfAChildEndedBySignalIs128PlusTheSignal(ProcessStarter s) throws Exception {
        Map<String, Integer> expected = Map.of("HUP", 129, "INT", 130, "KILL", 137, "SEGV", 139, "TERM", 143);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            Process p = start(s, sh("ulimit -c 0; kill -" + e.getKey() + " $$; sleep 5"));
            assertEquals(e.getValue(), exitOf(p), "SIG" + e.getKey());
        }
    }

    @Parity
    void exitValueWhileRunningThrowsIllegalThreadStateException(ProcessStarter s) throws Exception {
        Process oracle = start(ProcessStarter.JDK, new ProcessBuilder("sleep", "30"));
        String expected = assertThrows(IllegalThreadStateException.class, oracle::exitValue).getMessage();
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        IllegalThreadStateException e = assertThrows(IllegalThreadStateException.class, p::exitValue);
        assertEquals(expected, e.getMessage());
        assertTrue(p.isAlive());
    }

    @Parity
    void waitForReturnsTheExitValueAndThenTheChildIsNotAlive(ProcessStarter s) throws Exception {
        Process p = start(s, sh("exit 7"));
        assertEquals(7, assertTimeoutPreemptively(BOUND, () -> p.waitFor()));
        assertFalse(p.isAlive());
        assertEquals(7, p.exitValue());
        assertEquals(7, (int) assertTimeoutPreemptively(BOUND, () -> p.waitFor()), "waitFor again");
    }

    @Parity
    void timedWaitOnARunningChildReturnsFalseAfterTheTimeout(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        long t0 = System.nanoTime();
        assertFalse(p.waitFor(300, MILLISECONDS));
        long waited = NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited >= 270, () -> "returned after " + waited + " ms, before the 300 ms timeout");
        assertTrue(p.isAlive());
    }

    @Parity
    void timedWaitWithZeroOrNegativeTimeoutReportsTheStateWithoutWaiting(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertFalse(p.waitFor(0, SECONDS));
            assertFalse(p.waitFor(-5, SECONDS));
        });
        p.destroyForcibly();
        exitOf(p);
        assertTrue(p.waitFor(0, SECONDS));
        assertTrue(p.waitFor(-5, SECONDS));
    }

    @Parity
    void timedWaitReturnsTrueOnceTheChildExitsWithoutWaitingOutTheTimeout(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "0.3"));
        long t0 = System.nanoTime();
        assertTrue(p.waitFor(60, SECONDS));
        long waited = NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertTrue(waited < 30, () -> "waitFor(60 s) of a 0.3 s child took " + waited + " s");
        assertEquals(0, p.exitValue());
    }

    @Parity
    void timedWaitWithNullUnitThrowsNullPointerExceptionEvenAfterExit(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("true"));
        exitOf(p);
        assertThrows(NullPointerException.class, () -> p.waitFor(1, null));
    }

    @Parity
    void waitForOnARunningChildThrowsWhenInterruptedAndClearsTheFlag(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, p::waitFor);
        assertFalse(Thread.interrupted(), "interrupt flag still set after InterruptedException");
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> p.waitFor(10, SECONDS));
        assertFalse(Thread.interrupted(), "interrupt flag still set after InterruptedException (timed)");
        assertTrue(p.isAlive());
    }

    @Parity
    void waitForAfterExitReturnsAndKeepsTheInterruptFlag(ProcessStarter s) throws Exception {
        Process p = start(s, sh("exit 4"));
        exitOf(p);
        Thread.currentThread().interrupt();
        try {
            assertEquals(4, p.waitFor());
            assertTrue(p.waitFor(1, SECONDS));
            assertTrue(Thread.currentThread().isInterrupted(), "the flag of an already exited child's waitFor");
        } finally {
            Thread.interrupted();
        }
    }

    // ====================================================================== destroy

    @Parity
    void destroySendsSigterm(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        p.destroy();
        assertEquals(143, exitOf(p));
    }

    @Parity
    void destroyForciblySendsSigkillAndReturnsTheProcess(ProcessStarter s) throws Exception {
        Process p = start(s, sh("trap '' TERM; echo ready; exec sleep 30"));
        assertEquals("ready", readLine(p.getInputStream()));
        assertSame(p, p.destroyForcibly());
        assertEquals(137, exitOf(p));
    }

    @Parity
    void destroyDoesNotWaitForAChildThatIgnoresSigterm(ProcessStarter s) throws Exception {
        Process p = start(s, sh("trap '' TERM; echo ready; exec sleep 30"));
        assertEquals("ready", readLine(p.getInputStream()));
        assertTimeoutPreemptively(Duration.ofSeconds(5), p::destroy);
        assertFalse(p.waitFor(500, MILLISECONDS), "the child ignores SIGTERM");
        assertTrue(p.isAlive());
        p.destroyForcibly();
        assertEquals(137, exitOf(p));
    }

    /**
     * After destroy(): [read stdout, read stderr], each an exception's message. stdin throws too, but its
     * wording races in the JDK itself: "Stream Closed" from the closed file, or "Stream closed" once the
     * reaper has swapped in a null stream.
     */
    private List<String> streamMessagesAfterDestroy(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("cat"));
        p.destroy();
        List<String> m = List.of(message(() -> p.getInputStream().read()), message(() -> p.getErrorStream().read()));
        String stdin = message(() -> {
            p.getOutputStream().write(1);
            p.getOutputStream().flush();
        });
        assertTrue("Stream closed".equalsIgnoreCase(stdin), stdin);
        assertEquals(143, exitOf(p));
        return m;
    }

    @Parity
    void destroyClosesTheStreams(ProcessStarter s) throws Exception {
        assertEquals(streamMessagesAfterDestroy(ProcessStarter.JDK), streamMessagesAfterDestroy(s));
    }

    private String readMessageAfterExitAndDestroy(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("echo", "data"));
        exitOf(p);
        p.destroy();
        return message(() -> p.getInputStream().read());
    }

    @Parity
    void destroyAfterExitDiscardsUnreadOutput(ProcessStarter s) throws Exception {
        assertEquals(readMessageAfterExitAndDestroy(ProcessStarter.JDK), readMessageAfterExitAndDestroy(s));
    }

    @Parity
    void destroyWakesAReaderBlockedOnStdout(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        Future<Object> reader = READERS.submit(() -> {
            try {
                return p.getInputStream().read();
            } catch (IOException closed) {
                return closed;
            }
        });
        Thread.sleep(200);
        p.destroy();
        Object r = get(reader);
        assertTrue(Integer.valueOf(-1).equals(r) || r instanceof IOException, () -> "the blocked read ended with " + r);
        assertEquals(143, exitOf(p));
    }

    @Parity
    void supportsNormalTermination(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("true"));
        assertTrue(p.supportsNormalTermination());
        exitOf(p);
    }

    // ====================================================================== pid, handle, onExit, info

    @Parity
    void pidIsTheChildsProcessId(ProcessStarter s) throws Exception {
        Process p = start(s, sh("echo $$"));
        assertEquals(Long.toString(p.pid()), readAll(p.getInputStream()).strip());
        exitOf(p);
    }

    @Parity
    void toHandleIsOneHandleOfTheChildThatTracksIt(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        ProcessHandle h = p.toHandle();
        assertSame(h, p.toHandle());
        assertEquals(p.pid(), h.pid());
        assertTrue(h.isAlive());
        assertEquals(Optional.of(ProcessHandle.current()), h.parent());
        assertEquals(Optional.of(h), ProcessHandle.of(p.pid()));
        p.destroyForcibly();
        exitOf(p);
        assertFalse(h.isAlive());
    }

    @Parity
    void childrenAndDescendantsListTheChildsOwnChildren(ProcessStarter s) throws Exception {
        Process p = start(s, sh("sleep 30 & echo $!; wait"));
        long grandchild = Long.parseLong(readLine(p.getInputStream()));
        stray(grandchild);
        assertEquals(List.of(grandchild), p.children().map(ProcessHandle::pid).collect(Collectors.toList()));
        assertEquals(List.of(grandchild), p.descendants().map(ProcessHandle::pid).collect(Collectors.toList()));
    }

    @Parity
    void onExitCompletesWithThisProcessAfterItExited(ProcessStarter s) throws Exception {
        Process p = start(s, sh("sleep 0.2; exit 5"));
        var f = p.onExit();
        assertSame(p, f.get(BOUND.toSeconds(), SECONDS));
        assertFalse(p.isAlive());
        assertEquals(5, p.exitValue());
        assertSame(p, p.onExit().get(BOUND.toSeconds(), SECONDS), "onExit of a child that already exited");
    }

    @Parity
    void onExitReturnsANewFutureOnEachCall(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        var first = p.onExit();
        assertNotSame(first, p.onExit());
        first.complete(p);
        assertTrue(p.isAlive());
        assertFalse(p.onExit().isDone(), "completing one caller's future must not complete another's");
    }

    @Parity
    void onExitAndWaitingUseNoThreadPerChild(ProcessStarter s) throws Exception {
        assumeFalse(s.isJdk(), "deliberate difference: the JDK parks a \"process reaper\" thread per child");
        long before = ProcFs.threadCount();
        List<Process> ps = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<Process>> exits = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Process p = start(s, new ProcessBuilder("sleep", "30"));
            ps.add(p);
            exits.add(p.onExit());
        }
        long during = ProcFs.threadCount();
        assertTrue(during - before <= 2, () -> "threads: " + before + " before 50 children, " + during + " with them");
        for (Process p : ps) p.destroyForcibly();
        for (var f : exits) assertTrue(ps.contains(f.get(BOUND.toSeconds(), SECONDS)));
    }

    @Parity
    void infoDescribesTheRunningChild(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("sleep", "30"));
        // start() returns once the exec-status pipe closed (close-on-exec), which the kernel does before
        // it has set the new program's arguments up; until then info() finds no command (either arm).
        ReactorTestSupport.awaitCondition("sleep's command line is set", () -> !ProcFs.cmdline(p.pid()).isEmpty());
        ProcessHandle.Info info = p.info();
        assertTrue(info.command().orElseThrow().endsWith("/sleep"), info::toString);
        assertEquals(List.of("30"), Arrays.asList(info.arguments().orElseThrow()));
        assertEquals(ProcessHandle.current().info().user(), info.user());
        assertTrue(info.startInstant().isPresent(), info::toString);
    }

    @Parity
    void toStringNamesThePidAndTheExitValueOnceExited(ProcessStarter s) throws Exception {
        Process p = start(s, sh("read x; exit 3"));
        assertEquals("Process[pid=" + p.pid() + ", exitValue=\"not exited\"]", p.toString());
        p.getOutputStream().close();
        exitOf(p);
        assertEquals("Process[pid=" + p.pid() + ", exitValue=3]", p.toString());
    }

    // ====================================================================== what the child inherits

    @Parity
    void childHasOnlyFdsZeroOneAndTwo(ProcessStarter s) throws Exception {
        Ran r = run(s, probe("fds"));
        assertEquals(0, r.exit(), r.err());
        assertEquals(Set.of(0, 1, 2), TestSupport.parseFds(r.out()).keySet(), r.out());
    }

    @Parity
    void childStaysInTheJvmsProcessGroupAndSession(ProcessStarter s) throws Exception {
        Ran r = run(s, probe("ids"));
        assertEquals(0, r.exit(), r.err());
        Map<String, String> ids = TestSupport.parseIds(r.out());
        ProcStat ours = ProcStat.self();
        assertEquals(Long.toString(ours.pgrp()), ids.get("pgid"), r.out());
        assertEquals(Long.toString(ours.session()), ids.get("sid"), r.out());
    }

    @Parity
    void childStartsWithAnEmptySignalMaskAndDefaultSigpipe(ProcessStarter s) throws Exception {
        Ran r = run(s, probe("status"));
        assertEquals(0, r.exit(), r.err());
        Map<String, Long> sig = TestSupport.parseSigLines(r.out());
        long sigpipe = 1L << (13 - 1);
        if (s.isJdk()) {
            assumeTrue(sig.get("SigBlk") == 0 && (sig.get("SigIgn") & sigpipe) == 0,
                    "deliberate difference: this JDK (17) starts the child with the JVM's blocked signals: " + r.out());
        }
        assertEquals(0L, sig.get("SigBlk"), r.out());
        assertEquals(0L, sig.get("SigIgn") & sigpipe, r.out());
    }

    @Parity
    void argumentsReachTheChildVerbatim(ProcessStarter s) throws Exception {
        List<String> args = List.of("", " ", "a b", "'\"$HOME`x`\\", "line1\nline2", "*", "-", "--x=y");
        List<String> cmd = new ArrayList<>(List.of(TestSupport.probe(), "args"));
        cmd.addAll(args);
        Ran r = sameRunAsJdk(s, () -> new ProcessBuilder(cmd));
        List<String> hex = args.stream().map(TestSupport::hex).collect(Collectors.toList());
        assertEquals(hex, Arrays.asList(r.out().split("\n", -1)).subList(0, args.size()));
    }

    @Parity
    void nonAsciiArgumentsDirectoryAndEnvironmentAreEncodedAsTheJdkEncodesThem(ProcessStarter s) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("d\u00e9\u20ac"));
        Scenario scenario = () -> {
            ProcessBuilder pb = sh("printf %s \"$1\" | od -An -tx1; pwd | od -An -tx1; printf %s \"$FX_ENC\" | od -An -tx1", "h\u00e9\u20ac")
                    .directory(dir.toFile());
            pb.environment().put("FX_ENC", "v\u00e9\u20ac");
            return pb;
        };
        Ran r = sameRunAsJdk(s, scenario);
        assertEquals(0, r.exit(), r.err());
        if ("UTF-8".equals(System.getProperty("sun.jnu.encoding")) && "UTF-8".equals(System.getProperty("file.encoding"))) {
            assertTrue(r.out().startsWith(" 68 c3 a9 e2 82 ac\n"), r.out());
        }
    }

    // ====================================================================== stream objects

    @Parity
    void streamGettersReturnTheSameObjectEachTime(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("cat"));
        assertSame(p.getInputStream(), p.getInputStream());
        assertSame(p.getErrorStream(), p.getErrorStream());
        assertSame(p.getOutputStream(), p.getOutputStream());
        finish(p);
    }

    @Parity
    void stdinIsBufferedUntilFlushed(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("head", "-c", "3"));
        p.getOutputStream().write("abc".getBytes(UTF_8));
        assertFalse(p.waitFor(300, MILLISECONDS), "the child got the bytes without a flush");
        p.getOutputStream().flush();
        assertEquals(0, exitOf(p));
        assertEquals("abc", readAll(p.getInputStream()));
    }

    private String flushMessageAfterTheChildClosedStdin(ProcessStarter s) throws Exception {
        Process p = start(s, sh("exec 0<&-; echo closed; exec sleep 30"));
        assertEquals("closed", readLine(p.getInputStream()));
        p.getOutputStream().write(new byte[10]);
        return message(() -> p.getOutputStream().flush());
    }

    @Parity
    void flushToAChildThatClosedStdinThrowsBrokenPipe(ProcessStarter s) throws Exception {
        assertEquals(flushMessageAfterTheChildClosedStdin(ProcessStarter.JDK), flushMessageAfterTheChildClosedStdin(s));
    }

    /** After exit and the drain: [flush of a buffered write, close]. */
    private List<String> stdinMessagesAfterExit(ProcessStarter s) throws Exception {
        Tracked t = startTracked(s, sh("read x"));
        assertEquals(3, t.pipes().size(), () -> "pipes for stdin, stdout and stderr: " + t.pipes());
        t.process().getOutputStream().write('\n');
        t.process().getOutputStream().flush();
        exitOf(t.process());
        awaitClosed(t.pipes(), "the child's pipes after its exit");
        OutputStream in = t.process().getOutputStream();
        in.write(new byte[10]);
        return List.of(message(in::flush), message(in::close));
    }

    @Parity
    void stdinAfterExitTakesWritesButFlushThrows(ProcessStarter s) throws Exception {
        assertEquals(stdinMessagesAfterExit(ProcessStarter.JDK), stdinMessagesAfterExit(s));
    }

    private String writeMessageAfterUserClosedStdin(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("cat"));
        p.getOutputStream().close();
        return message(() -> {
            p.getOutputStream().write(1);
            p.getOutputStream().flush();
        });
    }

    @Parity
    void writeAfterClosingStdinThrows(ProcessStarter s) throws Exception {
        assertEquals(writeMessageAfterUserClosedStdin(ProcessStarter.JDK), writeMessageAfterUserClosedStdin(s));
    }

    private List<String> readMessagesAfterUserClosedStdout(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("cat"));
        p.getInputStream().close();
        p.getErrorStream().close();
        return List.of(message(() -> p.getInputStream().read()), message(() -> p.getInputStream().available()),
                message(() -> p.getErrorStream().read()));
    }

    @Parity
    void readAfterClosingStdoutOrStderrThrows(ProcessStarter s) throws Exception {
        assertEquals(readMessagesAfterUserClosedStdout(ProcessStarter.JDK), readMessagesAfterUserClosedStdout(s));
    }

    @Parity
    void inputReaderAndOutputWriterUseTheGivenCharset(ProcessStarter s) throws Exception {
        for (var cs : List.of(UTF_8, ISO_8859_1)) {
            Process p = start(s, new ProcessBuilder("cat"));
            Writer w = p.outputWriter(cs);
            w.write("h\u00e9llo w\u00f6rld\n");
            w.close();
            BufferedReader r = p.inputReader(cs);
            assertEquals("h\u00e9llo w\u00f6rld", assertTimeoutPreemptively(BOUND, r::readLine), cs.name());
            assertEquals(0, exitOf(p));
        }
    }

    @Parity
    void errorReaderUsesTheGivenCharset(ProcessStarter s) throws Exception {
        Process p = start(s, sh("printf 'caf\\303\\251\\n' >&2"));
        assertEquals("caf\u00e9", assertTimeoutPreemptively(BOUND, () -> p.errorReader(UTF_8).readLine()));
        assertEquals(0, exitOf(p));
    }

    /** [inputReader, errorReader, outputWriter] asked again with another charset: the messages. */
    private List<String> readerCharsetConflicts(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("cat"));
        BufferedReader in = p.inputReader(UTF_8);
        assertSame(in, p.inputReader(UTF_8));
        p.errorReader(UTF_8);
        p.outputWriter(UTF_8);
        List<String> m = List.of(
                assertThrows(IllegalStateException.class, () -> p.inputReader(ISO_8859_1)).getMessage(),
                assertThrows(IllegalStateException.class, () -> p.errorReader(ISO_8859_1)).getMessage(),
                assertThrows(IllegalStateException.class, () -> p.outputWriter(ISO_8859_1)).getMessage());
        assertThrows(NullPointerException.class, () -> p.inputReader(null));
        return m;
    }

    @Parity
    void readerOrWriterAskedAgainWithAnotherCharsetThrows(ProcessStarter s) throws Exception {
        assertEquals(readerCharsetConflicts(ProcessStarter.JDK), readerCharsetConflicts(s));
    }

    @Parity
    void redirectErrorStreamMergesStderrIntoStdoutAndLeavesStderrAtEndOfFile(ProcessStarter s) throws Exception {
        Process p = start(s, sh("echo out; echo err >&2; echo out2; read x || true").redirectErrorStream(true));
        assertEquals(-1, (int) assertTimeoutPreemptively(BOUND, () -> p.getErrorStream().read()),
                "stderr of a running child whose stderr goes to stdout");
        assertEquals(new Ran(0, "out\nerr\nout2\n", ""), finish(p));
    }

    private String readMessageOfClosedMergedStderr(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("true").redirectErrorStream(true));
        p.getErrorStream().close();
        String m = message(() -> p.getErrorStream().read());
        exitOf(p);
        return m;
    }

    @Parity
    void mergedStderrIsAStreamAtEndOfFileNotANullStream(ProcessStarter s) throws Exception {
        // Unlike the null streams, it throws once closed: the JDK made it a pipe whose write end the child never had.
        assertEquals(readMessageOfClosedMergedStderr(ProcessStarter.JDK), readMessageOfClosedMergedStderr(s));
    }

    // ====================================================================== null streams, per redirect kind

    static Stream<Arguments> startersAndOutputRedirects() {
        return starters().flatMap(s -> Stream.of("INHERIT", "DISCARD", "to", "appendTo").map(k -> Arguments.of(s, k)));
    }

    static Stream<Arguments> startersAndErrorRedirects() {
        return starters().flatMap(s -> Stream.of("INHERIT", "DISCARD", "to", "appendTo", "redirectErrorStream+redirectError")
                .map(k -> Arguments.of(s, k)));
    }

    static Stream<Arguments> startersAndInputRedirects() {
        return starters().flatMap(s -> Stream.of("INHERIT", "from").map(k -> Arguments.of(s, k)));
    }

    private ProcessBuilder.Redirect redirect(String kind) throws IOException {
        Path f = tmp.resolve("redirect-" + UUID.randomUUID());
        switch (kind) {
            case "INHERIT":
                return ProcessBuilder.Redirect.INHERIT;
            case "DISCARD":
                return ProcessBuilder.Redirect.DISCARD;
            case "to":
                return ProcessBuilder.Redirect.to(f.toFile());
            case "appendTo":
                return ProcessBuilder.Redirect.appendTo(f.toFile());
            case "from":
                Files.writeString(f, "");
                return ProcessBuilder.Redirect.from(f.toFile());
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    private static void assertNullInputStream(InputStream in) throws IOException {
        assertEquals(-1, in.read());
        assertEquals(-1, in.read(new byte[8]));
        assertEquals(0, in.available());
        assertEquals(0, in.readAllBytes().length);
        in.close();
        assertEquals(-1, in.read(), "a null stream reads end-of-file after close too");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("startersAndOutputRedirects")
    void stdoutRedirectedElsewhereIsANullStream(ProcessStarter s, String kind) throws Exception {
        Process p = start(s, new ProcessBuilder("true").redirectOutput(redirect(kind)));
        assertNullInputStream(p.getInputStream());
        assertEquals(0, exitOf(p));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("startersAndErrorRedirects")
    void stderrRedirectedElsewhereIsANullStream(ProcessStarter s, String kind) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("true");
        if (kind.equals("redirectErrorStream+redirectError")) {
            pb.redirectErrorStream(true).redirectError(redirect("to"));
        } else {
            pb.redirectError(redirect(kind));
        }
        Process p = start(s, pb);
        assertNullInputStream(p.getErrorStream());
        assertEquals(0, exitOf(p));
    }

    /** What a null stdin does: [write(int), write(byte[3])] messages; empty writes, flush and close pass. */
    private List<String> nullStdinMessages(ProcessStarter s, String kind) throws Exception {
        Process p = start(s, new ProcessBuilder("true").redirectInput(redirect(kind)));
        OutputStream in = p.getOutputStream();
        List<String> m = List.of(message(() -> in.write(1)), message(() -> in.write(new byte[3])));
        in.write(new byte[0]);
        in.flush();
        in.close();
        in.close();
        assertEquals(0, exitOf(p));
        return m;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("startersAndInputRedirects")
    void stdinRedirectedElsewhereIsANullStream(ProcessStarter s, String kind) throws Exception {
        assertEquals(nullStdinMessages(ProcessStarter.JDK, kind), nullStdinMessages(s, kind));
    }

    // ====================================================================== redirect targets

    @Parity
    void redirectToFileTruncatesIt(ProcessStarter s) throws Exception {
        Path f = TestSupport.writeFile(tmp.resolve("out"), "0123456789", "rw-r--r--");
        assertEquals(new Ran(0, "", ""), run(s, sh("printf ab").redirectOutput(f.toFile())));
        assertEquals("ab", Files.readString(f));
    }

    private Set<PosixFilePermission> modeOfCreatedFile(ProcessStarter s) throws Exception {
        Path f = tmp.resolve("created-" + s);
        run(s, new ProcessBuilder("true").redirectOutput(f.toFile()));
        return Files.getPosixFilePermissions(f);
    }

    @Parity
    void redirectToFileCreatesItWithTheJdksMode(ProcessStarter s) throws Exception {
        assertEquals(modeOfCreatedFile(ProcessStarter.JDK), modeOfCreatedFile(s));
    }

    @Parity
    void appendToCreatesAndAppends(ProcessStarter s) throws Exception {
        Path f = tmp.resolve("log");
        run(s, new ProcessBuilder("echo", "one").redirectOutput(ProcessBuilder.Redirect.appendTo(f.toFile())));
        run(s, new ProcessBuilder("echo", "two").redirectOutput(ProcessBuilder.Redirect.appendTo(f.toFile())));
        assertEquals("one\ntwo\n", Files.readString(f));
    }

    @Parity
    void redirectFromFileFeedsStdin(ProcessStarter s) throws Exception {
        Path f = TestSupport.writeFile(tmp.resolve("in"), "line1\nline2\n", "rw-r--r--");
        assertEquals(new Ran(0, "line1\nline2\n", ""), run(s, new ProcessBuilder("cat").redirectInput(f.toFile())));
    }

    @Parity
    void discardDropsStdoutAndKeepsStderr(ProcessStarter s) throws Exception {
        Ran r = run(s, sh("echo x; echo y >&2").redirectOutput(ProcessBuilder.Redirect.DISCARD));
        assertEquals(new Ran(0, "", "y\n"), r);
    }

    @Parity
    void inheritGivesTheChildTheJvmsOwnFileDescriptors(ProcessStarter s) throws Exception {
        ProcessBuilder.Redirect inherit = ProcessBuilder.Redirect.INHERIT;
        Ran in = run(s, probe("--out=2", "fds").redirectInput(inherit));
        assertEquals(ProcFs.fdTarget(0), TestSupport.parseFds(in.err()).get(0).target(), "fd 0");
        Ran out = run(s, probe("--out=2", "fds").redirectOutput(inherit));
        assertEquals(ProcFs.fdTarget(1), TestSupport.parseFds(out.err()).get(1).target(), "fd 1");
        Ran err = run(s, probe("fds").redirectError(inherit));
        assertEquals(ProcFs.fdTarget(2), TestSupport.parseFds(err.out()).get(2).target(), "fd 2");
    }

    @Parity
    void redirectErrorStreamToAFileInterleavesBothStreams(ProcessStarter s) throws Exception {
        Path f = tmp.resolve("both");
        run(s, sh("echo 1; echo 2 >&2; echo 3").redirectErrorStream(true).redirectOutput(f.toFile()));
        assertEquals("1\n2\n3\n", Files.readString(f));
    }

    // ====================================================================== the drain at exit

    @Parity
    void outputThatFitsThePipesIsReadableInFullAfterWaitFor(ProcessStarter s) throws Exception {
        Process p = start(s, sh("head -c " + PIPE_CAPACITY + " /dev/zero | tr '\\0' o; head -c " + PIPE_CAPACITY
                + " /dev/zero | tr '\\0' e >&2"));
        assertEquals(0, exitOf(p), "both pipes hold what the child wrote; nobody reads yet");
        assertEquals("e".repeat(PIPE_CAPACITY), readAll(p.getErrorStream()));
        assertEquals("o".repeat(PIPE_CAPACITY), readAll(p.getInputStream()));
    }

    @Parity
    void childWritingMoreThanThePipesHoldWaitsForItsReader(ProcessStarter s) throws Exception {
        Process p = start(s, new ProcessBuilder("head", "-c", Integer.toString(MORE_THAN_PIPES_HOLD), "/dev/zero"));
        assertFalse(p.waitFor(1, SECONDS), "the child wrote 8 MiB with nobody reading: something buffered it all");
        assertEquals(MORE_THAN_PIPES_HOLD, readAllBytes(p.getInputStream()).length);
        assertEquals(0, exitOf(p));
    }

    @Parity
    void hugeOutputsOnBothStreamsReadConcurrentlyArriveComplete(ProcessStarter s) throws Exception {
        String script = "yes outline | head -c " + MORE_THAN_PIPES_HOLD + " & yes errline | head -c " + MORE_THAN_PIPES_HOLD
                + " >&2; wait";
        Ran r = run(s, sh(script));
        assertEquals(0, r.exit());
        assertEquals(MORE_THAN_PIPES_HOLD, r.out().length());
        assertEquals(MORE_THAN_PIPES_HOLD, r.err().length());
        assertEquals("outline\n".repeat(MORE_THAN_PIPES_HOLD / 8), r.out());
        assertEquals("errline\n".repeat(MORE_THAN_PIPES_HOLD / 8), r.err());
    }

    @Parity
    void outputPartlyReadBeforeExitAndTheRestAfterArrivesWhole(ProcessStarter s) throws Exception {
        Tracked t = startTracked(s, sh("printf abc; read x; printf def; printf err >&2"));
        Process p = t.process();
        assertEquals("abc", new String(assertTimeoutPreemptively(BOUND, () -> p.getInputStream().readNBytes(3)), UTF_8));
        p.getOutputStream().write('\n');
        p.getOutputStream().flush();
        assertEquals(0, exitOf(p));
        awaitClosed(t.pipes(), "the child's pipes after its exit");
        assertEquals("def", readAll(p.getInputStream()));
        assertEquals("err", readAll(p.getErrorStream()));
    }

    @Parity
    void pipesAreClosedAtExitAndWhatWasWrittenStaysReadable(ProcessStarter s) throws Exception {
        Tracked t = startTracked(s, sh("read x; echo out; echo err >&2"));
        assertEquals(3, t.pipes().size(), () -> "pipes for stdin, stdout and stderr: " + t.pipes());
        t.process().getOutputStream().write('\n');
        t.process().getOutputStream().flush();
        assertEquals(0, exitOf(t.process()));
        awaitClosed(t.pipes(), "the child's pipes after its exit, nobody having read or closed anything");
        assertEquals("out\n", readAll(t.process().getInputStream()));
        assertEquals("err\n", readAll(t.process().getErrorStream()));
    }

    @Parity
    void grandchildHoldingThePipesDoesNotBlockAReaderAfterExit(ProcessStarter s) throws Exception {
        Tracked t = startTracked(s, sh("read x; echo early; echo early-err >&2; sleep 60 & echo $!"));
        Process p = t.process();
        assertEquals(3, t.pipes().size(), () -> "pipes for stdin, stdout and stderr: " + t.pipes());
        p.getOutputStream().write('\n');
        p.getOutputStream().flush();
        assertEquals(0, exitOf(p));
        awaitClosed(t.pipes(), "the JVM's pipe ends after the child's exit, though a grandchild holds the other ends");
        Duration bound = Duration.ofSeconds(10);
        String out = new String(readAllBytes(p.getInputStream(), bound), UTF_8);
        String[] lines = out.split("\n");
        assertEquals("early", lines[0], out);
        stray(Long.parseLong(lines[1]));
        assertTrue(ProcessHandle.of(Long.parseLong(lines[1])).map(ProcessHandle::isAlive).orElse(false),
                "the grandchild still runs (and holds the pipes)");
        assertEquals("early-err\n", new String(readAllBytes(p.getErrorStream(), bound), UTF_8));
    }

    // ====================================================================== environment

    @Parity
    void environmentValuesMayHoldEqualsSignsNewlinesOrNothing(ProcessStarter s) throws Exception {
        Scenario scenario = () -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().put("FX_EQ", "a=b=c");
            pb.environment().put("FX_EMPTY", "");
            pb.environment().put("FX_NL", "x\ny");
            return pb;
        };
        Set<String> env = envOf(run(s, scenario.get()));
        assertEquals(envOf(run(ProcessStarter.JDK, scenario.get())), env);
        assertTrue(env.containsAll(Set.of("FX_EQ=a=b=c", "FX_EMPTY=", "FX_NL=x\ny")), env::toString);
    }

    @Parity
    void emptyVariableNameReachesTheChild(ProcessStarter s) throws Exception {
        Scenario scenario = () -> {
            ProcessBuilder pb = new ProcessBuilder("env", "-0");
            pb.environment().put("", "emptyname");
            return pb;
        };
        Set<String> env = envOf(run(s, scenario.get()));
        assertEquals(envOf(run(ProcessStarter.JDK, scenario.get())), env);
        assertTrue(env.contains("=emptyname"), env::toString);
    }

    @Parity
    void modifiedEnvironmentIsTheChildsWholeEnvironment(ProcessStarter s) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("env", "-0");
        pb.environment().put("FX_ADDED", "1");
        pb.environment().remove("HOME");
        pb.environment().remove("PATH");
        assertEquals(asEntries(pb.environment()), envOf(run(s, pb)));
    }

    @Parity
    void untouchedEnvironmentIsTheJvmsEnvironment(ProcessStarter s) throws Exception {
        assertEquals(asEntries(System.getenv()), envOf(run(s, new ProcessBuilder("env", "-0"))));
    }

    @Parity
    void clearedEnvironmentIsEmptyAndProgramsAreStillFoundOnTheJvmsPath(ProcessStarter s) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("env", "-0");
        pb.environment().clear();
        assertEquals(Set.of(), envOf(run(s, pb)));
    }

    @Parity
    void childsPathIsNotSearchedWhenTheEnvironmentIsModified(ProcessStarter s) throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        TestSupport.writeFile(bin.resolve("fx-only-here"), "#!/bin/sh\necho found\n", "rwxr-xr-x");
        Throwable t = sameFailureAsJdk(s, () -> {
            ProcessBuilder pb = new ProcessBuilder("fx-only-here");
            pb.environment().put("PATH", bin.toString());
            return pb;
        });
        assertExecError(s, t, "fx-only-here", null, ENOENT, "No such file or directory");
    }

    // ---------------------------------------------------------------------- PATH, in JVMs with a chosen PATH

    /**
     * Runs {@link ProcessesParityChildMain} in a JVM whose environment is only {@code PATH=jvmPath} (none
     * when null): the line it printed.
     */
    private static String inJvm(ProcessStarter s, String jvmPath, Path dir, String env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(JavaCommand.main(ProcessesParityChildMain.class, s.name(),
                dir == null ? "-" : dir.toString(), env).args(command).toList());
        pb.environment().clear();
        if (jvmPath != null) pb.environment().put("PATH", jvmPath);
        Process jvm = pb.start();
        try {
            Future<String> err = READERS.submit(() -> new String(jvm.getErrorStream().readAllBytes(), UTF_8));
            String out = new String(readAllBytes(jvm.getInputStream(), Duration.ofSeconds(60)), UTF_8).strip();
            assertTrue(jvm.waitFor(60, SECONDS), "child JVM did not exit");
            String errText = get(err);
            assertEquals(0, jvm.exitValue(), () -> "child JVM failed: " + out + " / " + errText);
            assumeFalse(out.equals("unavailable"), s.unavailableReason());
            return out;
        } finally {
            jvm.destroyForcibly();
        }
    }

    /** The line s gives in that JVM, after checking the JDK gives the same there. */
    private static String inJvmSameAsJdk(ProcessStarter s, String jvmPath, Path dir, String env, String... command) throws Exception {
        String actual = inJvm(s, jvmPath, dir, env, command);
        if (!s.isJdk()) assertEquals(inJvm(ProcessStarter.JDK, jvmPath, dir, env, command), actual, "compared with the JDK");
        return actual;
    }

    @Parity
    void jvmWithoutPathAndUntouchedEnvironmentDoesNotSearchTheChildsDirectory(ProcessStarter s) throws Exception {
        executable("fx-local", "#!/bin/sh\necho local\n");
        String line = inJvmSameAsJdk(s, null, tmp, "keep", "fx-local");
        assertTrue(line.startsWith("threw=java.io.IOException: Cannot run program \"fx-local\""), line);
        assertTrue(line.contains("No such file or directory"), line);
    }

    @Parity
    void jvmWithoutPathAndModifiedEnvironmentSearchesTheChildsDirectory(ProcessStarter s) throws Exception {
        executable("fx-local", "#!/bin/sh\necho local\n");
        assertEquals("exit=0 out=local\\n", inJvmSameAsJdk(s, null, tmp, "put:FX=1", "fx-local"));
    }

    @Parity
    void laterPathEntryWinsOverANonExecutableEarlierHit(ProcessStarter s) throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        TestSupport.writeFile(a.resolve("fx-twice"), "#!/bin/sh\necho a\n", "rw-r--r--");
        TestSupport.writeFile(b.resolve("fx-twice"), "#!/bin/sh\necho b\n", "rwxr-xr-x");
        for (String env : List.of("keep", "put:FX=1")) {
            assertEquals("exit=0 out=b\\n", inJvmSameAsJdk(s, a + ":" + b + ":/usr/bin:/bin", null, env, "fx-twice"), env);
        }
    }

    @Parity
    void onlyNonExecutableHitsOnPathFailWithEacces(ProcessStarter s) throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        TestSupport.writeFile(a.resolve("fx-noexec"), "#!/bin/sh\necho a\n", "rw-r--r--");
        for (String env : List.of("keep", "put:FX=1")) {
            String line = inJvmSameAsJdk(s, a + ":/usr/bin:/bin", null, env, "fx-noexec");
            assertTrue(line.startsWith("threw=java.io.IOException: Cannot run program \"fx-noexec\""), line);
            assertTrue(line.contains("Permission denied"), line);
        }
    }

    @Parity
    void scriptWithoutShebangFoundOnPathGetsItsFullPathAsDollarZero(ProcessStarter s) throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        TestSupport.writeFile(a.resolve("fx-nosb"), "echo \"0=$0 args=$*\"\n", "rwxr-xr-x");
        for (String env : List.of("keep", "put:FX=1")) {
            assertEquals("exit=0 out=0=" + a + "/fx-nosb args=x\\n",
                    inJvmSameAsJdk(s, a + ":/usr/bin:/bin", null, env, "fx-nosb", "x"), env);
        }
    }

    // ====================================================================== startPipeline

    @Parity
    void pipelinePassesBytesFromStageToStage(ProcessStarter s) throws Exception {
        List<Process> ps = startPipeline(s, List.of(new ProcessBuilder("printf", "b\\na\\nc\\n"), new ProcessBuilder("sort"),
                new ProcessBuilder("tr", "a-z", "A-Z")));
        assertEquals(3, ps.size());
        assertEquals("A\nB\nC\n", readAll(ps.get(2).getInputStream()));
        for (Process p : ps) assertEquals(0, exitOf(p));
    }

    @Parity
    void pipelineStagesAreWiredChildToChildWithoutTheJvm(ProcessStarter s) throws Exception {
        // Each stage lists its fds 0-2 on stderr (the probe writes there without touching its fd 1), then copies.
        String stage = "\"$1\" --out=2 fds; exec cat";
        String probe = TestSupport.probe();
        List<Process> ps = startPipeline(s, List.of(sh(stage, probe), sh(stage, probe), sh(stage, probe)));
        Set<String> ours = new HashSet<>(ProcFs.openFds().values());
        List<Map<Integer, TestSupport.ProbeFd>> fds = new ArrayList<>();
        for (Process p : ps) {
            InputStream err = p.getErrorStream();
            fds.add(TestSupport.parseFds(readLine(err) + "\n" + readLine(err) + "\n" + readLine(err)));
        }
        for (int i = 0; i + 1 < ps.size(); i++) {
            String between = fds.get(i).get(1).target();
            assertTrue(between.startsWith("pipe:"), between);
            assertEquals(between, fds.get(i + 1).get(0).target(), "stage " + i + "'s stdout is stage " + (i + 1) + "'s stdin");
            assertFalse(ours.contains(between), () -> "the JVM holds an end of the pipe between stages: " + between);
        }
        ps.get(0).getOutputStream().write("data\n".getBytes(UTF_8));
        ps.get(0).getOutputStream().close();
        assertEquals("data\n", readAll(ps.get(2).getInputStream()));
        for (Process p : ps) assertEquals(0, exitOf(p));
    }

    @Parity
    void pipelineInnerEndsAreNullStreams(ProcessStarter s) throws Exception {
        List<Process> ps = startPipeline(s, List.of(new ProcessBuilder("cat"), new ProcessBuilder("cat"), new ProcessBuilder("cat")));
        assertNullInputStream(ps.get(0).getInputStream());
        assertNullInputStream(ps.get(1).getInputStream());
        for (Process p : ps.subList(1, 3)) {
            assertThrows(IOException.class, () -> p.getOutputStream().write(1), "stdin of a later stage");
        }
        ps.get(0).getOutputStream().write("x".getBytes(UTF_8));
        ps.get(0).getOutputStream().close();
        assertEquals("x", readAll(ps.get(2).getInputStream()));
        for (Process p : ps) assertEquals(0, exitOf(p));
    }

    @Parity
    void pipelineFirstStdinAndLastStdoutFollowTheirBuilders(ProcessStarter s) throws Exception {
        Path in = TestSupport.writeFile(tmp.resolve("in"), "abc\n", "rw-r--r--");
        Path out = tmp.resolve("out");
        List<Process> ps = startPipeline(s, List.of(new ProcessBuilder("cat").redirectInput(in.toFile()),
                new ProcessBuilder("tr", "a-z", "A-Z").redirectOutput(out.toFile())));
        for (Process p : ps) assertEquals(0, exitOf(p));
        assertEquals("ABC\n", Files.readString(out));
        assertThrows(IOException.class, () -> ps.get(0).getOutputStream().write(1));
        assertNullInputStream(ps.get(1).getInputStream());
    }

    @Parity
    void pipelineStageMayMergeItsStderrIntoThePipe(ProcessStarter s) throws Exception {
        List<Process> ps = startPipeline(s, List.of(new ProcessBuilder("echo", "a"),
                sh("cat; echo err >&2").redirectErrorStream(true), new ProcessBuilder("cat")));
        assertEquals("a\nerr\n", readAll(ps.get(2).getInputStream()));
        for (Process p : ps) assertEquals(0, exitOf(p));
    }

    /** startPipeline must throw; every started stage is killed and reaped before it does. */
    private Throwable pipelineFails(ProcessStarter s, List<ProcessBuilder> builders) throws IOException {
        Map<Integer, String> pipes = ProcFs.pipeFds();
        Set<Long> children = childPids();
        Throwable t = assertThrows(Throwable.class, () -> startPipeline(s, builders), () -> s + ": the pipeline started");
        assertEquals(Set.of(), newChildren(children), () -> s + ": stages left running or unreaped");
        if (!s.isJdk()) {
            assertEquals(Map.of(), newPipeFds(pipes), "deliberate difference: the JDK leaks the previous stage's pipe, forkexec must not");
        }
        return t;
    }

    private Throwable samePipelineFailureAsJdk(ProcessStarter s, java.util.function.Supplier<List<ProcessBuilder>> scenario)
            throws IOException {
        Throwable oracle = pipelineFails(ProcessStarter.JDK, scenario.get());
        Throwable actual = pipelineFails(s, scenario.get());
        assertEquals(oracle.getClass(), actual.getClass(), () -> "exception class; the JDK threw " + oracle + "; got " + actual);
        assertEquals(oracle.getMessage(), actual.getMessage());
        return actual;
    }

    @Parity
    void pipelineRejectsARedirectedInputAfterTheFirstStage(ProcessStarter s) throws Exception {
        Path f = TestSupport.writeFile(tmp.resolve("in"), "", "rw-r--r--");
        Throwable t = samePipelineFailureAsJdk(s,
                () -> List.of(new ProcessBuilder("sleep", "31"), new ProcessBuilder("cat").redirectInput(f.toFile())));
        assertInstanceOf(IllegalArgumentException.class, t);
    }

    @Parity
    void pipelineRejectsARedirectedOutputBeforeTheLastStage(ProcessStarter s) throws Exception {
        Throwable t = samePipelineFailureAsJdk(s, () -> List.of(new ProcessBuilder("sleep", "31"),
                new ProcessBuilder("sleep", "31").redirectOutput(ProcessBuilder.Redirect.DISCARD), new ProcessBuilder("cat")));
        assertInstanceOf(IllegalArgumentException.class, t);
    }

    @Parity
    void pipelineWithAStageThatCannotStartKillsAndReapsTheStartedStages(ProcessStarter s) throws Exception {
        Throwable t = samePipelineFailureAsJdk(s, () -> List.of(new ProcessBuilder("sleep", "31"), new ProcessBuilder("sleep", "31"),
                new ProcessBuilder("forkexec-no-such-program")));
        assertExecError(s, t, "forkexec-no-such-program", null, ENOENT, "No such file or directory");
    }

    @Parity
    void failedPipelinesLeakNoPipeFd(ProcessStarter s) throws Exception {
        assumeFalse(s.isJdk(), "deliberate difference: the JDK (17 and 25) leaks the previous stage's pipe read end");
        Map<Integer, String> before = ProcFs.pipeFds();
        for (int i = 0; i < 5; i++) {
            assertThrows(IOException.class, () -> startPipeline(s, List.of(new ProcessBuilder("true"), new ProcessBuilder("cat"),
                    new ProcessBuilder("forkexec-no-such-program"))));
        }
        assertEquals(Map.of(), newPipeFds(before));
    }

    @Parity
    void emptyPipelineIsAnEmptyList(ProcessStarter s) throws Exception {
        assertEquals(List.of(), startPipeline(s, List.of()));
    }

    @Parity
    void singleStagePipelineIsAPlainStart(ProcessStarter s) throws Exception {
        List<Process> ps = startPipeline(s, List.of(sh("cat; exit 4")));
        assertEquals(1, ps.size());
        ps.get(0).getOutputStream().write("in".getBytes(UTF_8));
        assertEquals(new Ran(4, "in", ""), finish(ps.get(0)));
    }
}
