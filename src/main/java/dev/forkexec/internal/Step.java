package dev.forkexec.internal;

/** The spawn steps that can fail, with the codes spawn.h gives them and the names SpawnException reports. */
public enum Step {
    NONE(NativeSpawn.STEP_NONE, "none"),
    PIPE(NativeSpawn.STEP_PIPE, "pipe"),
    CLONE(NativeSpawn.STEP_CLONE, "clone"),
    SETSID(NativeSpawn.STEP_SETSID, "setsid"),
    SETGROUPS(NativeSpawn.STEP_SETGROUPS, "setgroups"),
    SETGID(NativeSpawn.STEP_SETGID, "setgid"),
    SETUID(NativeSpawn.STEP_SETUID, "setuid"),
    CHDIR(NativeSpawn.STEP_CHDIR, "chdir"),
    FD(NativeSpawn.STEP_FD, "fd"),
    EXEC(NativeSpawn.STEP_EXEC, "exec"),
    MEMORY(NativeSpawn.STEP_MEMORY, "memory"),
    OPEN(NativeSpawn.STEP_OPEN, "open"),
    SETPGID(NativeSpawn.STEP_SETPGID, "setpgid"),
    RLIMIT(NativeSpawn.STEP_RLIMIT, "rlimit"),
    NICE(NativeSpawn.STEP_NICE, "nice"),
    PDEATHSIG(NativeSpawn.STEP_PDEATHSIG, "pdeathsig"),
    CGROUP(NativeSpawn.STEP_CGROUP, "cgroup"),
    NO_NEW_PRIVS(NativeSpawn.STEP_NO_NEW_PRIVS, "nonewprivs"),
    PTY(NativeSpawn.STEP_PTY, "pty");

    private final int code;
    private final String stepName;

    Step(int code, String stepName) {
        this.code = code;
        this.stepName = stepName;
    }

    /** The code in enum fe_step. */
    public int code() {
        return code;
    }

    /** What {@code SpawnException.step()} reports. */
    public String stepName() {
        return stepName;
    }

    /** The step with this code; IllegalStateException for a code the native layer should never send. */
    public static Step of(int code) {
        for (Step s : values()) {
            if (s.code == code) return s;
        }
        throw new IllegalStateException("the native layer reported unknown spawn step " + code);
    }
}
