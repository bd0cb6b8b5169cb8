package dev.forkexec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The reactor's per-pipe write queue and its chunk pool, flushed into a real {@code cat}. */
@Timeout(60)
class WriteQueueTest {
    private static final int CHUNK = ChunkPool.CHUNK_SIZE;

    /** Flushes {@code q} into cat's stdin while reading its stdout; closes stdin; returns all cat echoed. */
    private static byte[] echoThroughCat(WriteQueue q) throws Exception {
        try (Subprocess cat = Subprocess.startNonBlocking(ProcessSpec.command("cat").childFDs(
                Map.of(0, ChildFD.parentWrites(), 1, ChildFD.parentReads())).build())) {
            FileChannel out = cat.channel(1);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (!q.isEmpty()) {
                assertTrue(q.writeTo(cat.fd(0)) >= 0, "write to cat failed");
                readSome(out, buf, got);
            }
            cat.channel(0).close();
            while (readSome(out, buf, got) >= 0) Thread.onSpinWait();
            return got.toByteArray();
        }
    }

    private static int readSome(FileChannel ch, ByteBuffer buf, ByteArrayOutputStream into) throws Exception {
        buf.clear();
        int n = ch.read(buf);
        if (n > 0) into.write(buf.array(), 0, n);
        return n;
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Test
    void bytesLeaveInTheOrderTheyCameAcrossChunkBoundaries() throws Exception {
        Random r = new Random(42);
        WriteQueue q = new WriteQueue(new ChunkPool(4));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int size : new int[] {1, 3 * CHUNK + 17, 10, WriteQueue.SMALL - 1, CHUNK, 5, 200_000, 0, 4096}) {
            byte[] b = random(r, size);
            expected.write(b);
            q.add(ByteBuffer.wrap(b));
        }
        assertEquals(expected.size(), q.size());
        assertArrayEquals(expected.toByteArray(), echoThroughCat(q));
        assertEquals(0, q.size());
    }

    @Test
    void addConsumesTheCallersBufferAndKeepsACopy() throws Exception {
        WriteQueue q = new WriteQueue(new ChunkPool(4));
        byte[] data = {1, 2, 3, 4, 5};
        ByteBuffer b = ByteBuffer.wrap(data, 1, 3);
        q.add(b);
        assertEquals(4, b.position(), "position moved to the limit");
        data[2] = 99; // the caller reuses its array at once
        q.add(ByteBuffer.allocateDirect(CHUNK + 1).put(0, (byte) 7));
        assertEquals(3 + CHUNK + 1, q.size());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {2, 3, 4, 7});
        expected.writeBytes(new byte[CHUNK]);
        assertArrayEquals(expected.toByteArray(), echoThroughCat(q));
    }

    @Test
    void smallWritesAfterTheFirstArePackedIntoOneChunk() {
        ChunkPool pool = new ChunkPool(8);
        WriteQueue q = new WriteQueue(pool);
        q.add(ByteBuffer.wrap(new byte[10])); // the first small remainder: an exact-size copy, no chunk
        for (int i = 0; i < 100; i++) q.add(ByteBuffer.wrap(new byte[100])); // then one chunk for all of them
        assertEquals(10 + 100 * 100, q.size());
        q.clear();
        assertEquals(1, pool.freeChunks(), "exactly one chunk was taken, and clear() gave it back");
    }

    @Test
    void drainedChunksGoBackToThePoolAndAreReused() throws Exception {
        ChunkPool pool = new ChunkPool(8);
        WriteQueue q = new WriteQueue(pool);
        q.add(ByteBuffer.wrap(new byte[3 * CHUNK]));
        assertEquals(0, pool.freeChunks());
        echoThroughCat(q);
        assertEquals(3, pool.freeChunks(), "the three chunks came back as they were written");
        q.add(ByteBuffer.wrap(new byte[2 * CHUNK]));
        assertEquals(1, pool.freeChunks(), "two were taken from the pool, not allocated");
    }

    @Test
    void thePoolKeepsNoMoreThanItsLimit() {
        ChunkPool pool = new ChunkPool(2);
        WriteQueue q = new WriteQueue(pool);
        q.add(ByteBuffer.wrap(new byte[5 * CHUNK]));
        q.clear();
        assertEquals(0, q.size());
        assertEquals(2, pool.freeChunks());
    }

    @Test
    void aTakenChunkIsEmptyWhateverItHeldBefore() {
        ChunkPool pool = new ChunkPool(1);
        ByteBuffer c = pool.take();
        assertEquals(0, c.position());
        assertEquals(0, c.limit());
        c.limit(100).position(50);
        pool.give(c);
        ByteBuffer again = pool.take();
        assertEquals(0, again.position());
        assertEquals(0, again.limit());
        assertEquals(CHUNK, again.capacity());
    }
}
