package dev.forkexec;

import dev.forkexec.internal.NativeFd;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The bytes a child's pipe could not take yet, in order. A write's remainder is copied in (the
 * caller may reuse its buffer at once): small ones into a buffer of their own size, larger ones
 * into pooled 64 KiB chunks, topping up the last chunk first. Not thread-safe: its pipe's lock
 * guards it.
 */
final class WriteQueue {
    /** Remainders below this get an exact-size copy: a pooled chunk each would waste memory. */
    static final int SMALL = 4 * 1024;

    private final ChunkPool pool;
    /** Each buffer holds unsent bytes from its position to its limit. */
    private final ArrayDeque<ByteBuffer> buffers = new ArrayDeque<>();
    private long size;

    WriteQueue(ChunkPool pool) {
        this.pool = pool;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Unsent bytes. */
    long size() {
        return size;
    }

    /** Copies {@code data}'s remaining bytes in, advancing its position to its limit. */
    void add(ByteBuffer data) {
        while (data.hasRemaining()) {
            ByteBuffer tail = buffers.peekLast();
            if (tail == null || !isChunk(tail) || tail.limit() == tail.capacity()) {
                boolean firstAndSmall = tail == null && data.remaining() < SMALL;
                tail = firstAndSmall ? ByteBuffer.allocate(data.remaining()).limit(0) : pool.take();
                buffers.addLast(tail);
            }
            int end = tail.limit();
            int n = Math.min(data.remaining(), tail.capacity() - end);
            tail.limit(end + n);
            tail.put(end, data, data.position(), n);
            data.position(data.position() + n);
            size += n;
        }
    }

    /**
     * write(2)s from the head until the pipe is full or nothing is left: the bytes written, or
     * -errno (EPIPE: the reader is gone) with the queue as it was before the failing call.
     */
    long writeTo(int fd) {
        long total = 0;
        while (!buffers.isEmpty()) {
            ByteBuffer head = buffers.peekFirst();
            int n = NativeFd.write(fd, head);
            if (n < 0) return n;
            size -= n;
            total += n;
            if (head.hasRemaining()) break; // the pipe is full
            release(buffers.pollFirst());
        }
        return total;
    }

    /** Drops everything queued. */
    void clear() {
        for (ByteBuffer b; (b = buffers.pollFirst()) != null; ) release(b);
        size = 0;
    }

    private void release(ByteBuffer b) {
        if (isChunk(b)) pool.give(b);
    }

    private static boolean isChunk(ByteBuffer b) {
        return b.capacity() == ChunkPool.CHUNK_SIZE;
    }
}
