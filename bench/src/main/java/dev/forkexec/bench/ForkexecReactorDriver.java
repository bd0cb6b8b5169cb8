package dev.forkexec.bench;

import dev.forkexec.ChildFD;
import dev.forkexec.ExitStatus;
import dev.forkexec.ProcessProtocol;
import dev.forkexec.ProcessSpec;
import dev.forkexec.ProcessTransport;
import dev.forkexec.Producer;
import dev.forkexec.Reactor;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/** forkexec's reactor API: one Reactor (one epoll thread) for the whole JVM, protocols as in Twisted. */
final class ForkexecReactorDriver implements Driver {
    private static final ProcessProtocol NOTHING = new ProcessProtocol() {};

    private final Reactor reactor = Reactor.create();
    private final ProcessSpec trueNoFds = ProcessSpec.command("/bin/true").childFDs(Map.of()).build();
    private final ProcessSpec truePipes = ProcessSpec.command("/bin/true").build();
    private final ProcessSpec cat = ProcessSpec.command("cat").build();
    /** Zeros for scenario 5b, written without a copy (direct). */
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);

    private static final ProcessProtocol CLOSE_STDIN = new ProcessProtocol() {
        @Override
        public void connectionMade(ProcessTransport t) {
            t.closeStdin();
        }
    };

    @Override
    public void spawnTrue() throws Exception {
        ExitStatus s = Driver.await(reactor.spawnProcess(NOTHING, trueNoFds).onExit(), "/bin/true");
        Driver.checkExit(s.exitCode(), "/bin/true");
    }

    @Override
    public void spawnPipes() throws Exception {
        ExitStatus s = Driver.await(reactor.spawnProcess(CLOSE_STDIN, truePipes).onExit(), "/bin/true"); // reads to EOF
        Driver.checkExit(s.exitCode(), "/bin/true");
    }

    /** Collects the stamp; notes the time in processEnded. */
    private static final class Stamp implements ProcessProtocol {
        final StringBuilder text = new StringBuilder();
        long ended;

        @Override
        public void outReceived(ByteBuffer data) {
            text.append(Driver.ascii(data));
        }

        @Override
        public void processEnded(ExitStatus status) {
            ended = System.nanoTime();
        }
    }

    private ProcessSpec stampSpec;

    @Override
    public long exitLatency(String stamp) throws Exception {
        if (stampSpec == null) stampSpec = ProcessSpec.command(stamp).childFDs(Map.of(1, ChildFD.parentReads())).build();
        Stamp p = new Stamp();
        ExitStatus s = Driver.await(reactor.spawnProcess(p, stampSpec).onExit(), "stamp"); // after processEnded
        Driver.checkExit(s.exitCode(), "stamp");
        return p.ended - Driver.parseStamp(p.text);
    }

    @Override
    public long readFromChild(long bytes) throws Exception {
        ProcessSpec spec = ProcessSpec.command("head", "-c", Long.toString(bytes), "/dev/zero")
                .childFDs(Map.of(1, ChildFD.parentReads())).build();
        long[] got = new long[1];
        ProcessProtocol count = new ProcessProtocol() {
            @Override
            public void outReceived(ByteBuffer data) {
                got[0] += data.remaining();
            }
        };
        long t0 = System.nanoTime();
        ExitStatus s = Driver.await(reactor.spawnProcess(count, spec).onExit(), "head");
        long t = System.nanoTime() - t0;
        Driver.checkExit(s.exitCode(), "head");
        Driver.checkBytes(got[0], bytes, "head -c");
        return t;
    }

    /** A streaming producer (Twisted style): writes until paused, resumes when drained. */
    private final class Feeder implements ProcessProtocol, Producer {
        private long left;
        private boolean paused;
        private ProcessTransport transport;

        Feeder(long bytes) {
            this.left = bytes;
        }

        @Override
        public void connectionMade(ProcessTransport t) {
            transport = t;
            t.registerProducer(this, true);
            resumeProducing();
        }

        @Override
        public synchronized void resumeProducing() {
            paused = false;
            while (!paused && left > 0) {
                int n = (int) Math.min(left, CHUNK);
                left -= n;
                transport.write(zeros.duplicate().limit(n)); // may call pauseProducing() in here
            }
            if (left == 0) {
                left = -1;
                transport.unregisterProducer();
                transport.closeStdin();
            }
        }

        @Override
        public synchronized void pauseProducing() {
            paused = true;
        }

        @Override
        public synchronized void stopProducing() {
            if (left > 0) left = -2; // the child went away early: the byte check fails below
        }
    }

    @Override
    public long writeToChild(long bytes, String sink) throws Exception {
        ProcessSpec spec = ProcessSpec.command(sink).childFDs(Map.of(0, ChildFD.parentWrites())).build();
        Feeder feeder = new Feeder(bytes);
        long t0 = System.nanoTime();
        ExitStatus s = Driver.await(reactor.spawnProcess(feeder, spec).onExit(), "sink");
        long t = System.nanoTime() - t0;
        Driver.checkExit(s.exitCode(), "sink");
        Driver.check(feeder.left == -1, "the sink stopped reading early");
        return t;
    }

    /** Scenario 6: a pull producer feeds 64 KiB slices of the shared data; output is counted. */
    private static final class Echo implements ProcessProtocol, Producer {
        private final ByteBuffer data;
        private final Semaphore slots;
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure;
        private ProcessTransport transport;
        private int sent;
        private long got;
        private boolean closed;

        Echo(ByteBuffer data, Semaphore slots, CountDownLatch done, AtomicReference<Throwable> failure) {
            this.data = data;
            this.slots = slots;
            this.done = done;
            this.failure = failure;
        }

        @Override
        public void connectionMade(ProcessTransport t) {
            transport = t;
            t.registerProducer(this, false); // resumeProducing() whenever the queue is empty
        }

        @Override
        public synchronized void resumeProducing() {
            int len = data.limit();
            if (sent < len) {
                int n = Math.min(CHUNK, len - sent);
                transport.write(data.duplicate().position(sent).limit(sent + n));
                sent += n;
            } else if (!closed) {
                closed = true;
                transport.unregisterProducer();
                transport.closeStdin();
            }
        }

        @Override
        public void pauseProducing() {}

        @Override
        public void stopProducing() {}

        @Override
        public void outReceived(ByteBuffer d) {
            got += d.remaining();
        }

        @Override
        public void processEnded(ExitStatus status) {
            if (status.exitCode() != 0 || got != data.limit()) {
                failure.compareAndSet(null, new IllegalStateException("cat " + status + " echoed " + got + " bytes"));
            }
            slots.release();
            done.countDown();
        }
    }

    @Override
    public void fanout(int children, int concurrency, byte[] bytes) throws Exception {
        ByteBuffer data = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip().asReadOnlyBuffer();
        Semaphore slots = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(children);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < children; i++) {
            slots.acquire();
            reactor.spawnProcess(new Echo(data, slots, done, failure), cat);
        }
        Driver.await(done, "fan-out");
        if (failure.get() != null) throw new IllegalStateException(failure.get());
    }

    @Override
    public void close() {
        reactor.close();
    }

    static List<String> threadPrefixes() {
        return List.of("forkexec");
    }
}
