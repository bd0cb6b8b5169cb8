package dev.forkexec.bench;

import dev.forkexec.ExitStatus;
import dev.forkexec.ProcessProtocol;
import dev.forkexec.ProcessSpec;
import dev.forkexec.ProcessTransport;
import dev.forkexec.Reactor;
import dev.forkexec.SpawnException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Scenarios 1 and 2 the way a Twisted program spawns one child after another: the next spawn
 * happens in the previous child's {@code processEnded}, on the reactor thread, so no other thread
 * is woken per child. Against {@link ForkexecReactorDriver} (a foreign thread spawns and blocks on
 * {@code onExit()}), the difference is the cost of the two thread hand-offs per child.
 */
final class ForkexecChainDriver implements Driver {
    private final Reactor reactor = Reactor.create();
    private final ProcessSpec trueNoFds = ProcessSpec.command("/bin/true").childFDs(Map.of()).build();
    private final ProcessSpec truePipes = ProcessSpec.command("/bin/true").build();

    /** One protocol object runs the whole chain; callbacks of one reactor never overlap. */
    private final class Chain implements ProcessProtocol {
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        final ProcessSpec spec;
        final boolean closeStdin;
        final int n;
        final int min;
        final long deadline;
        int count;

        Chain(ProcessSpec spec, boolean closeStdin, int n, int min, long budgetNanos) {
            this.spec = spec;
            this.closeStdin = closeStdin;
            this.n = n;
            this.min = min;
            this.deadline = System.nanoTime() + budgetNanos;
        }

        @Override
        public void connectionMade(ProcessTransport t) {
            if (closeStdin) t.closeStdin();
        }

        @Override
        public void processEnded(ExitStatus status) {
            if (!status.isSuccess()) {
                done.completeExceptionally(new IllegalStateException("/bin/true " + status));
                return;
            }
            count++;
            if (count < n && (count < min || System.nanoTime() < deadline)) {
                try {
                    reactor.spawnProcess(this, spec);
                } catch (SpawnException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            } else {
                done.complete(count);
            }
        }
    }

    @Override
    public long spawnBatch(boolean pipes, int n, int min, long budgetNanos) throws Exception {
        Chain chain = new Chain(pipes ? truePipes : trueNoFds, pipes, n, min, budgetNanos);
        long t0 = System.nanoTime();
        reactor.spawnProcess(chain, chain.spec);
        int count = Driver.await(chain.done, "a chain of /bin/true");
        return (System.nanoTime() - t0) / count;
    }

    @Override
    public void spawnTrue() throws Exception {
        spawnBatch(false, 1, 1, 0);
    }

    @Override
    public void spawnPipes() throws Exception {
        spawnBatch(true, 1, 1, 0);
    }

    private static UnsupportedOperationException elsewhere() {
        return new UnsupportedOperationException("the chained driver runs scenarios 1 and 2 only");
    }

    @Override
    public long exitLatency(String stamp) {
        throw elsewhere();
    }

    @Override
    public long readFromChild(long bytes) {
        throw elsewhere();
    }

    @Override
    public long writeToChild(long bytes, String sink) {
        throw elsewhere();
    }

    @Override
    public void fanout(int children, int concurrency, byte[] data) {
        throw elsewhere();
    }

    @Override
    public void close() {
        reactor.close();
    }
}
