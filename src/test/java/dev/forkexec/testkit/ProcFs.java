package dev.forkexec.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything the tests read from {@code /proc}, in one place: this JVM's fd table, its children and
 * zombies, other processes' {@link ProcStat}, this JVM's threads, status, limits and mappings. Free of
 * JUnit, so the child JVMs of the tests (whose class path holds no JUnit) use it too.
 */
public final class ProcFs {
    /** This JVM's pid. */
    public static final long PID = ProcessHandle.current().pid();

    private ProcFs() {}

    // ------------------------------------------------------------------ this JVM's fd table

    /**
     * Every fd of this JVM, fd to readlink target. Listed with {@code File.list()}, which needs one free
     * fd and has closed it again before the links are read, so the listing's own fd is never in the
     * result and the table can be read with a single fd free (the EMFILE tests rely on both).
     */
    public static Map<Integer, String> openFds() throws IOException {
        String[] names = new File("/proc/self/fd").list();
        if (names == null) throw new IOException("cannot list /proc/self/fd (no fd free?)");
        Map<Integer, String> out = new TreeMap<>();
        for (String n : names) {
            try {
                out.put(Integer.parseInt(n), Files.readSymbolicLink(Path.of("/proc/self/fd", n)).toString());
            } catch (NoSuchFileException closed) {
                // the listing's own fd, or one another thread closed meanwhile
            }
        }
        return out;
    }

    /** Whether an fd's readlink target is a pidfd ({@code anon_inode:[pidfd]}, or {@code pidfd:[...]} on pidfs). */
    public static boolean isPidfd(String target) {
        return target.equals("anon_inode:[pidfd]") || target.startsWith("pidfd:");
    }

    /** This JVM's fds that are pipes or pidfds. */
    public static Map<Integer, String> pipeAndPidfdFds() throws IOException {
        Map<Integer, String> out = openFds();
        out.values().removeIf(t -> !t.startsWith("pipe:") && !isPidfd(t));
        return out;
    }

    /** This JVM's pidfds only. */
    public static Map<Integer, String> pidfds() throws IOException {
        Map<Integer, String> out = openFds();
        out.values().removeIf(t -> !isPidfd(t));
        return out;
    }

    /** This JVM's pipes only. */
    public static Map<Integer, String> pipeFds() throws IOException {
        Map<Integer, String> out = openFds();
        out.values().removeIf(t -> !t.startsWith("pipe:"));
        return out;
    }

    /**
     * This JVM's fds for the kernel objects the library makes: pipes, pidfds, epoll sets and eventfds
     * (e.g. {@code pipe:[1234]}, {@code anon_inode:[pidfd]}, {@code anon_inode:[eventpoll]}).
     */
    public static Map<Integer, String> kernelObjectFds() throws IOException {
        Map<Integer, String> out = openFds();
        out.values().removeIf(t -> !t.startsWith("pipe:") && !isPidfd(t) && !t.equals("anon_inode:[eventpoll]")
                && !t.equals("anon_inode:[eventfd]"));
        return out;
    }

    /** This JVM's fds on pseudo-terminals: masters ({@code /dev/ptmx}) and slaves ({@code /dev/pts/N}). */
    public static Map<Integer, String> terminalFds() throws IOException {
        Map<Integer, String> out = openFds();
        out.values().removeIf(t -> !t.equals("/dev/ptmx") && !t.startsWith("/dev/pts/"));
        return out;
    }

    /** What this JVM's fd refers to (its readlink target). */
    public static String fdTarget(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    }

    /** st_dev and st_ino of what this JVM's fd refers to. */
    public static long[] devIno(int fd) throws IOException {
        Path p = Path.of("/proc/self/fd/" + fd);
        return new long[] {((Number) Files.getAttribute(p, "unix:dev")).longValue(),
            ((Number) Files.getAttribute(p, "unix:ino")).longValue()};
    }

    /** The text of {@code /proc/self/fdinfo/<fd>} (pos, flags, and per kind more: a pidfd's "Pid:"). */
    public static String fdinfo(int fd) throws IOException {
        return Files.readString(Path.of("/proc/self/fdinfo/" + fd));
    }

    /** The open-file flags of this JVM's fd (fdinfo's octal "flags:"): O_ACCMODE, O_NONBLOCK, O_CLOEXEC... */
    public static long fdFlags(int fd) throws IOException {
        for (String line : fdinfo(fd).split("\n")) {
            if (line.startsWith("flags:")) return Long.parseLong(line.substring(6).trim(), 8);
        }
        throw new IOException("no flags in /proc/self/fdinfo/" + fd);
    }

    /** FD_CLOEXEC (O_CLOEXEC, 02000000, in the fdinfo flags). */
    public static boolean isCloexec(int fd) throws IOException {
        return (fdFlags(fd) & 02000000) != 0;
    }

