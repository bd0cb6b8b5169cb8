package dev.forkexec.internal;

import java.lang.annotation.Native;

/**
 * Mirrors {@code spawn_jni.c}: starts children. Loading this class loads the library and chooses
 * the spawn mechanism ({@code -Dforkexec.spawn=auto|clone-vm|fork}).
 *
 * <p>The protocol: {@link #spawn} takes the strings (argv, envp, exec candidates, then the
 * directory when {@link #H_HAS_DIR} is set; each NUL-terminated), a header of {@link #H_SIZE} ints
 * indexed by the {@code H_*} constants, the fd map as {@link #FD_ENTRY_SIZE} ints per entry
 * (child fd, kind, argument) and the supplementary groups. It returns {@link #R_ENDS} + one int per
 * map entry, indexed by the {@code R_*} constants. Every constant here is checked against its C
 * counterpart by {@code _Static_assert} in spawn_jni.c.
 */
public final class NativeSpawn {
    // The request header.
    @Native public static final int H_ARGC = 0;
    @Native public static final int H_ENVC = 1;
    @Native public static final int H_PATHC = 2;
    @Native public static final int H_HAS_DIR = 3;
    @Native public static final int H_FLAGS = 4;
    @Native public static final int H_UID = 5;
    @Native public static final int H_GID = 6;
    @Native public static final int H_SIZE = 7;

    // H_FLAGS bits.
    @Native public static final int FLAG_NEW_SESSION = 1;
    @Native public static final int FLAG_NONBLOCKING = 2;
    @Native public static final int FLAG_SET_UID = 4;
    @Native public static final int FLAG_SET_GID = 8;
    @Native public static final int FLAG_SET_GROUPS = 16;

    // One fd-map entry: child fd, kind, argument (the parent fd for FD_INHERIT).
    @Native public static final int FD_ENTRY_SIZE = 3;
    @Native public static final int FD_INHERIT = 0;
    @Native public static final int FD_PARENT_READS = 1;
    @Native public static final int FD_PARENT_WRITES = 2;

    // The result.
    @Native public static final int R_STEP = 0;
    @Native public static final int R_ERRNO = 1;
    @Native public static final int R_DETAIL = 2;
    @Native public static final int R_PID = 3;
    @Native public static final int R_PIDFD = 4;
    @Native public static final int R_ENDS = 5;

    // Mechanisms.
    @Native public static final int MECH_AUTO = 0;
    @Native public static final int MECH_CLONE_VM = 1;
    @Native public static final int MECH_FORK = 2;

    // Steps (see Step).
    @Native public static final int STEP_NONE = 0;
    @Native public static final int STEP_PIPE = 1;
    @Native public static final int STEP_CLONE = 2;
    @Native public static final int STEP_SETSID = 3;
    @Native public static final int STEP_SETGROUPS = 4;
    @Native public static final int STEP_SETGID = 5;
    @Native public static final int STEP_SETUID = 6;
    @Native public static final int STEP_CHDIR = 7;
    @Native public static final int STEP_FD = 8;
    @Native public static final int STEP_EXEC = 9;
    @Native public static final int STEP_MEMORY = 10;

    /** The mechanism in force in this JVM. */
    public static final int MECHANISM;

    static {
        NativeLibrary.load();
        String forced = System.getProperty("forkexec.spawn", "auto");
        int wanted;
        switch (forced) {
            case "auto": wanted = MECH_AUTO; break;
            case "clone-vm": wanted = MECH_CLONE_VM; break;
            case "fork": wanted = MECH_FORK; break;
            default:
                throw new IllegalArgumentException(
                        "-Dforkexec.spawn=" + forced + " is not one of auto, clone-vm, fork");
        }
        MECHANISM = init(wanted);
    }

    private NativeSpawn() {}

    /** "clone-vm" or "fork". */
    public static String mechanismName(int mechanism) {
        return mechanism == MECH_CLONE_VM ? "clone-vm" : "fork";
    }

    /** MECH_CLONE_VM for "clone-vm", MECH_FORK for "fork". */
    public static int mechanism(String name) {
        return "fork".equals(name) ? MECH_FORK : MECH_CLONE_VM;
    }

    static native int init(int mechanism);

    /** Children started so far by one mechanism. */
    public static native long spawnCount(int mechanism);

    /** See the class comment; IllegalArgumentException for a malformed request. */
    static native int[] spawn(byte[] strings, int[] header, int[] fds, int[] groups);
}
