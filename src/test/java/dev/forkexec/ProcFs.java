package dev.forkexec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What this JVM has open and which of its children are zombies, from /proc. Free of JUnit, so the
 * child JVMs of the tests (whose classpath holds no JUnit) can use it too.
 */
final class ProcFs {
    private static final long PID = ProcessHandle.current().pid();

    private ProcFs() {}

    /** This JVM's fds that are pipes or pidfds, fd to readlink target. */
    static Map<Integer, String> pipeAndPidfdFds() throws IOException {
        Map<Integer, String> out = new TreeMap<>();
        for (Map.Entry<Integer, String> e : openFds().entrySet()) {
            String t = e.getValue();
            if (t.startsWith("pipe:") || t.equals("anon_inode:[pidfd]")) out.put(e.getKey(), t);
        }
        return out;
    }

    /** Every fd of this JVM, fd to readlink target (the listing's own fd may show as a directory). */
    static Map<Integer, String> openFds() throws IOException {
        Map<Integer, String> out = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                try {
                    out.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (NoSuchFileException gone) {
                    // closed meanwhile (the listing's own fd, or another thread's)
                }
            }
        }
        return out;
    }

    /** The pids of this JVM's children that are zombies (exited, not reaped). */
    static Set<Long> zombieChildren() throws IOException {
        Set<Long> out = new TreeSet<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : dir) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (f[0].equals("Z") && Long.parseLong(f[1]) == PID) out.add(Long.parseLong(p.getFileName().toString()));
            }
        }
        return out;
    }
}
