package dev.forkexec.runner;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --cgroup DIR}: each attempt of each job starts in a new cgroup v2 directory under DIR
 * ({@code forkexec-<runner pid>-<seq>-<try>}), created just before the spawn and removed after the
 * job. Ending a job through its cgroup ({@code cgroup.kill}, Linux 5.14+; else SIGKILL to each pid
 * in {@code cgroup.procs}) reaches every descendant, also those that left the job's process group
 * or session. When a job has ended, whatever it left running in its cgroup is killed, so the
 * directory can be removed: a job's cgroup holds the job and nothing outlives it.
 *
 * <p>The parent directory must be a writable cgroup v2 directory (one with {@code cgroup.procs}),
 * e.g. a delegated subtree such as {@code /sys/fs/cgroup/user.slice/.../forkexec}.
 */
final class Cgroups {
    private final Path parent;
    private final String prefix;

    private Cgroups(Path parent) {
        this.parent = parent;
        this.prefix = "forkexec-" + ProcessHandle.current().pid() + "-";
    }

    /** Checks that {@code dir} is a cgroup v2 directory we may create cgroups in. */
    static Cgroups open(Path dir) throws RunnerException {
        Path d = dir.toAbsolutePath();
        if (!Files.isDirectory(d)) throw new RunnerException("--cgroup " + dir + " is not a directory");
        if (!Files.exists(d.resolve("cgroup.procs")) || !Files.exists(d.resolve("cgroup.subtree_control"))) {
            throw new RunnerException("--cgroup " + dir + " is not a cgroup v2 directory (no cgroup.procs and"
                    + " cgroup.subtree_control in it)");
        }
        if (!Files.isWritable(d)) {
            throw new RunnerException("--cgroup " + dir + " is not writable: new cgroups cannot be made in it");
        }
        return new Cgroups(d);
    }

    /** Creates the cgroup of one attempt. */
    Path create(Job job) throws IOException {
        return Files.createDirectory(parent.resolve(prefix + job.seq + "-" + job.tries));
    }

    /** Kills every process in the cgroup. */
    static void kill(Path cgroup) {
        try {
            Files.writeString(cgroup.resolve("cgroup.kill"), "1");
            return;
        } catch (NoSuchFileException noCgroupKill) {
            // before Linux 5.14: one by one below
        } catch (IOException gone) {
            return;
        }
        try {
            for (String pid : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
                if (pid.isBlank()) continue;
                ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException gone) {
            // the cgroup is gone, or empty
        }
    }

    /** Whether processes are left in the cgroup. */
    static boolean populated(Path cgroup) {
        try {
            List<String> procs = Files.readAllLines(cgroup.resolve("cgroup.procs"));
            return procs.stream().anyMatch(s -> !s.isBlank());
        } catch (IOException gone) {
            return false;
        }
    }

    /** Removes an empty cgroup; false while the kernel still counts a dying member in it. */
    static boolean remove(Path cgroup) {
        try {
            Files.deleteIfExists(cgroup);
            return true;
        } catch (FileSystemException busy) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
