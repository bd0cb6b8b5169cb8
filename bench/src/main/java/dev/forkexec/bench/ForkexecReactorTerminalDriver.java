package dev.forkexec.bench;

import dev.forkexec.ChildProcess;
import dev.forkexec.ExitStatus;
import dev.forkexec.ProcessProtocol;
import dev.forkexec.ProcessSpec;
import dev.forkexec.ProcessTransport;
import dev.forkexec.Producer;
import dev.forkexec.Reactor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** forkexec's Reactor: every terminal on its one thread; the caller only waits for futures. */
final class ForkexecReactorTerminalDriver implements TerminalDriver {
    private final Reactor reactor = Reactor.create();
    private final ProcessSpec trueSpec = ProcessSpec.command("/bin/true").usePTY(80, 24).build();
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);

    @Override
    public long spawnTrue() throws Exception {
        long t0 = System.nanoTime();
        ExitStatus s = reactor.spawnProcess(new ProcessProtocol() { }, trueSpec).onExit().get(60, TimeUnit.SECONDS);
        long t = System.nanoTime() - t0;
        TerminalDriver.checkExit(s.exitCode(), "/bin/true");
        return t;
    }

    @Override
    public long read(long bytes) throws Exception {
        ProcessSpec spec = ProcessSpec.command("head", "-c", Long.toString(bytes), "/dev/zero").usePTY(80, 24)
                .terminalRaw(true).build();
        long[] got = new long[1];
        long t0 = System.nanoTime();
        ExitStatus s = reactor.spawnProcess(new ProcessProtocol() {
            @Override
            public void outReceived(ByteBuffer data) {
                got[0] += data.remaining();
            }
        }, spec).onExit().get(120, TimeUnit.SECONDS);
        long t = System.nanoTime() - t0;
        TerminalDriver.checkExit(s.exitCode(), "head");
        TerminalDriver.checkBytes(got[0], bytes, "head -c on a terminal");
        return t;
    }

    @Override
    public long write(long bytes) throws Exception {
        ProcessSpec spec = ProcessSpec.command("sh", "-c", SINK, "sink", Long.toString(bytes)).usePTY(80, 24)
                .terminalRaw(true).build();
        CompletableFuture<Long> done = new CompletableFuture<>();
        ExitStatus s = reactor.spawnProcess(new ProcessProtocol() {
            private final StringBuilder seen = new StringBuilder();
            private ProcessTransport transport;
            private long t0;
            private long sent;

            @Override
            public void connectionMade(ProcessTransport t) {
                transport = t;
            }

            @Override
            public void outReceived(ByteBuffer data) {
                seen.append(StandardCharsets.US_ASCII.decode(data));
                if (t0 == 0 && seen.indexOf("READY") >= 0) {
                    t0 = System.nanoTime();
                    // A pull producer: one chunk each time the queue has drained into the terminal.
                    transport.registerProducer(new Producer() {
                        @Override
                        public void resumeProducing() {
                            if (sent == bytes) {
                                transport.unregisterProducer();
                                return;
                            }
                            int n = (int) Math.min(CHUNK, bytes - sent);
                            sent += n;
                            transport.write(chunk.clear().limit(n));
                        }

                        @Override
                        public void pauseProducing() {}

                        @Override
                        public void stopProducing() {}
                    }, false);
                }
                if (t0 != 0 && !done.isDone() && seen.indexOf("DONE") >= 0) done.complete(System.nanoTime() - t0);
            }
        }, spec).onExit().get(120, TimeUnit.SECONDS);
        TerminalDriver.checkExit(s.exitCode(), "the sink");
        if (!done.isDone()) throw new IllegalStateException("the sink never said DONE");
        return done.get();
    }

    @Override
    public long threadsWith(int n) throws Exception {
        try (Reactor own = Reactor.create()) {
            List<ChildProcess> cats = new ArrayList<>();
            ProcessSpec cat = ProcessSpec.command("cat").usePTY(80, 24).build();
            for (int i = 0; i < n; i++) cats.add(own.spawnProcess(new ProcessProtocol() { }, cat));
            long threads = ProcSelf.status("Threads");
            for (ChildProcess c : cats) c.closeStdin(); // VEOF: each cat ends
            for (ChildProcess c : cats) {
                ExitStatus s = c.onExit().get(60, TimeUnit.SECONDS);
                if (!s.isSuccess()) throw new IllegalStateException("cat (pid " + c.pid() + ") ended with " + s);
            }
            return threads;
        }
    }

    @Override
    public void close() {
        reactor.close();
    }
}
