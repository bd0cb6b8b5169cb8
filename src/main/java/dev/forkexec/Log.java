package dev.forkexec;

/**
 * The library's logger ({@code dev.forkexec}, through {@link System.Logger}), created on first use:
 * finding the logging backend costs a fresh JVM tens of milliseconds, which a spawn that logs
 * nothing should not pay at startup.
 */
final class Log {
    private Log() {}

    private static final class Holder {
        static final System.Logger LOGGER = System.getLogger("dev.forkexec");
    }

    static System.Logger logger() {
        return Holder.LOGGER;
    }
}
