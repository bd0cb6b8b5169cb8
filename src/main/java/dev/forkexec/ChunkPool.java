package dev.forkexec;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Reusable 64 KiB heap chunks for the write queues of one reactor, so a steady stream of partial
 * writes (a producer refilling a busy pipe) allocates nothing. At most {@code maxFree} chunks are kept
 * once returned; the rest are left to the garbage collector, so a burst does not pin memory for good.
 * Thread-safe: writers on any thread take chunks, the loop gives them back. The lock guards only
 * the free list: a new chunk is allocated (and zeroed by the JVM, 64 KiB) outside it, so one writer
 * growing the pool never stalls the loop or another writer that just needs a free chunk (Okio's
 * segment pool follows the same rule).
 */
final class ChunkPool {
    static final int CHUNK_SIZE = 64 * 1024;

    private final int maxFree;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

    ChunkPool(int maxFree) {
        this.maxFree = maxFree;
    }

    /** An empty chunk: position 0, limit 0 (nothing to read yet), capacity {@link #CHUNK_SIZE}. */
    ByteBuffer take() {
        ByteBuffer b;
        synchronized (this) {
            b = free.pollFirst();
        }
        if (b == null) b = ByteBuffer.allocate(CHUNK_SIZE);
        return b.clear().limit(0);
    }

    /** Takes back a chunk from {@link #take()}; its content is garbage from now on. */
    synchronized void give(ByteBuffer chunk) {
        if (free.size() < maxFree) free.addFirst(chunk);
    }

    synchronized int freeChunks() {
        return free.size();
    }
}
