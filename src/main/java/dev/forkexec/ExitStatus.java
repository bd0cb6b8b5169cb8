package dev.forkexec;

import dev.forkexec.internal.Signals;
import dev.forkexec.internal.WaitCodes;

/**
 * How a child ended: an exit code, or the signal that killed it (and whether it dumped core).
 * Immutable; compares by content.
 */
public final class ExitStatus {
    private final int exitCode;
    private final int signal;
    private final boolean coreDumped;

    private ExitStatus(int exitCode, int signal, boolean coreDumped) {
        this.exitCode = exitCode;
        this.signal = signal;
        this.coreDumped = coreDumped;
    }

    /**
     * A child that called exit(code); code is taken modulo 256 as the kernel does.
     *
     * @param code the exit code
     * @return the status
     */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code & 0xff, 0, false);
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
        return new ExitStatus(-1, signal, coreDumped);
    }

    /** Decodes {@code (si_code << 8) | si_status} as the native layer reports it. */
    static ExitStatus fromWaitid(int encoded) {
        int code = WaitCodes.code(encoded);
        int status = WaitCodes.status(encoded);
        switch (code) {
            case WaitCodes.CLD_EXITED: return exited(status);
            case WaitCodes.CLD_KILLED: return killed(status, false);
            case WaitCodes.CLD_DUMPED: return killed(status, true);
            default: throw new IllegalStateException("waitid reported si_code " + code + " for an exited child");
        }
    }

    /**
     * The exit code.
     *
     * @return 0..255 when the child exited; -1 when a signal ended it
     */
    public int exitCode() {
        return exitCode;
    }

    /**
     * The signal that ended the child.
     *
     * @return the signal number; 0 when the child exited
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

    /** {@code "exit 0"}, or {@code "signal 9 (SIGKILL)"} with {@code ", core dumped"} when it did. */
    @Override
    public String toString() {
        if (signal == 0) return "exit " + exitCode;
        return "signal " + signal + " (" + Signals.name(signal) + ")" + (coreDumped ? ", core dumped" : "");
    }
}
