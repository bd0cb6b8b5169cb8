package dev.forkexec.internal;

import dev.forkexec.ChildFD;
import dev.forkexec.ProcessSpec;
import dev.forkexec.ResourceLimit;
import dev.forkexec.SpawnException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What {@code spawn_jni.c} returned for one {@link SpawnRequest}: the child's pid, pidfd and pipe ends, or the failed step. */
public final class SpawnResult {
    private final SpawnRequest request;
    private final int[] raw;

    SpawnResult(SpawnRequest request, int[] raw) {
        this.request = request;
        this.raw = raw;
    }

    /** Whether the child exec'd. */
    public boolean succeeded() {
        return raw[NativeSpawn.R_STEP] == NativeSpawn.STEP_NONE;
    }

    public long pid() {
        return raw[NativeSpawn.R_PID];
    }

    public int pidfd() {
        return raw[NativeSpawn.R_PIDFD];
    }

    /** The terminal's master (ours to close), or -1 when the spec has no terminal. */
    public int ptyMaster() {
        return raw[NativeSpawn.R_PTY_MASTER];
    }

    /** Our end of the pipe of map entry {@code index}, or -1 when that entry is not a pipe. */
    public int parentEnd(int index) {
        return raw[NativeSpawn.R_ENDS + index];
    }

    /**
     * Undoes a successful spawn that cannot be handed on: SIGKILL, reap, and close the pidfd, every
     * pipe end and the terminal's master.
     */
    public void discard() {
        NativePidfd.signalPidfd(pidfd(), Signals.SIGKILL);
        NativePidfd.waitPidfd(pidfd(), true, new long[NativePidfd.U_SIZE]);
        NativeFd.close(pidfd());
        if (ptyMaster() >= 0) NativeFd.close(ptyMaster());
        for (int i = 0; i < request.fdCount(); i++) {
            if (parentEnd(i) >= 0) NativeFd.close(parentEnd(i));
        }
    }

    public SpawnRequest request() {
        return request;
    }

    /** The failure as the exception users see, its message naming the step, what it acted on, and why. */
    public SpawnException exception(ProcessSpec spec) {
        Step step = Step.of(raw[NativeSpawn.R_STEP]);
        int errno = raw[NativeSpawn.R_ERRNO];
        int detail = raw[NativeSpawn.R_DETAIL];
        String program = spec.executable() != null ? spec.executable() : spec.argv().get(0);
        String subject;
        switch (step) {
            case EXEC:
                String file = detail >= 0 && detail < request.candidates().size() ? request.candidates().get(detail) : null;
                if (errno == NativeNames.ENOENT && file != null && new File(file).isFile()) {
                    // The file is there: what is missing is its #! interpreter or ELF loader.
                    return exception(step, errno, file, "the file exists; its #! interpreter or ELF loader does not");
                }
                subject = file != null && errno != NativeNames.ENOENT ? file : program;
                break;
            case CHDIR:
                subject = String.valueOf(spec.directory());
                break;
            case SETUID:
                subject = "uid " + spec.uid();
                break;
            case SETGID:
                subject = "gid " + spec.gid();
                break;
            case SETGROUPS:
                subject = "groups " + Arrays.toString(spec.groups());
                break;
            case FD:
                if (detail < 0) {
                    subject = "";
                    break;
                }
                return exception(step, errno, "child fd " + detail + describe(spec.childFDs().get(detail)),
                        fdHint(errno, detail, spec.childFDs().get(detail)));
            case OPEN: {
                ChildFD what = spec.childFDs().get(detail);
                subject = what != null && what.path() != null ? what.path().toString() : "/dev/null";
                break;
            }
            case SETPGID:
                subject = spec.processGroup().orElse(0) == 0 ? "0 (a new group)" : Integer.toString(spec.processGroup().getAsInt());
                break;
            case RLIMIT: {
                ResourceLimit which = detail >= 0 ? request.limit(detail) : null;
                String what = which == null ? "" : which + " " + spec.rlimits().get(which);
                return exception(step, errno, what, errno == NativeNames.EPERM
                        ? "raising a hard limit above this process's needs CAP_SYS_RESOURCE" : null);
            }
            case NICE:
                return exception(step, errno, Integer.toString(spec.niceness().orElse(0)), errno == NativeNames.EACCES
                        ? "lowering niceness below this process's needs CAP_SYS_NICE" : null);
            case PDEATHSIG:
                subject = Signals.name(spec.parentDeathSignal());
                break;
            case CGROUP:
                return exception(step, errno, String.valueOf(spec.cgroup()), cgroupHint(errno));
            case PTY:
                return exception(step, errno, ptyOperation(detail), ptyHint(errno, detail));
            case PIPE:
                // detail -1: not a map pipe but the one that carries the exec status (or failure) back.
                subject = detail >= 0 ? "child fd " + detail + describe(spec.childFDs().get(detail))
                        : "(the exec-status pipe)";
                break;
            case CLONE:
                if (errno == NativeNames.EMFILE || errno == NativeNames.ENFILE) {
                    // clone(CLONE_PIDFD) allocates the pidfd: the last fd a spawn needs.
                    return exception(step, errno, program, "no fd was free for the child's pidfd");
                }
                subject = program;
                break;
            default:
                subject = "";
        }
        return exception(step, errno, subject, null);
    }

