package dev.forkexec;

import java.io.IOException;

/**
 * An {@link Expect} call ended without a match: the timeout passed, or the terminal reached its end
 * of file (pexpect's {@code TIMEOUT} and {@code EOF}). {@link #before()} holds what had arrived and
 * was not matched; after a timeout it also stays in the Expect's buffer, so a later call can still
 * match it, while after end of file the buffer is left empty (pexpect does the same).
 */
public final class ExpectException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why no pattern matched. */
    public enum Reason {
        /** The time given to the call passed first. */
        TIMEOUT,
        /** The terminal reached its end of file (every slave side closed) first. */
        EOF
    }

    /** Why no pattern matched, as {@link #reason()} returns it. */
    private final Reason reason;
    /** What arrived unmatched, as {@link #before()} returns it. */
    private final String before;

    ExpectException(Reason reason, String before, String message) {
        super(message);
        this.reason = reason;
        this.before = before;
    }

    /** {@return whether the timeout or the end of file ended the wait} */
    public Reason reason() {
        return reason;
    }

    /** {@return whether the timeout passed} */
    public boolean isTimeout() {
        return reason == Reason.TIMEOUT;
    }

    /** {@return whether the terminal reached its end of file} */
    public boolean isEof() {
        return reason == Reason.EOF;
    }

    /** {@return everything that arrived since the last match and matched nothing (pexpect's {@code before})} */
    public String before() {
        return before;
    }
}