    /** O_NONBLOCK (04000 in the fdinfo flags). */
    public static boolean isNonBlocking(int fd) throws IOException {
        return (fdFlags(fd) & 04000) != 0;
    }

    /** Opened O_WRONLY (access mode 1 in the fdinfo flags). */
    public static boolean isWriteOnly(int fd) throws IOException {
        return (fdFlags(fd) & 3) == 1;
    }

    // ------------------------------------------------------------------ processes

    /** Every process now, by its stat (those gone while listing are left out). */
    public static List<ProcStat> processes() throws IOException {
        List<ProcStat> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : dir) ProcStat.read(p.resolve("stat")).ifPresent(out::add);
        }
        return out;
    }

    /** The pids of this JVM's children that are zombies (exited, not reaped). */
    public static Set<Long> zombieChildren() throws IOException {
        Set<Long> out = new TreeSet<>();
        for (ProcStat s : processes()) {
            if (s.isZombie() && s.ppid() == PID) out.add(s.pid());
        }
        return out;
    }

    /** Whether pid is a child of this JVM (alive or zombie). */
    public static boolean isOurChild(long pid) {
        return ProcStat.of(pid).map(s -> s.ppid() == PID).orElse(false);
    }

    /** The pids of every running (not zombie) process in process group pgid. */
    public static List<Long> runningInGroup(long pgid) throws IOException {
        List<Long> out = new ArrayList<>();
        for (ProcStat s : processes()) {
            if (!s.isZombie() && s.pgrp() == pgid) out.add(s.pid());
        }
        return out;
    }

    /**
     * Polls (every 10 ms, {@code max} at most) until pid no longer runs: gone, or a zombie (it died;
     * whoever inherited it reaps it, or in a container pid 1 may never). Returns whether it stopped.
     */
    public static boolean awaitNotRunning(long pid, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (ProcStat.isRunning(pid)) {
            if (System.nanoTime() - deadline > 0) return false;
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * Whether the process sleeps in write(2) on a full pipe: its wchan names pipe_write (e.g.
     * {@code pipe_write}, {@code anon_pipe_write}), or, where wchan is hidden, it sleeps in the write
     * syscall (x86_64 nr 1, aarch64 nr 64).
     */
    public static boolean blockedWritingPipe(long pid) {
        String wchan = readOrNull(Path.of("/proc", Long.toString(pid), "wchan"));
        if (wchan != null && wchan.contains("pipe_write")) return true;
        if (wchan != null && !wchan.isEmpty() && !wchan.equals("0")) return false;
        String syscall = readOrNull(Path.of("/proc", Long.toString(pid), "syscall"));
        if (syscall == null) return false;
        String arch = System.getProperty("os.arch");
        String nr = syscall.split(" ")[0];
        return ("amd64".equals(arch) || "x86_64".equals(arch)) ? nr.equals("1") : nr.equals("64");
    }

    /**
     * The process's argv from {@code /proc/<pid>/cmdline}; empty when it is gone, or while an exec has
     * not yet set up the new program's arguments (the kernel closes close-on-exec fds before that).
     */
    public static List<String> cmdline(long pid) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        } catch (IOException gone) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                out.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return out;
    }

    /** {@code /proc/<pid>/cgroup}, e.g. {@code 0::/fxtest-1-2\n}. */
    public static String cgroupOf(long pid) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "cgroup"));
    }

    // ------------------------------------------------------------------ this JVM

    /** How many threads this JVM has ({@code /proc/self/task}: every thread, the JVM's own included). */
    public static long threadCount() throws IOException {
        String[] tasks = new File("/proc/self/task").list();
        if (tasks == null) throw new IOException("cannot list /proc/self/task");
        return tasks.length;
    }

    /** This JVM's live threads whose name starts with prefix (from the JVM; {@code /proc} shows 15 characters). */
    public static Set<Thread> liveThreads(String prefix) {
        Set<Thread> out = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) out.add(t);
        }
        return out;
    }

    /** A field of {@code /proc/self/status} ("Uid", "SigIgn", "VmHWM"...), its value trimmed. */
    public static String status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return line.substring(field.length() + 1).trim();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }

    /** This JVM's (and so each child's) soft RLIMIT_NOFILE ("Max open files" in {@code /proc/self/limits}). */
    public static int softFdLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Integer.MAX_VALUE : Integer.parseInt(soft);
            }
        }
        throw new IOException("no 'Max open files' line in /proc/self/limits");
    }

    /** The lines of {@code /proc/self/maps}: what this JVM has mapped, and from where. */
    public static List<String> maps() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps"));
    }

    /** A kernel setting, {@code /proc/sys/<name>} trimmed, e.g. {@code sys("kernel/core_pattern")}. */
    public static String sys(String name) throws IOException {
        return Files.readString(Path.of("/proc/sys", name)).trim();
    }

    private static String readOrNull(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1).trim();
        } catch (IOException gone) {
            return null;
        }
    }
}
