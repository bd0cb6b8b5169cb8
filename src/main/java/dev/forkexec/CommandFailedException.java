package dev.forkexec;

import java.io.IOException;
import java.util.Objects;

/**
 * A {@link Command} failed: it exited with a non-zero code, a signal killed it, or its timeout
 * expired. Thrown by {@link CommandResult#orThrow()}. The message is what a log needs, e.g.
 *
 * <pre>
 * command failed: sh -c 'ls /nope; exit 3': exit 3
 * stderr:
 *   ls: cannot access '/nope': No such file or directory
 * </pre>
 *
 * <p>the command quoted so that it can be pasted into a POSIX shell, how it ended ({@code exit 3},
 * {@code killed by SIGKILL}, {@code timed out after 5 s (killed by SIGTERM)}), and the last lines of
 * its stderr (at most 10). {@link #result()} holds everything else.
 */
public class CommandFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Not serialized: a result holds the whole output. */
    private final transient CommandResult result;

    /**
     * A failure of the command that produced {@code result}; the message is built from it.
     *
     * @param result what the failed command did, not null
     */
    public CommandFailedException(CommandResult result) {
        super(message(Objects.requireNonNull(result, "result")));
        this.result = result;
    }

    /** {@return what the command did: its output, exit status and timing (null only after deserialization)} */
    public CommandResult result() {
        return result;
    }

    private static String message(CommandResult r) {
        String tail = r.tail();
        return "command failed: " + CommandResult.shellQuote(r.command()) + ": " + r.ending()
                + (tail.isEmpty() ? "" : "\n" + tail);
    }
}
