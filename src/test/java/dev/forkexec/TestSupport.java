package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkexec.testkit.JavaCommand;
import dev.forkexec.testkit.ProcFs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Helpers shared by the tests: the probe, reading pipes, and what this JVM has open or left behind. */
final class TestSupport {
    static final int NOBODY = 65534;
    static final int NOGROUP = 65534;

    private TestSupport() {}

    // ------------------------------------------------------------------ the probe

    /**
     * target/test-bin/fd_probe, built from src/test/c/fd_probe.c, as a copy in a world-readable temp
     * directory: tests run it as nobody too, who may not enter the checkout (e.g. under /root).
     */
    static String probe() {
        return Probe.PATH;
    }

    private static final class Probe {
        static final String PATH = copy();

        private static String copy() {
            String bin = System.getProperty("forkexec.testbin");
            if (bin == null) throw new IllegalStateException("system property forkexec.testbin is not set (run through Maven)");
            Path p = Path.of(bin, "fd_probe");
            if (!Files.isExecutable(p)) throw new IllegalStateException(p + " is missing: build.sh did not build the probe");
            try {
                Path dir = Files.createTempDirectory("fxtest-probe");
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                Path copy = Files.copy(p, dir.resolve("fd_probe"));
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
                dir.toFile().deleteOnExit();
                copy.toFile().deleteOnExit(); // deleted first: the hooks run in reverse order
                return copy.toString();
            } catch (IOException e) {
                throw new UncheckedIOException("copying " + p + " to a temp directory", e);
            }
        }
    }

    /** {@code fd_probe args...} with its default map. */
    static ProcessSpec.Builder probe(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(probe());
        argv.addAll(List.of(args));
        return ProcessSpec.command(argv);
    }

    /** One line of {@code fd_probe fds}. */
    record ProbeFd(int fd, long dev, long ino, boolean cloexec, String target) {}

    static Map<Integer, ProbeFd> parseFds(String output) {
        Map<Integer, ProbeFd> out = new TreeMap<>();
        for (String line : output.split("\n")) {
            if (line.isEmpty()) continue;
            String[] f = line.split(" ", 5);
            assertEquals(5, f.length, "probe fds line: " + line);
            ProbeFd p = new ProbeFd(Integer.parseInt(f[0]), Long.parseUnsignedLong(f[1]), Long.parseUnsignedLong(f[2]),
                    f[3].equals("1"), f[4]);
            out.put(p.fd(), p);
        }
        return out;
    }

    /** {@code fd_probe modes}: fd to "r", "w" or "rw". */
    static Map<Integer, String> parseModes(String output) {
        Map<Integer, String> out = new TreeMap<>();
        for (String line : output.split("\n")) {
            if (line.isEmpty()) continue;
            String[] f = line.split(" ");
            out.put(Integer.parseInt(f[0]), f[1]);
        }
        return out;
    }

