package dev.forkexec;

/**
 * A source of data for a child's stdin, registered with
 * {@link ProcessTransport#registerProducer(Producer, boolean)} (Twisted's {@code IProducer}).
 *
 * <p>A <em>streaming</em> producer writes on its own and is told to pause when the stdin queue passes
 * the high-water mark (in the thread whose {@code write} crossed it) and to resume once the queue
 * has drained (on the reactor thread). A <em>pull</em> producer writes only when asked: it gets
 * {@link #resumeProducing()} on the reactor thread each time the queue is empty.
 */
public interface Producer {
    /** Stop writing until {@link #resumeProducing()}. */
    void pauseProducing();

    /** Write (more) data: a streaming producer may go on; a pull producer writes one chunk. */
    void resumeProducing();

    /** Stop for good: stdin is gone or the producer was never usable. */
    void stopProducing();
}
