package dev.forkexec;

/** Mirrors {@code spawn_jni.c}: starts children. Loading this class loads the library. */
final class NativeSpawn {
    static final int NEW_SESSION = 1;
    static final int NONBLOCKING = 2;
    static final int SET_UID = 4;
    static final int SET_GID = 8;
    static final int SET_GROUPS = 16;

    /** enum fe_mechanism. */
    static final int AUTO = 0;
    static final int CLONE_VM = 1;
    static final int FORK = 2;

    /** enum fe_step, by index. */
    static final String[] STEPS = {
        "none", "pipe", "clone", "setsid", "setgroups", "setgid", "setuid", "chdir", "fd", "exec", "memory"
    };

    static final int MECHANISM;

    static {
        NativeLibrary.load();
        String forced = System.getProperty("forkexec.spawn", "auto");
        int wanted;
        switch (forced) {
            case "auto": wanted = AUTO; break;
            case "clone-vm": wanted = CLONE_VM; break;
            case "fork": wanted = FORK; break;
            default:
                throw new IllegalArgumentException(
                        "-Dforkexec.spawn=" + forced + " is not one of auto, clone-vm, fork");
        }
        MECHANISM = init(wanted);
    }

    private NativeSpawn() {}

    static String mechanismName(int mechanism) {
        return mechanism == CLONE_VM ? "clone-vm" : "fork";
    }

    static native int init(int mechanism);

    static native long spawnCount(int mechanism);

    /**
     * Returns {0, pid, pidfd, parent end per map entry (-1 for inherit)} on success, or {step, errno,
     * detail} on failure.
     */
    static native int[] spawn(byte[] strings, int argc, int envc, int pathc, byte[] dir, int[] childFds,
            int[] kinds, int[] parentFds, int uid, int gid, int[] groups, int flags);
}
