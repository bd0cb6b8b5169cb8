package dev.forkexec.bench;

import dev.forkexec.ChildFD;
import dev.forkexec.ProcessSpec;
import dev.forkexec.ResourceLimit;
import dev.forkexec.Subprocess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scenario 11: {@code Subprocess} start + {@code waitFor} of {@code /bin/true} with the spawn options
 * of API v2 that need no privilege and no setup, one at a time or all together. Ids (after
 * {@code fe-options:}): {@code pgroup}, {@code rlimit}, {@code umask}, {@code nice}, {@code pdeathsig},
 * {@code nonewprivs}, {@code redirects}, {@code all}, and {@code all-cgroup=DIR} (all of them, started
 * inside the cgroup v2 directory DIR, which the orchestrator creates and removes).
 *
 * <p>Every value is one the child would have anyway, so each option costs only its own work: the
 * process group is a new one ({@code setpgid(0, 0)}); NOFILE's soft and hard limits are both this
 * JVM's soft limit (lowering the hard limit to the soft one needs no privilege); the umask is
 * {@code 022}; the niceness is this JVM's own; the parent-death signal is SIGTERM; redirects are
 * stdin from {@code /dev/null}, stdout to a temporary file (truncated by each spawn), stderr the same
 * open file as stdout ({@code 2>&1}).
 */
final class ForkexecOptionsDriver implements Driver {
    private final ProcessSpec spec;
    private final Path tmp;

    ForkexecOptionsDriver(String which) {
        try {
            tmp = Files.createTempFile("forkexec-bench-s11-", ".out");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ProcessSpec.Builder b = ProcessSpec.command("/bin/true").childFDs(Map.of());
        boolean all = which.equals("all") || which.startsWith("all-cgroup=");
        if (all || which.equals("pgroup")) b.processGroup(0);
        if (all || which.equals("rlimit")) {
            long soft = openFilesSoftLimit();
            b.rlimit(ResourceLimit.NOFILE, soft, soft);
        }
        if (all || which.equals("umask")) b.umask(0022);
        if (all || which.equals("nice")) b.niceness(ownNiceness());
        if (all || which.equals("pdeathsig")) b.parentDeathSignal(15);
        if (all || which.equals("nonewprivs")) b.noNewPrivileges(true);
        if (all || which.equals("redirects")) {
            Map<Integer, ChildFD> fds = new LinkedHashMap<>();
            fds.put(0, ChildFD.devNull());
            fds.put(1, ChildFD.writeTo(tmp));
            fds.put(2, ChildFD.sameAs(1));
            b.childFDs(fds);
        }
        if (which.startsWith("all-cgroup=")) b.cgroup(Path.of(which.substring("all-cgroup=".length())));
        if (!all && !java.util.Set.of("pgroup", "rlimit", "umask", "nice", "pdeathsig", "nonewprivs", "redirects")
                .contains(which)) {
            throw new IllegalArgumentException("unknown option set " + which);
        }
        spec = b.build();
    }

    /** This JVM's soft RLIMIT_NOFILE, from /proc/self/limits ("unlimited" as Long.MAX_VALUE). */
    static long openFilesSoftLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? ResourceLimit.UNLIMITED : Long.parseLong(soft);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no 'Max open files' line in /proc/self/limits");
    }

    /** This JVM's niceness: field 19 of /proc/self/stat (counted after the command name's ')'). */
    static int ownNiceness() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[19 - 3]);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void spawnTrue() throws Exception {
        try (Subprocess p = Subprocess.start(spec)) {
            Driver.checkExit(p.waitFor().exitCode(), "/bin/true");
        }
    }

    private static UnsupportedOperationException elsewhere() {
        return new UnsupportedOperationException("the options driver runs scenario 11 (spawnTrue) only");
    }

    @Override
    public void spawnPipes() {
        throw elsewhere();
    }

    @Override
    public long exitLatency(String stamp) {
        throw elsewhere();
    }

    @Override
    public long readFromChild(long bytes) {
        throw elsewhere();
    }

    @Override
    public long writeToChild(long bytes, String sink) {
        throw elsewhere();
    }

    @Override
    public void fanout(int children, int concurrency, byte[] data) {
        throw elsewhere();
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // a temporary file left behind; nothing to measure there
        }
    }
}
