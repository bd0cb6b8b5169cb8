package dev.forkexec;

import java.io.IOException;

/**
 * A child could not be started. {@link #step()} names what failed (for example {@code "exec"},
 * {@code "chdir"}, {@code "setuid"}, {@code "fd"}) and {@link #errno()} why; the message reads like
 * {@code exec /no/such: No such file or directory (ENOENT)}. When this is thrown the child, if one
 * was created, has already been reaped and every fd made for it closed.
 */
public class SpawnException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What failed, as {@link #step()} returns it. */
    private final String step;
    /** Why, as {@link #errno()} returns it. */
    private final int errno;

    /**
     * A failure of {@code step} with {@code errno}; {@code message} should name both.
     *
     * @param step what failed, one of the names {@link #step()} lists
     * @param errno the error number the step reported
     * @param message the whole message, e.g. {@code exec /no/such: No such file or directory (ENOENT)}
     */
    public SpawnException(String step, int errno, String message) {
        super(message);
        this.step = step;
        this.errno = errno;
    }

    /**
     * One of "exec", "chdir", "setgroups", "setgid", "setuid", "setsid", "fd", "clone", "pipe",
     * "open", "setpgid", "rlimit", "nice", "pdeathsig", "cgroup", "nonewprivs", "pty" (the
     * pseudo-terminal of {@code usePTY}: opening, unlocking or setting it up, or taking it as the
     * controlling terminal), or "memory" (the parent could not allocate what the child needs).
     *
     * @return the name of the step that failed
     */
    public String step() {
        return step;
    }

    /**
     * The errno the failing step reported, e.g. 2 for ENOENT.
     *
     * @return the error number
     */
    public int errno() {
        return errno;
    }
}
