package dev.forkexec.runner;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The runner's own stdout and stderr, buffered, written from the reactor thread. Switching from one
 * stream to the other flushes the first, so {@code 2>&1} shows the bytes in the order they were
 * written; a progress line on stderr is wiped before other output and drawn again by its owner. A
 * write error (a closed pipe, a full disk) is an {@link UncheckedIOException} naming the stream.
 */
final class Sink {
    private final OutputStream[] streams = new OutputStream[3];
    private final String[] names = {null, "stdout", "stderr"};
    private int last;
    private boolean statusShown;

    /** The process's fd 1 and fd 2. */
    static Sink standard() {
        return new Sink(new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err));
    }

    Sink(OutputStream out, OutputStream err) {
        streams[1] = new BufferedOutputStream(out, 64 * 1024);
        streams[2] = new BufferedOutputStream(err, 16 * 1024);
    }

    /** Writes to stream 1 (stdout) or 2 (stderr). */
    void write(int fd, byte[] b, int off, int len) {
        if (len == 0) return;
        if (statusShown) clearStatus();
        if (last != fd && last != 0) flush(last);
        last = fd;
        try {
            streams[fd].write(b, off, len);
        } catch (IOException e) {
            throw broken(fd, e);
        }
    }

    private void flush(int fd) {
        try {
            streams[fd].flush();
        } catch (IOException e) {
            throw broken(fd, e);
        }
    }

    /**
     * A stream failed: later writes to it are dropped (so the runner can still report on the other
     * one), and this failure is thrown once.
     */
    private UncheckedIOException broken(int fd, IOException e) {
        streams[fd] = OutputStream.nullOutputStream();
        return new UncheckedIOException("cannot write to " + names[fd] + ": " + e.getMessage(), e);
    }

    /** Writes text (UTF-8). */
    void write(int fd, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        write(fd, b, 0, b.length);
    }

    /** A runner message on stderr: {@code forkexec: <text>} and a newline. */
    void message(String text) {
        write(2, "forkexec: " + text + "\n");
        flush();
    }

    /** Pushes both streams to the kernel. */
    void flush() {
        UncheckedIOException failure = null;
        for (int fd = 1; fd <= 2; fd++) {
            try {
                flush(fd);
            } catch (UncheckedIOException e) {
                if (failure == null) failure = e;
            }
        }
        if (failure != null) throw failure;
    }

    /** Draws a status line on stderr (carriage return first, no newline), replacing the previous one. */
    void status(String line) {
        if (statusShown) clearStatus();
        write(2, "\r" + line);
        flush();
        statusShown = true;
    }

    /** Ends the status line with a newline, leaving it on the screen. */
    void endStatus() {
        if (!statusShown) return;
        statusShown = false;
        write(2, "\n");
        flush();
    }

    private void clearStatus() {
        statusShown = false;
        write(2, "\r\033[K");
    }
}
