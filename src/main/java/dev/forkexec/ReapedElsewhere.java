package dev.forkexec;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Says once per JVM, in the log, that children are being reaped outside the library and what to do
 * about it: their statuses then come from their pidfds (Linux 6.15+) or are lost, and their resource
 * usage is lost either way.
 */
final class ReapedElsewhere {
    private static final System.Logger LOG = System.getLogger("dev.forkexec");
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private ReapedElsewhere() {}

    static void report(long pid, boolean sigchldIgnored, boolean statusKnown) {
        if (!SAID.compareAndSet(false, true)) return;
        String what = statusKnown ? "its exit status came from its pidfd, but its resource usage is lost"
                : "its exit status is lost (this kernel keeps none in the pidfd; Linux 6.15 does) and is reported"
                        + " as ExitStatus.unknown()";
        if (sigchldIgnored) {
            LOG.log(Level.WARNING, "forkexec: child " + pid + " was reaped by the kernel, not by forkexec, because"
                    + " SIGCHLD is ignored in this JVM (SIG_IGN or SA_NOCLDWAIT): " + what + ". Fix: stop ignoring"
                    + " SIGCHLD (remove Signal.handle(new Signal(\"CHLD\"), SignalHandler.SIG_IGN) or the native"
                    + " code that sets it; SIG_IGN is also inherited from the JVM's parent across exec)."
                    + " Said once per JVM.");
        } else {
            LOG.log(Level.WARNING, "forkexec: child " + pid + " was reaped by something else in this JVM"
                    + " (a waitpid(-1) or wait() in native code): " + what + ". Fix: reap only your own children"
                    + " (waitpid with their pid). Said once per JVM.");
        }
    }
}
