package dev.forkexec;

import java.nio.ByteBuffer;

/**
 * Receives what happens to one child (Twisted's {@code ProcessProtocol}). Every method has a default,
 * so implement only what you need.
 *
 * <p>{@link #connectionMade} is called once, on the thread calling {@link Reactor#spawnProcess},
 * before any other callback and before that call returns. Every other callback runs on the reactor's
 * thread, never concurrently with another callback of the same reactor; keep them short. A callback
 * that throws is logged and the reactor goes on; the process still reaches {@link #processEnded}.
 *
 * <p>{@code data} buffers are valid only until the callback returns (the reactor reuses them): copy
 * what you keep. Bytes of one child fd arrive in order and none are lost, including those written
 * just before the child exited.
 */
public interface ProcessProtocol {
    /**
     * The child exists; {@code transport} writes to it, signals it, closes its pipes.
     *
     * @param transport the child's transport, valid for the child's whole life
     */
    default void connectionMade(ProcessTransport transport) {}

    /**
     * Bytes the child wrote to {@code childFD}; by default fd 1 goes to outReceived, fd 2 to errReceived.
     *
     * @param childFD the pipe's fd number in the child
     * @param data the bytes, valid until this method returns
     */
    default void childDataReceived(int childFD, ByteBuffer data) {
        if (childFD == 1) {
            outReceived(data);
        } else if (childFD == 2) {
            errReceived(data);
        }
    }

    /**
     * Bytes from the child's stdout.
     *
     * @param data the bytes, valid until this method returns
     */
    default void outReceived(ByteBuffer data) {}

    /**
     * Bytes from the child's stderr.
     *
     * @param data the bytes, valid until this method returns
     */
    default void errReceived(ByteBuffer data) {}

    /**
     * The pipe at {@code childFD} is closed, by either side; called once per pipe. By default fd 0
     * goes to inConnectionLost, 1 to outConnectionLost, 2 to errConnectionLost.
     *
     * @param childFD the pipe's fd number in the child
     */
    default void childConnectionLost(int childFD) {
        switch (childFD) {
            case 0: inConnectionLost(); break;
            case 1: outConnectionLost(); break;
            case 2: errConnectionLost(); break;
            default: break;
        }
    }

    /** The child's stdin pipe is closed. */
    default void inConnectionLost() {}

    /** The child's stdout pipe is closed. */
    default void outConnectionLost() {}

    /** The child's stderr pipe is closed. */
    default void errConnectionLost() {}

    /**
     * The child was reaped; some of its pipes may still be open (a grandchild may hold them).
     *
     * @param status how the child ended
     */
    default void processExited(ExitStatus status) {}

    /**
     * The child was reaped and every pipe is closed; called exactly once, last.
     *
     * @param status how the child ended
     */
    default void processEnded(ExitStatus status) {}
}
