package dev.forkexec.runner;

/**
 * Bad input or an environment problem that stops the runner before (or instead of) running jobs: an
 * unknown option, {@code -j 0}, a missing {@code ::::} file, an unreadable joblog. {@link Main} prints
 * the message as one line and exits with status 255.
 */
final class RunnerException extends Exception {
    private static final long serialVersionUID = 1L;

    RunnerException(String message) {
        super(message);
    }

    RunnerException(String message, Throwable cause) {
        super(message, cause);
    }
}
