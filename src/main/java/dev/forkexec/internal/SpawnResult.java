package dev.forkexec.internal;

import dev.forkexec.ChildFD;
import dev.forkexec.ProcessSpec;
import dev.forkexec.SpawnException;
import java.io.File;
import java.util.Arrays;

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

    /** Our end of the pipe of map entry {@code index}, or -1 when that entry is not a pipe. */
    public int parentEnd(int index) {
        return raw[NativeSpawn.R_ENDS + index];
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
                subject = detail >= 0 ? "child fd " + detail + describe(spec.childFDs().get(detail)) : "";
                break;
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

    private static String describe(ChildFD what) {
        return what == null ? "" : what.isPipe() ? " (pipe " + what + ")" : " (parent fd " + what.parentFD() + ")";
    }

    private static SpawnException exception(Step step, int errno, String subject, String hint) {
        String name = step.stepName();
        String where = subject == null || subject.isEmpty() ? name : name + " " + subject;
        return new SpawnException(name, errno, where + ": " + NativeNames.errnoText(errno)
                + (hint == null ? "" : "; " + hint));
    }
}
