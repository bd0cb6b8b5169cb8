package dev.forkexec.bench;

import dev.forkexec.ChildFD;
import dev.forkexec.Command;
import dev.forkexec.CommandResult;
import dev.forkexec.ProcessSpec;
import dev.forkexec.Subprocess;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * forkexec's {@code Command} ("fe-command": {@code Command.of(...).run()}, and for the fan-out
 * {@code start()} on the shared reactor), or the same work done by hand with {@code Subprocess}
 * ("fe-subprocess-cmdfds": the fd map {@code Command} uses, stdin /dev/null and stdout/stderr pipes
 * read to end-of-file on the calling thread, the child leading its own process group).
 */
final class ForkexecCommandDriver implements Driver {
    private final boolean viaSubprocess;
    private final ProcessSpec trueLikeCommand = ProcessSpec.command("/bin/true").childFD(0, ChildFD.devNull())
            .processGroup(0).build();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);

    ForkexecCommandDriver(boolean viaSubprocess) {
        this.viaSubprocess = viaSubprocess;
    }

    /** Scenario 8: run /bin/true and collect what it did. */
    @Override
    public void spawnTrue() throws Exception {
        if (viaSubprocess) {
            try (Subprocess p = Subprocess.start(trueLikeCommand)) {
                Driver.drain(p.channel(1), buf);
                Driver.drain(p.channel(2), buf);
                Driver.checkExit(p.waitFor().exitCode(), "/bin/true");
            }
        } else {
            Driver.checkExit(Command.of("/bin/true").run().exitStatus().exitCode(), "/bin/true");
        }
    }

    @Override
    public void spawnPipes() throws Exception {
        spawnTrue(); // a Command always has its stdout and stderr pipes
    }

    @Override
    public long exitLatency(String stamp) throws Exception {
        if (viaSubprocess) throw new UnsupportedOperationException("see the Subprocess row");
        CommandResult r = Command.of(stamp).run();
        long ended = System.nanoTime();
        Driver.checkExit(r.exitStatus().exitCode(), "stamp");
        return ended - Driver.parseStamp(r.stdoutText());
    }

    @Override
    public long readFromChild(long bytes) {
        throw new UnsupportedOperationException("not measured: Command captures into memory");
    }

    @Override
    public long writeToChild(long bytes, String sink) {
        throw new UnsupportedOperationException("not measured: Command takes its input whole");
    }

    /**
     * Scenario 9: {@code children} commands of {@code cat}, each fed {@code data} and capturing what it
     * echoes, at most {@code concurrency} running at once, all from this one thread: no thread per
     * child, the shared reactor does every read and write.
     */
    @Override
    public void fanout(int children, int concurrency, byte[] data) throws Exception {
        if (viaSubprocess) throw new UnsupportedOperationException("not applicable: blocking API");
        Semaphore slots = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(children);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ByteBuffer expected = ByteBuffer.wrap(data);
        for (int i = 0; i < children; i++) {
            slots.acquire();
            // Nothing keeps the result once it was checked: as a caller that consumes each result would.
            Command.of("cat").input(data).start().whenComplete((r, t) -> {
                try {
                    if (t != null) {
                        failure.compareAndSet(null, t);
                    } else if (!r.exitStatus().isSuccess() || !expected.equals(r.stdoutBuffer())) {
                        failure.compareAndSet(null, new IllegalStateException("cat " + r.exitStatus() + ", echoed "
                                + r.stdoutBuffer().remaining() + " bytes"));
                    }
                } finally {
                    slots.release();
                    done.countDown();
                }
            });
        }
        Driver.await(done, "fan-out");
        if (failure.get() != null) throw new IllegalStateException(failure.get());
    }
}
