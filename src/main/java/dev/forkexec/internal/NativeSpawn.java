package dev.forkexec.internal;

import java.lang.annotation.Native;

/**
 * Mirrors {@code spawn_jni.c}: starts children. Loading this class loads the library and chooses
 * the spawn mechanism ({@code -Dforkexec.spawn=auto|clone-vm|fork}).
 *
 * <p>The protocol: {@link #spawn} takes the strings (argv, envp, exec candidates, then the
 * directory and the cgroup when their flags say so, then each file entry's path; each
 * NUL-terminated), a header of {@link #H_SIZE} ints indexed by the {@code H_*} constants, the fd
 * map as {@link #FD_ENTRY_SIZE} ints per entry (child fd, kind, argument), the supplementary groups,
 * and the resource limits as {@link #LIMIT_ENTRY_SIZE} longs each. It returns {@link #R_ENDS} + one
 * int per map entry, indexed by the {@code R_*} constants. Every constant here is checked against
 * its C counterpart by {@code _Static_assert} in spawn_jni.c.
 */
public final class NativeSpawn {
    // The request header.
    @Native public static final int H_ARGC = 0;
    @Native public static final int H_ENVC = 1;
    @Native public static final int H_PATHC = 2;
    @Native public static final int H_FLAGS = 3;
    @Native public static final int H_UID = 4;
    @Native public static final int H_GID = 5;
    @Native public static final int H_PGID = 6;
    @Native public static final int H_NICE = 7;
    @Native public static final int H_UMASK = 8;
    @Native public static final int H_PDEATHSIG = 9;
    /** The terminal's size and mode, read when the map has {@link #FD_PTY_SLAVE} entries. */
    @Native public static final int H_PTY_COLUMNS = 10;
    @Native public static final int H_PTY_ROWS = 11;
    @Native public static final int H_PTY_MODE = 12;
    @Native public static final int H_SIZE = 13;

    // H_PTY_MODE bits.
    @Native public static final int PTY_NO_ECHO = 1;
    @Native public static final int PTY_RAW = 2;

    // H_FLAGS bits.
    @Native public static final int FLAG_NEW_SESSION = 1;
    @Native public static final int FLAG_NONBLOCKING = 1 << 1;
    @Native public static final int FLAG_SET_UID = 1 << 2;
    @Native public static final int FLAG_SET_GID = 1 << 3;
    @Native public static final int FLAG_SET_GROUPS = 1 << 4;
    /** The strings hold the directory after the candidates. */
    @Native public static final int FLAG_HAS_DIR = 1 << 5;
    /** The strings hold the cgroup directory after the directory. */
    @Native public static final int FLAG_HAS_CGROUP = 1 << 6;
    @Native public static final int FLAG_SET_PGID = 1 << 7;
    @Native public static final int FLAG_SET_NICE = 1 << 8;
    @Native public static final int FLAG_SET_UMASK = 1 << 9;
    @Native public static final int FLAG_NO_NEW_PRIVS = 1 << 10;

    // One fd-map entry: child fd, kind, argument (the parent fd for FD_INHERIT, the entry index
    // for FD_SAME_AS). File kinds take their path from the strings, in entry order, after the cgroup.
    @Native public static final int FD_ENTRY_SIZE = 3;
    @Native public static final int FD_INHERIT = 0;
    @Native public static final int FD_PARENT_READS = 1;
    @Native public static final int FD_PARENT_WRITES = 2;
    @Native public static final int FD_READ_FROM = 3;
    @Native public static final int FD_WRITE_TO = 4;
    @Native public static final int FD_APPEND_TO = 5;
    @Native public static final int FD_DEV_NULL = 6;
    @Native public static final int FD_SAME_AS = 7;
    /** The slave of the spawn's one new pseudo-terminal; every such entry shares it. */
    @Native public static final int FD_PTY_SLAVE = 8;

    // One resource limit: the limit's code below, soft, hard (-1, all ones, is unlimited).
    @Native public static final int LIMIT_ENTRY_SIZE = 3;
    @Native public static final int LIMIT_AS = 0;
    @Native public static final int LIMIT_CORE = 1;
    @Native public static final int LIMIT_CPU = 2;
    @Native public static final int LIMIT_DATA = 3;
    @Native public static final int LIMIT_FSIZE = 4;
    @Native public static final int LIMIT_MEMLOCK = 5;
    @Native public static final int LIMIT_NOFILE = 6;
    @Native public static final int LIMIT_NPROC = 7;
    @Native public static final int LIMIT_STACK = 8;
    @Native public static final int LIMIT_COUNT = 9;

    // The result.
    @Native public static final int R_STEP = 0;
    @Native public static final int R_ERRNO = 1;
    @Native public static final int R_DETAIL = 2;
    @Native public static final int R_PID = 3;
    @Native public static final int R_PIDFD = 4;
    /** The terminal's master, or -1 when the map has no {@link #FD_PTY_SLAVE} entry. */
    @Native public static final int R_PTY_MASTER = 5;
    @Native public static final int R_ENDS = 6;

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
    @Native public static final int STEP_OPEN = 11;
    @Native public static final int STEP_SETPGID = 12;
    @Native public static final int STEP_RLIMIT = 13;
    @Native public static final int STEP_NICE = 14;
    @Native public static final int STEP_PDEATHSIG = 15;
    @Native public static final int STEP_CGROUP = 16;
    @Native public static final int STEP_NO_NEW_PRIVS = 17;
    @Native public static final int STEP_PTY = 18;

    // What a STEP_PTY failure's detail names.
    @Native public static final int PTY_OP_OPEN = 0;
    @Native public static final int PTY_OP_UNLOCK = 1;
    @Native public static final int PTY_OP_PEER = 2;
    @Native public static final int PTY_OP_WINSIZE = 3;
    @Native public static final int PTY_OP_TERMIOS = 4;
    @Native public static final int PTY_OP_CTTY = 5;

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
        // A diagnostics switch, like forkexec.spawn: false makes cgroup spawns use their fallback.
        MECHANISM = init(wanted, !"false".equals(System.getProperty("forkexec.clone3")));
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

    static native int init(int mechanism, boolean clone3);

    /** Children started so far by one mechanism. */
    public static native long spawnCount(int mechanism);

    /** See the class comment; IllegalArgumentException for a malformed request. */
    static native int[] spawn(byte[] strings, int[] header, int[] fds, int[] groups, long[] limits);
}