    /** {@code fd_probe ids}: key to value ("uid" to "0", "groups" to "1,2", "cwd" to "/x"). */
    /** The {@code key=value} lines of a child JVM's output (ChildJvmMain prints its findings so). */
    static Map<String, String> keyValues(String output) {
        Map<String, String> kv = new HashMap<>();
        for (String l : output.split("\n")) {
            int eq = l.indexOf('=');
            if (eq > 0) kv.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return kv;
    }

    /** {@code fd_probe process}: "umask", "nice", "pdeathsig", "nonewprivs", "cgroup", "rlimit.NOFILE" ("soft:hard"). */
    static Map<String, String> parseProcess(String output) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            for (String kv : line.startsWith("rlimit.") ? new String[] {line} : line.split(" ")) {
                int eq = kv.indexOf('=');
                if (eq > 0) out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return out;
    }

    /** Whether this process has a capability in its effective set (CapEff of /proc/self/status). */
    static boolean hasCapability(int bit) {
        return (Long.parseUnsignedLong(ProcFs.status("CapEff"), 16) >>> bit & 1) != 0;
    }

    static Map<String, String> parseIds(String output) {
        Map<String, String> out = new LinkedHashMap<>();
        String line = output.strip();
        int cwd = line.indexOf(" cwd=");
        assertTrue(cwd > 0, "probe ids line: " + line);
        for (String kv : line.substring(0, cwd).split(" ")) {
            int eq = kv.indexOf('=');
            out.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        out.put("cwd", line.substring(cwd + 5));
        return out;
    }

    /** {@code fd_probe status}: "SigBlk" / "SigIgn" to their hex mask. */
    static Map<String, Long> parseSigLines(String output) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            out.put(line.substring(0, colon).trim(), Long.parseUnsignedLong(line.substring(colon + 1).trim(), 16));
        }
        return out;
    }

    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) b.append(String.format("%02x", x & 0xff));
        return b.toString();
    }

    // ------------------------------------------------------------------ running children

    /** What a finished child left: its status and everything read from its parentReads pipes. */
    record Result(ExitStatus status, Map<Integer, String> output) {
        String out() {
            return output.getOrDefault(1, "");
        }

        String err() {
            return output.getOrDefault(2, "");
        }

        String fd(int childFD) {
            return output.getOrDefault(childFD, "");
        }
    }

    /** Starts the spec, closes its stdin pipe, reads every parentReads pipe to EOF, reaps it. */
    static Result run(ProcessSpec spec) throws Exception {
        try (Subprocess p = Subprocess.start(spec)) {
            return finish(p);
        }
    }

    /** Closes the writers, drains the readers concurrently (no pipe can fill up), and waits. */
    static Result finish(Subprocess p) throws Exception {
        Map<Integer, CompletableFuture<String>> readers = new TreeMap<>();
        for (Map.Entry<Integer, ChildFD> e : p.spec().childFDs().entrySet()) {
            if (e.getValue().kind() == ChildFD.Kind.PARENT_WRITES) p.channel(e.getKey()).close();
        }
        for (Map.Entry<Integer, ChildFD> e : p.spec().childFDs().entrySet()) {
            if (e.getValue().kind() != ChildFD.Kind.PARENT_READS) continue;
            ReadableByteChannel c = p.channel(e.getKey());
            readers.put(e.getKey(), CompletableFuture.supplyAsync(unchecked(() -> readString(c))));
        }
        Map<Integer, String> out = new TreeMap<>();
        for (Map.Entry<Integer, CompletableFuture<String>> e : readers.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().get());
            } catch (ExecutionException x) {
                throw new IOException("reading child fd " + e.getKey(), x.getCause());
            }
        }
        return new Result(p.waitFor(), out);
    }

    private static <T> Supplier<T> unchecked(IOSupplier<T> s) {
        return () -> {
            try {
                return s.get();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private interface IOSupplier<T> {
        T get() throws IOException;
    }

    /** Reads a blocking channel to EOF. */
    static byte[] readAll(ReadableByteChannel c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (c.read(buf) >= 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        out.write(buf.array(), 0, buf.position());
        return out.toByteArray();
    }

    static String readString(ReadableByteChannel c) throws IOException {
        return new String(readAll(c), StandardCharsets.UTF_8);
    }

    /** Runs the spec and fails unless it exits 0; returns fd 1's text. */
    static String output(ProcessSpec spec) throws Exception {
        Result r = run(spec);
        assertEquals(ExitStatus.exited(0), r.status(), () -> spec + " failed; stderr: " + r.err());
        return r.out();
    }

    /** A reaped {@code true} that leaves us holding one pipe end per entry: raw fds via {@link Subprocess#fd}. */
    static Subprocess pipes(Map<Integer, ChildFD> map) throws Exception {
        Subprocess p = Subprocess.start(ProcessSpec.command("true").childFDs(map).build());
        p.waitFor();
        return p;
    }

    // ------------------------------------------------------------------ this JVM's fds and children

    /** Asserts the spawn fails with a SpawnException and leaves no pipe, pidfd or zombie behind. */
    static SpawnException assertFailsCleanly(ProcessSpec spec) throws IOException {
        Map<Integer, String> fdsBefore = ProcFs.pipeAndPidfdFds();
        Set<Long> zombiesBefore = ProcFs.zombieChildren();
        SpawnException e = assertThrows(SpawnException.class, () -> Subprocess.start(spec).close(),
                () -> spec + " should not start");
        assertEquals(fdsBefore, ProcFs.pipeAndPidfdFds(), "pipes/pidfds leaked by the failed spawn of " + spec);
        assertEquals(zombiesBefore, ProcFs.zombieChildren(), "zombies left by the failed spawn of " + spec);
        return e;
    }

    /** The raw fd this JVM has open on {@code file} (exactly one must exist). */
    static int fdOf(Path file) throws IOException {
        String real = file.toRealPath().toString();
        List<Integer> hits = new ArrayList<>();
        for (Map.Entry<Integer, String> e : ProcFs.openFds().entrySet()) {
            if (e.getValue().equals(real)) hits.add(e.getKey());
        }
        assertEquals(1, hits.size(), () -> "fds open on " + real + ": " + hits);
        return hits.get(0);
    }

    /** Asserts the child's fd refers to the same open file as our fd. */
    static void assertSameFile(int ourFd, ProbeFd child, String what) throws IOException {
        long[] di = ProcFs.devIno(ourFd);
        assertEquals(di[0], child.dev(), what + ": st_dev of child fd " + child.fd() + " vs our fd " + ourFd);
        assertEquals(di[1], child.ino(), what + ": st_ino of child fd " + child.fd() + " vs our fd " + ourFd);
    }

    static boolean isRoot() {
        return uid() == 0;
    }

    /** Our real uid, from /proc/self/status. */
    static int uid() {
        return Integer.parseInt(ProcFs.status("Uid").split("\\s+")[0]);
    }

    // ------------------------------------------------------------------ temp files

    static Path tempDir(String prefix) throws IOException {
        Path d = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        return d;
    }

    /** A file with this content and mode, e.g. "rwxr-xr-x". */
    static Path writeFile(Path file, String content, String mode) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    // ------------------------------------------------------------------ child JVMs (JavaCommand builds their command lines)

    /** Runs {@code sh -c '<prefix>; exec <command>'} and returns its key=value lines; it must exit 0. */
    static Map<String, String> runShell(String prefix, List<String> command) throws Exception {
        StringBuilder sh = new StringBuilder(prefix).append("; exec");
        for (String w : command) sh.append(' ').append(shQuote(w));
        Result r = run(ProcessSpec.command("sh", "-c", sh.toString())
                .childFDs(Map.of(1, ChildFD.parentReads(), 2, ChildFD.parentReads())).build());
        assertEquals(ExitStatus.exited(0), r.status(), () -> "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        Map<String, String> kv = keyValues(r.out());
        kv.put("#stderr", r.err());
        return kv;
    }

    /**
     * {@link ChildJvmMain} with these arguments as nobody (the caller must be root), needing nothing
     * of the checkout, which nobody may not enter (e.g. one under /root): its classes are copied into
     * {@code sandbox} (a fresh world-readable directory, see {@link #tempDir}), its home, per-user
     * cache and temp directory are {@code sandbox/home} (nobody's own), its working directory is /.
     * Pass it {@link #probe()}, which is a world-readable copy too.
     */
    static ProcessSpec.Builder nobodyJvm(Path sandbox, String... args) throws IOException {
        String cp = JavaCommand.copyClasspath(sandbox);
        Path home = Files.createDirectory(sandbox.resolve("home"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(home, "unix:uid", NOBODY);
        Files.setAttribute(home, "unix:gid", NOGROUP);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HOME", home.toString());
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString()); // surefire's points into target/
        return ProcessSpec.command(JavaCommand.main(ChildJvmMain.class, args).classpath(cp)
                .jvmArgs("-Djava.io.tmpdir=" + home).toList())
                .environment(env).directory(Path.of("/")).uid(NOBODY).gid(NOGROUP).groups(NOGROUP);
    }

    /** Single-quotes a word for sh. */
    static String shQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
