package dev.forkexec;

import dev.forkexec.internal.Signals;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One run of a {@link Command} on a reactor (the shared one for {@code start()}, one on the calling
 * thread for {@code run()}): the protocol that captures stdout and stderr,
 * the pull producer that feeds stdin, and the timers (timeout, SIGKILL after the grace period, the
 * pipes' grace period after the exit). Everything but {@link #start} and {@link #kill} runs on the
 * reactor's thread.
 */
final class CommandRun implements ProcessProtocol, Producer {
    /** A Command's settings, frozen when it is run. */
    record Settings(List<String> argv, byte[] input, Duration timeout, Duration grace, boolean captureOut,
                    boolean captureErr, int captureLimit, Consumer<String> outLines, Consumer<String> errLines,
                    boolean errorMerged) {}

    private final Settings settings;
    private final Reactor reactor;
    private final long startNanos;
    private final CompletableFuture<CommandResult> result = new CompletableFuture<>();
    private final Capture out;
    private final Capture err;
    private final byte[] input;

    // Set in connectionMade, on the starting thread, before the reactor sees this child.
    private ChildProcess child;

    // Reactor thread only.
    private int inputOffset;
    private ExitStatus status;
    private boolean timedOut;
    private boolean finished;
    /** Timed out and ended, but members of the group outlived SIGTERM: the result waits for their SIGKILL. */
    private boolean finishAfterKill;
    private Reactor.DelayedCall timeoutCall;
    private Reactor.DelayedCall killCall;
    private Reactor.DelayedCall pipesCall;

    private CommandRun(Reactor reactor, Settings settings) {
        this.reactor = reactor;
        this.settings = settings;
        this.input = settings.input();
        this.out = settings.captureOut() ? new Capture(settings.captureLimit(), settings.outLines()) : null;
        this.err = settings.captureErr() ? new Capture(settings.captureLimit(), settings.errLines()) : null;
        this.startNanos = System.nanoTime();
    }

    /** Spawns the child (throwing what the spawn throws) and arms the timeout. */
    static CommandRun start(Reactor reactor, ProcessSpec spec, Settings settings) throws SpawnException {
        CommandRun run = new CommandRun(reactor, settings);
        reactor.spawnProcess(run, spec);
        return run;
    }

    CompletableFuture<CommandResult> result() {
        return result;
    }

    /** Any thread: SIGKILL to the command's process group (an interrupted run(), a cancelled future). */
    void kill() {
        reactor.callLater(Duration.ZERO, () -> {
            if (!finished) signalGroup(Signals.SIGKILL);
        });
    }

    // ------------------------------------------------------------ protocol

    @Override
    public void connectionMade(ProcessTransport transport) {
        child = (ChildProcess) transport;
        for (int fd : child.spec().childFDs().keySet()) {
            // Beyond 0-2 a parentWrites() pipe of Command.of(spec) gets end-of-file at once.
            if (fd > 2 && child.spec().childFDs().get(fd).kind() == ChildFD.Kind.PARENT_WRITES) child.closeChildFD(fd);
        }
        if (input != null) {
            if (input.length == 0) {
                child.closeStdin();
            } else {
                child.registerProducer(this, false);
            }
        }
        if (settings.timeout() != null) {
            Duration left = settings.timeout().minusNanos(System.nanoTime() - startNanos);
            timeoutCall = later(left.isNegative() ? Duration.ZERO : left, this::timedOut);
        }
    }

    @Override
    public void childDataReceived(int childFD, ByteBuffer data) {
        if (finished) return;
        if (childFD == 1 && out != null) {
            out.accept(data);
        } else if (childFD == 2 && err != null) {
            err.accept(data);
        }
    }

    @Override
    public void childConnectionLost(int childFD) {
        if (finished) return;
        if (childFD == 1 && out != null) out.endOfFile();
        if (childFD == 2 && err != null) err.endOfFile();
    }

    @Override
    public void processExited(ExitStatus exitStatus) {
        status = exitStatus;
        if (timeoutCall != null) timeoutCall.cancel();
        // Descendants holding the pipes get one grace period, then the pipes are closed (Go's WaitDelay).
        pipesCall = later(settings.grace(), this::pipesGraceOver);
    }

    @Override
    public void processEnded(ExitStatus exitStatus) {
        status = exitStatus;
        finish();
    }

    // ------------------------------------------------------------ stdin, as a pull producer

    @Override
    public void resumeProducing() {
        if (inputOffset >= input.length) return;
        int n = Math.min(Command.INPUT_CHUNK, input.length - inputOffset);
        ByteBuffer chunk = ByteBuffer.wrap(input, inputOffset, n);
        inputOffset += n;
        boolean last = inputOffset >= input.length;
        if (last) child.unregisterProducer();
        child.write(chunk);
        if (last) child.closeStdin();
    }

    @Override
    public void pauseProducing() {
        // A pull producer is only asked for more when the queue is empty: nothing to pause.
    }

    @Override
    public void stopProducing() {
        inputOffset = input.length; // the child closed its stdin or exited: the rest is dropped
    }

    // ------------------------------------------------------------ timers

    private void timedOut() {
        if (finished || status != null) return;
        timedOut = true;
        signalGroup(Signals.SIGTERM);
        killCall = later(settings.grace(), () -> {
            if (finished) return;
            signalGroup(Signals.SIGKILL);
            if (finishAfterKill) finish();
        });
    }

    private void pipesGraceOver() {
        if (finished) return;
        finish();
        // Readers close now; a stdin still holding queued bytes closes once a reader takes them or leaves.
        child.loseConnection();
        for (int fd : child.spec().childFDs().keySet()) {
            if (fd > 2) child.closeChildFD(fd);
        }
    }

    /**
     * A timer on the reactor, or none once it is closing: run()'s own loop is closed after an
     * interrupt, and then kills, reaps and closes everything itself, so no timer is needed.
     */
    private Reactor.DelayedCall later(Duration delay, Runnable task) {
        if (reactor.isClosed()) return null;
        return reactor.callLater(delay, task);
    }

    private void signalGroup(int signal) {
        try {
            child.signalProcessGroup(signal);
        } catch (IllegalStateException noneLeft) {
            // ProcessExitedAlreadyException: no member of the group is left to signal
        }
    }

    private boolean groupAlive() {
        try {
            child.signalProcessGroup(0); // kill(-pgid, 0): is any member left?
            return true;
        } catch (IllegalStateException noneLeft) {
            return false;
        }
    }

    private void finish() {
        if (finished) return;
        if (timedOut && killCall != null && killCall.isActive() && groupAlive()) {
            // The child and its pipes are done, but descendants that ignored SIGTERM are still in its
            // group: they get their SIGKILL first, so that no descendant outlives a timed-out run().
            finishAfterKill = true;
            return;
        }
        finished = true;
        for (Reactor.DelayedCall c : new Reactor.DelayedCall[] {timeoutCall, killCall, pipesCall}) {
            if (c != null) c.cancel();
        }
        if (out != null) out.endOfFile();
        if (err != null) err.endOfFile();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        CommandResult r = new CommandResult(settings.argv(), status, out == null ? CommandResult.EMPTY : out.bytes(),
                err == null ? CommandResult.EMPTY : err.bytes(), out != null && out.truncated, err != null && err.truncated,
                timedOut ? settings.timeout() : null, elapsed, settings.errorMerged());
        Throwable failure = out != null && out.failure != null ? out.failure : err != null ? err.failure : null;
        if (failure != null) {
            result.completeExceptionally(failure);
        } else {
            result.complete(r);
        }
    }

    // ------------------------------------------------------------ capture

    /** What one stream brought: the first captureLimit bytes, and its lines for a consumer. */
    static final class Capture {
        /** Lines longer than this are passed on in pieces of this size. */
        static final int MAX_LINE = 1 << 20;

        private final int limit;
        private byte[] bytes = CommandResult.EMPTY;
        private int size;
        boolean truncated;
        private Consumer<String> lines;
        private byte[] line;
        private int lineSize;
        Throwable failure;

        Capture(int limit, Consumer<String> lines) {
            this.limit = limit;
            this.lines = lines;
            this.line = lines == null ? null : new byte[128];
        }

        void accept(ByteBuffer data) {
            if (lines != null) split(data.duplicate());
            int n = Math.min(data.remaining(), limit - size);
            if (n < data.remaining()) truncated = true;
            if (n <= 0) return;
            if (size + n > bytes.length) {
                long want = Math.max((long) size + n, Math.max(4096, (long) bytes.length * 2));
                bytes = Arrays.copyOf(bytes, (int) Math.min(want, limit));
            }
            data.get(bytes, size, n);
            size += n;
        }

        /** The captured bytes; the array is handed over, exact in size. */
        byte[] bytes() {
            byte[] b = bytes.length == size ? bytes : Arrays.copyOf(bytes, size);
            bytes = CommandResult.EMPTY;
            size = 0;
            return b;
        }

        /** End-of-file: a last line without a newline goes to the consumer now. */
        void endOfFile() {
            if (lines != null && lineSize > 0) emit(lineSize);
            lines = null;
        }

        private void split(ByteBuffer data) {
            while (data.hasRemaining() && lines != null) {
                byte b = data.get();
                if (b == '\n') {
                    emit(lineSize > 0 && line[lineSize - 1] == '\r' ? lineSize - 1 : lineSize);
                    continue;
                }
                if (lineSize == line.length) {
                    if (lineSize >= MAX_LINE) {
                        emitPiece();
                    } else {
                        line = Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
                    }
                }
                line[lineSize++] = b;
            }
        }

        /** A line of MAX_LINE bytes and no newline yet: pass on what ends at a character boundary. */
        private void emitPiece() {
            int cut = lineSize;
            while (cut > lineSize - 4 && (line[cut - 1] & 0xC0) == 0x80) cut--; // continuation bytes
            if (cut > 0 && (line[cut - 1] & 0x80) != 0 && (line[cut - 1] & 0xC0) == 0xC0) cut--; // a lead byte
            if (cut <= 0) cut = lineSize;
            String piece = new String(line, 0, cut, StandardCharsets.UTF_8);
            System.arraycopy(line, cut, line, 0, lineSize - cut);
            lineSize -= cut;
            deliver(piece);
        }

        private void emit(int length) {
            String text = new String(line, 0, length, StandardCharsets.UTF_8);
            lineSize = 0;
            if (line.length > 4096) line = new byte[128];
            deliver(text);
        }

        private void deliver(String text) {
            if (lines == null) return;
            try {
                lines.accept(text);
            } catch (RuntimeException | Error e) {
                if (e instanceof VirtualMachineError) throw e;
                failure = e;
                lines = null;
            }
        }
    }
}
