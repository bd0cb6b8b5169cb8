package dev.forkexec;

/**
 * The child has already been reaped, so it can no longer be signalled (Twisted's
 * {@code ProcessExitedAlready}). Its pid may belong to another process by now; forkexec never
 * signals it.
 */
public class ProcessExitedAlreadyException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * With a message naming the process.
     *
     * @param message names the process and what was attempted
     */
    public ProcessExitedAlreadyException(String message) {
        super(message);
    }
}
