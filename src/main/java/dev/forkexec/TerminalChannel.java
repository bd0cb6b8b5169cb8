package dev.forkexec;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A {@link Subprocess}'s end of its terminal: one channel that reads what the terminal shows and
 * writes what is typed, over the master fd. The JDK offers no read-write FileChannel over an fd it
 * did not open, so this delegates to a reading and a writing FileChannel sharing one
 * {@link FileDescriptor} (closing either closes the fd once, and wakes a thread blocked in the
 * other). Closing this channel also closes the {@link Terminal}'s own fd, the master's last one, so
 * the kernel hangs the terminal up.
 *
 * <p>End of file: once every slave side is closed and the output is read, the kernel fails a read
 * of the master with EIO; here that read returns -1, as a pipe's would. Positional operations
 * (position, size, map, transfers, locks) act on the tty as the JDK's channels do, that is they
 * mostly fail: a terminal is a stream.
 */
final class TerminalChannel extends FileChannel {
    private final FileChannel in;
    private final FileChannel out;
    private final Terminal terminal;
    private final Runnable closeTerminal;

    /** {@code closeTerminal} releases the terminal's own fd once this channel closes. */
    TerminalChannel(FileDescriptor master, Terminal terminal, Runnable closeTerminal) {
        this.in = new FileInputStream(master).getChannel();
        this.out = new FileOutputStream(master).getChannel();
        this.terminal = terminal;
        this.closeTerminal = closeTerminal;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        try {
            return in.read(dst);
        } catch (IOException e) {
            return endOfFile(e);
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        try {
            return in.read(dsts, offset, length);
        } catch (IOException e) {
            return endOfFile(e);
        }
    }

    /** A read failed: -1 when that was the terminal's EIO at its end, else the failure (this channel closed on an interrupt). */
    private int endOfFile(IOException e) throws IOException {
        if (e instanceof ClosedByInterruptException) closeQuietly();
        if (e instanceof ClosedChannelException || !terminal.hungUp()) throw e;
        return -1;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        try {
            return out.write(src);
        } catch (ClosedByInterruptException e) {
            closeQuietly();
            throw e;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        try {
            return out.write(srcs, offset, length);
        } catch (ClosedByInterruptException e) {
            closeQuietly();
            throw e;
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // the fd is released either way
        }
    }

    @Override
    public long position() throws IOException {
        return in.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        in.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return in.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        out.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        out.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return in.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return out.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return in.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return out.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return (mode == MapMode.READ_ONLY ? in : out).map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return (shared ? in : out).lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return (shared ? in : out).tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        try {
            in.close();
        } finally {
            try {
                out.close();
            } finally {
                closeTerminal.run(); // the last fd of the master: the terminal hangs up
            }
        }
    }

    @Override
    public String toString() {
        return "TerminalChannel[" + terminal.name() + (isOpen() ? "" : ", closed") + "]";
    }
}
