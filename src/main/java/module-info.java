/**
 * forkexec: start Linux child processes from the JVM with an exact fd map, credentials, session
 * and directory, and run any number of them on one epoll thread (Twisted's {@code spawnProcess}
 * and {@code Process}). The API is the package {@link dev.forkexec}; everything else is internal.
 */
module dev.forkexec {
    exports dev.forkexec;
}
