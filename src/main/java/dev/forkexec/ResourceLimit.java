package dev.forkexec;

/**
 * A resource limit set in the child before it execs ({@link ProcessSpec.Builder#rlimit}), Linux's
 * {@code RLIMIT_*}. Each has a soft limit (what the kernel enforces) and a hard limit (the ceiling
 * the soft limit may be raised to without privilege); {@code Long.MAX_VALUE} means unlimited.
 * Lowering a limit needs no privilege; raising a hard limit needs {@code CAP_SYS_RESOURCE}, and the
 * limits are set before the child changes its uid, so a root JVM can raise them for an unprivileged
 * child.
 */
public enum ResourceLimit {
    /** {@code RLIMIT_AS}: the size of the address space, in bytes. */
    AS,
    /** {@code RLIMIT_CORE}: the largest core file, in bytes (0: no core dumps). */
    CORE,
    /** {@code RLIMIT_CPU}: CPU time, in seconds; SIGXCPU at the soft limit, SIGKILL at the hard one. */
    CPU,
    /** {@code RLIMIT_DATA}: the size of the data segment and heap, in bytes. */
    DATA,
    /** {@code RLIMIT_FSIZE}: the largest file the child may write, in bytes (SIGXFSZ beyond). */
    FSIZE,
    /** {@code RLIMIT_MEMLOCK}: memory that may be locked into RAM, in bytes. */
    MEMLOCK,
    /** {@code RLIMIT_NOFILE}: one more than the highest fd number the child may open. */
    NOFILE,
    /** {@code RLIMIT_NPROC}: processes (threads) of the child's real user id. */
    NPROC,
    /** {@code RLIMIT_STACK}: the size of the main thread's stack, in bytes. */
    STACK;

    /** The value for "no limit" ({@code RLIM_INFINITY}). */
    public static final long UNLIMITED = Long.MAX_VALUE;

    /**
     * One limit's soft and hard values, as a spec holds them ({@link ProcessSpec#rlimits()}).
     *
     * @param soft what the kernel enforces; {@link #UNLIMITED} for none
     * @param hard the ceiling; {@link #UNLIMITED} for none
     */
    public record Setting(long soft, long hard) {
        @Override
        public String toString() {
            return text(soft) + ":" + text(hard);
        }

        private static String text(long v) {
            return v == UNLIMITED ? "unlimited" : Long.toString(v);
        }
    }
}
