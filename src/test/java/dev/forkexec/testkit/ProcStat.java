package dev.forkexec.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process's {@code /proc/<pid>/stat}, the fields the tests use (numbered as in proc(5)). The only
 * parser of that line in the tests; free of JUnit, so the child JVMs of the tests can use it too.
 *
 * @param pid        (1) the process id
 * @param comm       (2) the command name, without the parentheses (it may hold spaces and parentheses)
 * @param state      (3) R, S, D, Z, T...
 * @param ppid       (4) the parent's pid
 * @param pgrp       (5) the process group
 * @param session    (6) the session id
 * @param ttyNr      (7) the controlling terminal's device number, 0 for none
 * @param tpgid      (8) the foreground process group of that terminal, -1 for none
 * @param nice       (19) the nice value
 * @param numThreads (20) how many threads it has
 */
public record ProcStat(long pid, String comm, char state, long ppid, long pgrp, long session, int ttyNr, long tpgid,
        int nice, int numThreads) {

    /** Parses one stat line, e.g. {@code 42 (sh) S 1 42 42 34816 42 ...}. */
    public static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')'); // comm may hold spaces and ')': the last ')' ends it
        if (open < 0 || close < open) throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + line);
        String[] f = line.substring(close + 2).trim().split(" "); // f[0] is field 3
        return new ProcStat(Long.parseLong(line.substring(0, open).trim()), line.substring(open + 1, close),
                f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Integer.parseInt(f[4]),
                Long.parseLong(f[5]), Integer.parseInt(f[16]), Integer.parseInt(f[17]));
    }

    /** The process's stat now, or empty when there is no such process (any more). */
    public static Optional<ProcStat> of(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** This JVM's stat. */
    public static ProcStat self() {
        return read(Path.of("/proc/self/stat")).orElseThrow(() -> new IllegalStateException("no /proc/self/stat"));
    }

    static Optional<ProcStat> read(Path stat) {
        String line;
        try {
            line = Files.readString(stat, StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            return Optional.empty();
        }
        return Optional.of(parse(line));
    }

    /** Exited and not yet reaped (state Z). */
    public boolean isZombie() {
        return state == 'Z';
    }

    /** Whether pid exists and is not a zombie (a zombie has ended; in a container pid 1 may never reap it). */
    public static boolean isRunning(long pid) {
        return of(pid).map(s -> !s.isZombie()).orElse(false);
    }
}
