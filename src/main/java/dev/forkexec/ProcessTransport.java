package dev.forkexec;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a {@link ProcessProtocol} can do to its child (Twisted's {@code IProcessTransport}): write to
 * its pipes, close them, pause reading, feed stdin from a {@link Producer}, and signal it.
 *
 * <p>Writes never block: they queue per pipe. Every method is safe to call from any thread.
 */
public interface ProcessTransport {
    /**
     * The child's process id.
     *
     * @return the pid
     */
    long pid();

    /**
     * Writes to the child's fd 0; IllegalStateException when there is no stdin pipe or we closed it.
     *
     * @param data the bytes, copied if they must wait
     */
    void write(byte[] data);

    /**
     * Writes the buffer's remaining bytes to fd 0 (they are copied if they must wait).
     *
     * @param data the bytes from its position to its limit
     */
    void write(ByteBuffer data);

    /**
     * Writes each buffer in order to fd 0.
     *
     * @param data the buffers, each from its position to its limit
     */
    void writeSequence(List<ByteBuffer> data);

    /**
     * Writes to a {@link ChildFD#parentWrites()} pipe; IllegalArgumentException if it is not one, or closed.
     *
     * @param childFD the pipe's fd number in the child
     * @param data the bytes from its position to its limit
     */
    void writeToChild(int childFD, ByteBuffer data);

    /**
     * Writers: flush what is queued, then close. Readers: stop reading and close. Unknown or closed: no-op.
     *
     * @param childFD the pipe's fd number in the child
     */
    void closeChildFD(int childFD);

    /** {@code closeChildFD(0)}. */
    void closeStdin();

    /** {@code closeChildFD(1)}. */
    void closeStdout();

    /** {@code closeChildFD(2)}. */
    void closeStderr();

    /** Closes stdin, then stderr, then stdout. */
    void loseConnection();

    /** Stops reading the child's pipes; the child blocks once they fill. */
    void pauseProducing();

    /** Reads the child's pipes again. */
    void resumeProducing();

    /**
     * Feeds stdin from {@code producer}; with no open stdin pipe, {@code producer.stopProducing()} is
     * called at once. IllegalStateException if another producer is registered.
     *
     * @param producer what produces the stdin data
     * @param streaming true for a producer that writes on its own until paused (Twisted's push
     *     producer); false for one that writes only when asked, each time the stdin queue is empty
     */
    void registerProducer(Producer producer, boolean streaming);

    /** Forgets the registered producer, if any. */
    void unregisterProducer();

    /**
     * Sends a signal by POSIX name ("TERM", "SIGTERM") or number ("15"); unknown names: IllegalArgumentException.
     *
     * @param signal the signal's name or number
     */
    void signalProcess(String signal);

    /**
     * Sends a signal by number; ProcessExitedAlreadyException once the child was reaped.
     *
     * @param signal the signal number, e.g. 15 for SIGTERM
     */
    void signalProcess(int signal);

    /**
     * Completes with the exit status right after {@link ProcessProtocol#processEnded}.
     *
     * @return the future of the child's exit status
     */
    CompletableFuture<ExitStatus> onExit();

    /** Names the pid and status, like Twisted's {@code <Process pid=123 status=0>}. */
    @Override
    String toString();
}
