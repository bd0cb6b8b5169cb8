package dev.forkexec;

import dev.forkexec.internal.Signals;
import dev.forkexec.internal.WaitCodes;
import java.util.Optional;

/**
 * How a child ended: an exit code, or the signal that killed it (and whether it dumped core), with
 * what it used ({@link #resourceUsage()}) when the library reaped it itself. Immutable; two statuses
 * are equal when their exit code, signal and core flag are (the usage is not compared).
 *
 * <p><b>Unknown statuses.</b> When something else in the JVM reaps children (SIGCHLD set to
 * {@code SIG_IGN} or {@code SA_NOCLDWAIT}, so the kernel reaps them itself; or a native library calling
 * {@code waitpid(-1)}), the library still learns the real status from the child's pidfd where the
 * kernel keeps it (Linux 6.15 and later). On older kernels it cannot: the status is then
 * {@link #unknown()} — {@link #isKnown()} is false, {@link #exitCode()} and {@link #signal()} are
 * {@code -1}, and {@link #toString()} says so. The library logs the cause and its fix once.
 */
public final class ExitStatus {
    private static final ExitStatus UNKNOWN = new ExitStatus(-1, -1, false, null);

    private final int exitCode;
    private final int signal;
    private final boolean coreDumped;
    private final ResourceUsage usage;

    private ExitStatus(int exitCode, int signal, boolean coreDumped, ResourceUsage usage) {
        this.exitCode = exitCode;
        this.signal = signal;
        this.coreDumped = coreDumped;
        this.usage = usage;
    }

    /**
     * A child that called exit(code); code is taken modulo 256 as the kernel does.
     *
     * @param code the exit code
     * @return the status
     */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code & 0xff, 0, false, null);
    }

    /**
     * A child ended by a signal.
     *
     * @param signal the signal number, positive
     * @param coreDumped whether the child dumped core
     * @return the status
     */
    public static ExitStatus killed(int signal, boolean coreDumped) {
        if (signal <= 0) throw new IllegalArgumentException("signal must be positive, was " + signal);
        return new ExitStatus(-1, signal, coreDumped, null);
    }

    /**
     * {@return the status of a child whose status was lost} It was reaped outside the library on a
     * kernel older than 6.15 (see the class comment).
     */
    public static ExitStatus unknown() {
        return UNKNOWN;
    }

    /** Decodes {@code (si_code << 8) | si_status} as the native layer reports it. */
    static ExitStatus fromWaitid(int encoded, ResourceUsage usage) {
        int code = WaitCodes.code(encoded);
        int status = WaitCodes.status(encoded);
        switch (code) {
            case WaitCodes.CLD_EXITED: return new ExitStatus(status, 0, false, usage);
            case WaitCodes.CLD_KILLED: return new ExitStatus(-1, status, false, usage);
            case WaitCodes.CLD_DUMPED: return new ExitStatus(-1, status, true, usage);
            default: throw new IllegalStateException("waitid reported si_code " + code + " for an exited child");
        }
    }

    /**
     * The exit code.
     *
     * @return 0..255 when the child exited; -1 when a signal ended it or the status is unknown
     */
    public int exitCode() {
        return exitCode;
    }

    /**
     * The signal that ended the child.
     *
     * @return the signal number; 0 when the child exited; -1 when the status is unknown
     */
    public int signal() {
        return signal;
    }

    /**
     * Whether the child dumped core.
     *
     * @return true when the signal made the child dump core
     */
    public boolean coreDumped() {
        return coreDumped;
    }

    /**
     * Whether the child exited with code 0.
     *
     * @return {@code exitCode() == 0}
     */
    public boolean isSuccess() {
        return exitCode == 0;
    }

    /**
     * {@return false only for {@link #unknown()}: the child ended, but how was lost (see the class
     * comment)}
     */
    public boolean isKnown() {
        return this != UNKNOWN;
    }

    /**
     * What the child used (CPU times, peak memory, ...), from the wait that reaped it; empty when
     * the library did not reap it itself (see the class comment) or for statuses made with
     * {@link #exited} and {@link #killed}.
     *
     * @return the child's resource usage, or empty
     */
    public Optional<ResourceUsage> resourceUsage() {
        return Optional.ofNullable(usage);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ExitStatus)) return false;
        ExitStatus e = (ExitStatus) o;
        return e.exitCode == exitCode && e.signal == signal && e.coreDumped == coreDumped;
    }

    @Override
    public int hashCode() {
        return (exitCode * 31 + signal) * 2 + (coreDumped ? 1 : 0);
    }

    /**
     * {@code "exit 0"}, {@code "signal 9 (SIGKILL)"} with {@code ", core dumped"} when it did, or
     * {@code "status unknown (reaped outside forkexec)"}.
     */
    @Override
    public String toString() {
        if (!isKnown()) return "status unknown (reaped outside forkexec)";
        if (signal == 0) return "exit " + exitCode;
        return "signal " + signal + " (" + Signals.name(signal) + ")" + (coreDumped ? ", core dumped" : "");
    }
}
