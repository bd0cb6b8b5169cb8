package dev.forkexec;

import dev.forkexec.internal.NativeFd;
import dev.forkexec.internal.NativeNames;
import dev.forkexec.internal.NativePipes;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A drop-in for {@link ProcessBuilder#start()} and {@link ProcessBuilder#startPipeline(List)}: the
 * same {@link Process}, observably, as the JDK's on Linux, started by forkexec.
 *
 * <pre>{@code
 * Process p = Processes.start(new ProcessBuilder("ls", "-l").directory(new File("/usr/bin")));
 * String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
 * int code = p.waitFor();
 * }</pre>
 *
 * <p><b>What is the same as the JDK's.</b> The command, {@code directory} and {@code environment};
 * every {@link Redirect} (PIPE, INHERIT, DISCARD, from, to, appendTo; files opened by the parent in the
 * JDK's order, stdin first, relative names against the JVM's directory) and
 * {@code redirectErrorStream}; the program lookup (with the environment untouched, the JVM's
 * {@code PATH}, else {@code /bin:/usr/bin}; after {@code environment()} was changed, still the JVM's
 * {@code PATH}, else {@code :/bin:/usr/bin}; never the child's); an executable text file without
 * {@code #!} run as {@code /bin/sh file args...}; the exceptions, with the running JDK's wording
 * ({@code Cannot run program "x" (in directory "d"): error=2, No such file or directory} on JDK 17),
 * a {@link SpawnException} as the cause of a failed exec. The returned Process: null streams where
 * redirected, 8 KiB buffered pipe streams (stdin reaches the child on flush, close or a full buffer),
 * {@code waitFor} and {@code waitFor(timeout)} without polling, {@code exitValue} (128 + the signal for
 * a child a signal ended; IllegalThreadStateException while it runs), {@code destroy} (SIGTERM) and
 * {@code destroyForcibly} (SIGKILL), each then closing the three streams, {@code toHandle} taken before
 * the child could be reaped, {@code info}, and the JDK's drain at exit: what the pipes hold when the
 * child exits is read into memory and the pipes are closed, so a grandchild that keeps them open
 * cannot keep a reader waiting. The child gets fds 0-2 only, the JVM's process group and session, an
 * empty signal mask and default signal dispositions (as JDK 25 does).
 *
 * <p><b>What differs, deliberately.</b> No thread per child: the JDK parks a "process reaper" thread
 * per child, here the shared reactor's one thread (the one {@link Command} uses) watches every child's
 * pidfd, drains the pipes at exit, and completes {@code onExit()} (whose dependents then run on
 * {@link java.util.concurrent.ForkJoinPool#commonPool()}, as the JDK's do). Signals go through the
 * pidfd, so a recycled pid is never hit. {@code startPipeline} does not modify the caller's builders
 * (the JDK replaces their redirects, so that the same list cannot be started twice) and leaks no fd
 * when a stage fails (JDK 17 and 25 leak the previous stage's pipe). To know whether the caller
 * touched {@code pb.environment()} (which changes the JDK's lookup), {@code start} calls it and
 * compares the map with {@link System#getenv()}: afterwards the builder holds its own environment map
 * (with the same contents), and a map changed and changed back counts as untouched. Program, arguments,
 * directory and environment are encoded as UTF-8 (JDK 17 uses {@code file.encoding}, JDK 25
 * {@code sun.jnu.encoding}: the same on any UTF-8 system). Signals the JVM ignores are reset to their
 * default in the child (the JDK keeps them ignored, but for SIGPIPE on 25).
 */
public final class Processes {
    /** For ForkexecProcess: stderr is a pipe stream at end-of-file (redirectErrorStream with stderr PIPE). */
    private static final int DEAD_PIPE = -2;

    private Processes() {}

    /**
     * Starts {@code builder}'s command as {@link ProcessBuilder#start()} would, with the same checks,
     * exceptions and resulting Process behaviour (see the class comment).
     *
     * @param builder the command, directory, environment and redirects to start; its
     *     {@code environment()} is read, so afterwards it holds an environment map of its own
     * @return the started process
     * @throws NullPointerException an element of the command is null
     * @throws IndexOutOfBoundsException the command is empty
     * @throws IOException the program could not be started (its message reads like the JDK's), or
     *     {@code "invalid null character in command"}
     */
    public static Process start(ProcessBuilder builder) throws IOException {
        return start(builder, -1, -1);
    }

    /**
     * Starts a pipeline as {@link ProcessBuilder#startPipeline(List)} would: each builder's stdout is
     * the next one's stdin, through a pipe made by this JVM and handed to both children, so no byte
     * passes through the JVM. The first builder's stdin and the last one's stdout follow their own
     * redirects; every other stage must have PIPE there (IllegalArgumentException otherwise, checked
     * stage by stage as the JDK does), and its linked ends are the JDK's null streams. If a stage cannot
     * start, the stages already started are killed (SIGKILL) and waited for, every pipe is closed, and
     * the exception is rethrown. The builders are not modified.
     *
     * @param builders one builder per stage, in pipeline order; not modified
     * @return a mutable list of the started processes, in order
     * @throws IOException a stage could not be started, as {@link #start(ProcessBuilder)} reports it;
     *     the stages already started have been killed and reaped
     * @throws IllegalArgumentException a stage other than the first does not read a PIPE, or one
     *     other than the last does not write one
     */
    public static List<Process> startPipeline(List<ProcessBuilder> builders) throws IOException {
        int n = builders.size();
        List<Process> processes = new ArrayList<>(n);
        int previousRead = -1; // the read end of the link into the stage being started
        try {
            for (int index = 0; index < n; index++) {
                ProcessBuilder builder = builders.get(index);
                if (index > 0 && builder.redirectInput() != Redirect.PIPE) {
                    throw new IllegalArgumentException("builder redirectInput() must be PIPE except for the first builder: "
                            + builder.redirectInput());
                }
                int[] link = null;
                if (index < n - 1) {
                    if (builder.redirectOutput() != Redirect.PIPE) {
                        throw new IllegalArgumentException("builder redirectOutput() must be PIPE except for the last builder: "
                                + builder.redirectOutput());
                    }
                    link = pipe(builder);
                }
                try {
                    processes.add(start(builder, previousRead, link == null ? -1 : link[NativePipes.WRITE_END]));
                } catch (IOException | RuntimeException | Error e) {
                    if (link != null) NativeFd.close(link[NativePipes.READ_END]);
                    throw e;
                } finally {
                    if (link != null) NativeFd.close(link[NativePipes.WRITE_END]);
                    if (previousRead >= 0) NativeFd.close(previousRead);
                    previousRead = -1;
                }
                if (link != null) previousRead = link[NativePipes.READ_END];
            }
        } catch (IOException | RuntimeException e) {
            if (previousRead >= 0) NativeFd.close(previousRead);
            for (Process p : processes) p.destroyForcibly();
            for (Process p : processes) {
                boolean interrupted = false;
                while (true) {
                    try {
                        p.waitFor();
                        break;
                    } catch (InterruptedException ie) {
                        interrupted = true;
                    }
                }
                if (interrupted) Thread.currentThread().interrupt();
            }
            throw e;
        }
        return processes;
    }

    // ------------------------------------------------------------ one child

    /**
     * ProcessBuilder.start's checks in its order, then the start; {@code linkIn}/{@code linkOut} are a
     * pipeline's pipe ends for stdin/stdout (-1: none), owned by the caller.
     */
    static ForkexecProcess start(ProcessBuilder pb, int linkIn, int linkOut) throws IOException {
        List<String> command = pb.command();
        String[] cmdarray = command.toArray(new String[command.size()]).clone();
        for (String arg : cmdarray) {
            if (arg == null) throw new NullPointerException();
        }
        String prog = cmdarray[0];
        String dir = pb.directory() == null ? null : pb.directory().toString();
        for (String s : cmdarray) {
            if (s.indexOf('\u0000') >= 0) throw new IOException("invalid null character in command");
        }
        String failure = "Cannot run program \"" + prog + "\"" + (dir == null ? "" : " (in directory \"" + dir + "\")") + ": ";
        try {
            return spawn(pb, cmdarray, dir, linkIn, linkOut);
        } catch (SpawnException e) {
            throw new IOException(failure + JdkWording.execFailure(e.errno()), e);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(failure + e.getMessage(), e);
        }
    }

    private static ForkexecProcess spawn(ProcessBuilder pb, String[] cmdarray, String dir, int linkIn, int linkOut)
            throws IOException {
        Map<String, String> env = pb.environment();
        boolean envTouched = !env.equals(System.getenv());
        Redirect in = pb.redirectInput();
        Redirect out = pb.redirectOutput();
        Redirect err = pb.redirectError();
        boolean merge = pb.redirectErrorStream();
        FileInputStream f0 = null;
        FileOutputStream f1 = null;
        FileOutputStream f2 = null;
        int[] p0 = null;
        int[] p1 = null;
        int[] p2 = null;
        ForkexecProcess process = null;
        boolean started = false;
        try {
            // Files first, in the JDK's order (its native code makes the pipes after).
            if (linkIn < 0 && isFile(in)) f0 = new FileInputStream(in.file());
            if (linkOut < 0 && isFile(out)) f1 = new FileOutputStream(out.file(), out.type() == Redirect.Type.APPEND);
            if (isFile(err)) f2 = new FileOutputStream(err.file(), err.type() == Redirect.Type.APPEND); // opened even when merged, as the JDK does
            if (linkIn < 0 && in.type() == Redirect.Type.PIPE) p0 = pipe(pb);
            if (linkOut < 0 && out.type() == Redirect.Type.PIPE) p1 = pipe(pb);
            if (!merge && err.type() == Redirect.Type.PIPE) p2 = pipe(pb);

            ChildFD c0 = linkIn >= 0 ? ChildFD.inherit(linkIn) : p0 != null ? ChildFD.inherit(p0[NativePipes.READ_END])
                    : f0 != null ? ChildFD.inherit(fdOf(f0.getFD())) : ChildFD.inherit(0);
            ChildFD c1 = linkOut >= 0 ? ChildFD.inherit(linkOut) : p1 != null ? ChildFD.inherit(p1[NativePipes.WRITE_END])
                    : f1 != null ? ChildFD.inherit(fdOf(f1.getFD())) : ChildFD.inherit(1);
            ChildFD c2 = merge ? ChildFD.sameAs(1) : p2 != null ? ChildFD.inherit(p2[NativePipes.WRITE_END])
                    : f2 != null ? ChildFD.inherit(fdOf(f2.getFD())) : ChildFD.inherit(2);

            int stdinEnd = p0 != null ? p0[NativePipes.WRITE_END] : -1;
            int stdoutEnd = p1 != null ? p1[NativePipes.READ_END] : -1;
            int stderrEnd = p2 != null ? p2[NativePipes.READ_END] : merge && err.type() == Redirect.Type.PIPE ? DEAD_PIPE : -1;
            process = new ForkexecProcess(stdinEnd, stdoutEnd, stderrEnd); // owns those ends from here on
            if (p0 != null) p0[NativePipes.WRITE_END] = -1;
            if (p1 != null) p1[NativePipes.READ_END] = -1;
            if (p2 != null) p2[NativePipes.READ_END] = -1;

            String prog = cmdarray[0];
            String executable = executable(prog, envTouched, env, dir);
            Reactor reactor = SharedReactor.get();
            try {
                reactor.spawnProcess(process, spec(cmdarray, executable, envTouched ? env : null, dir, c0, c1, c2));
            } catch (SpawnException e) {
                if (!"exec".equals(e.step()) || e.errno() != NativePipes.ENOEXEC) throw e;
                // What glibc's execvp (and so the JDK) does with a file the kernel cannot run: /bin/sh file args...
                String file = executable != null ? executable : prog.indexOf('/') >= 0 ? prog
                        : lookUp(prog, searchPath(envTouched, env), dir);
                String[] shell = new String[cmdarray.length + 1];
                shell[0] = "/bin/sh";
                shell[1] = file;
                System.arraycopy(cmdarray, 1, shell, 2, cmdarray.length - 1);
                reactor.spawnProcess(process, spec(shell, null, envTouched ? env : null, dir, c0, c1, c2));
            }
            started = true;
            return process;
        } finally {
            closeQuietly(f0);
            closeQuietly(f1);
            closeQuietly(f2);
            closePipe(p0);
            closePipe(p1);
            closePipe(p2);
            if (!started && process != null) process.discard();
        }
    }

    private static ProcessSpec spec(String[] argv, String executable, Map<String, String> env, String dir, ChildFD c0,
            ChildFD c1, ChildFD c2) {
        SpecKey key = new SpecKey(List.of(argv), executable, env == null ? null : Map.copyOf(env), dir, c0, c1, c2);
        return SPECS.get(key, SpecKey::build);
    }

    /**
     * What a child's spec is made of. The fd numbers of a start's pipes are usually those the previous
     * child's pipes had (the lowest free ones), so starting the same builder again finds its spec here,
     * already validated and with its native form encoded.
     */
    private record SpecKey(List<String> argv, String executable, Map<String, String> env, String dir, ChildFD c0,
                           ChildFD c1, ChildFD c2) {
        ProcessSpec build() {
            ProcessSpec.Builder b = ProcessSpec.command(argv).childFD(0, c0).childFD(1, c1).childFD(2, c2);
            if (executable != null) b.executable(executable);
            if (env != null) b.environment(env).allowEmptyEnvironmentName();
            if (dir != null) b.directory(directory(dir));
            return b.build();
        }
    }

    /** The specs of the most recent starts (see RecentSpecs). */
    private static final RecentSpecs<SpecKey> SPECS = new RecentSpecs<>();

    /** The directory as the child's chdir sees it: C reads the name up to a NUL, as the JDK passes it. */
    private static Path directory(String dir) {
        int nul = dir.indexOf('\0');
        return Path.of(nul >= 0 ? dir.substring(0, nul) : dir);
    }

    private static boolean isFile(Redirect r) {
        return r.type() == Redirect.Type.READ || r.type() == Redirect.Type.WRITE || r.type() == Redirect.Type.APPEND;
    }

    private static int fdOf(FileDescriptor d) throws IOException {
        int fd = NativePipes.fdOf(d);
        if (fd < 0) throw new IOException("a redirect file was closed before the child started");
        return fd;
    }

    private static int[] pipe(ProcessBuilder pb) throws SpawnException {
        int[] ends = new int[2];
        int err = NativePipes.pipe(ends);
        if (err != 0) {
            throw new SpawnException("pipe", err, "pipe for " + pb.command() + ": " + NativeNames.errnoText(err));
        }
        return ends;
    }

    private static void closePipe(int[] ends) {
        if (ends == null) return;
        for (int fd : ends) {
            if (fd >= 0) NativeFd.close(fd);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException ignored) {
            // a file opened only to be dup'ed into the child: its close cannot lose data
        }
    }

    // ------------------------------------------------------------ the JDK's program lookup

    /**
     * The JDK searches the JVM's PATH (never the child's), defaulting to {@code /bin:/usr/bin} with the
     * environment untouched (glibc's execvp) and {@code :/bin:/usr/bin} after it was touched (the
     * JDK's own search). forkexec's spawn searches the child's PATH: when that is the same list, it is
     * left to do so (in the child, after chdir); else the file is looked up here.
     */
    private static String executable(String prog, boolean envTouched, Map<String, String> env, String dir) {
        if (prog.isEmpty() || prog.indexOf('/') >= 0) return null;
        String search = searchPath(envTouched, env);
        String childPath = envTouched ? env.get("PATH") : System.getenv("PATH");
        if (search.equals(childPath)) return null;
        return lookUp(prog, search, dir);
    }

    private static String searchPath(boolean envTouched, Map<String, String> env) {
        String parentPath = System.getenv("PATH");
        if (parentPath != null) return parentPath;
        return envTouched ? ":/bin:/usr/bin" : "/bin:/usr/bin";
    }

    /**
     * The file execvp would run: the first entry holding an executable regular file; else one that
     * holds something not executable (the exec then fails with EACCES, which the JDK prefers); else the
     * last entry (its error, usually ENOENT, is the one the JDK reports). An empty entry is the
     * directory the child runs in.
     */
    static String lookUp(String prog, String search, String dir) {
        String denied = null;
        String last = prog;
        for (String entry : search.split(":", -1)) {
            String candidate = (entry.isEmpty() ? "." : entry) + "/" + prog;
            last = candidate;
            Path p = dir == null || candidate.startsWith("/") ? Path.of(candidate) : directory(dir).resolve(candidate);
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                if (a.isRegularFile() && Files.isExecutable(p)) return candidate;
                if (denied == null) denied = candidate;
            } catch (IOException | RuntimeException missing) {
                // ENOENT, ENOTDIR, ...: the next entry
            }
        }
        return denied != null ? denied : last;
    }
}