    /** EBADF for an fd entry: the parent fd is not open, or the child fd is beyond RLIMIT_NOFILE. */
    private static String fdHint(int errno, int childFd, ChildFD what) {
        if (errno != NativeNames.EBADF) return null;
        List<String> hints = new ArrayList<>();
        if (what != null && what.kind() == ChildFD.Kind.INHERIT && !Files.exists(Path.of("/proc/self/fd/" + what.parentFD()))) {
            hints.add("parent fd " + what.parentFD() + " is not open in this process");
        }
        long limit = openFileLimit();
        if (limit >= 0 && childFd >= limit) {
            hints.add("child fd " + childFd + " is not below this process's open-file limit (RLIMIT_NOFILE, "
                    + limit + "); raise the limit (ulimit -n) or use a lower child fd");
        }
        return hints.isEmpty() ? null : String.join("; ", hints);
    }

    /** This process's soft RLIMIT_NOFILE, from /proc/self/limits; -1 if unreadable or unlimited. */
    private static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** What a "pty" failure was doing. */
    private static String ptyOperation(int detail) {
        switch (detail) {
            case NativeSpawn.PTY_OP_OPEN: return "/dev/ptmx";
            case NativeSpawn.PTY_OP_UNLOCK: return "unlocking the terminal (TIOCSPTLCK)";
            case NativeSpawn.PTY_OP_PEER: return "opening the terminal's slave (TIOCGPTPEER)";
            case NativeSpawn.PTY_OP_WINSIZE: return "setting the window size (TIOCSWINSZ)";
            case NativeSpawn.PTY_OP_TERMIOS: return "setting echo and raw mode (TCSETS)";
            case NativeSpawn.PTY_OP_CTTY: return "taking the terminal as controlling terminal (TIOCSCTTY)";
            default: return "";
        }
    }

    private static String ptyHint(int errno, int detail) {
        if (errno == NativeNames.EMFILE || errno == NativeNames.ENFILE) {
            return "a terminal needs two fds in this process while the child starts (its master and slave)";
        }
        if (detail == NativeSpawn.PTY_OP_OPEN && (errno == NativeNames.ENOENT || errno == NativeNames.ENODEV)) {
            return "this system (or container) has no devpts pseudo-terminals";
        }
        if (detail == NativeSpawn.PTY_OP_OPEN && errno == NativeNames.ENOSPC) {
            return "the pseudo-terminal limit is reached (/proc/sys/kernel/pty/max)";
        }
        return null;
    }

    private static String cgroupHint(int errno) {
        if (errno == NativeNames.EBADF) return "it is not a cgroup v2 directory (a cgroup v1 hierarchy cannot be used)";
        if (errno == NativeNames.EACCES) {
            return "no permission to move a process into it (write access to its cgroup.procs, and to that of"
                    + " the nearest common ancestor with this process's cgroup, is needed)";
        }
        if (errno == NativeNames.EBUSY) {
            return "it has controllers enabled for its children (cgroup.subtree_control), so it may hold no"
                    + " processes itself: use a leaf cgroup below it";
        }
        if (errno == NativeNames.EOPNOTSUPP) return "the cgroup cannot take processes in its state (domain invalid or threaded)";
        return null;
    }

    private static String describe(ChildFD what) {
        if (what == null) return "";
        if (what.isPipe()) return " (pipe " + what + ")";
        return what.kind() == ChildFD.Kind.INHERIT ? " (parent fd " + what.parentFD() + ")" : " (" + what + ")";
    }

    private static SpawnException exception(Step step, int errno, String subject, String hint) {
        String name = step.stepName();
        String where = subject == null || subject.isEmpty() ? name : name + " " + subject;
        return new SpawnException(name, errno, where + ": " + NativeNames.errnoText(errno)
                + (hint == null ? "" : "; " + hint));
    }
}
