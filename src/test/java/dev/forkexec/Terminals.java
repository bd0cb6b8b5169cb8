package dev.forkexec;

import dev.forkexec.testkit.ProcFs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/** Helpers for the pseudo-terminal tests: reading and writing a terminal, and how many exist. */
final class Terminals {
    private Terminals() {}

    /** Reads a terminal channel until its end of file (the kernel's EIO, which the channel reports as -1). */
    static byte[] readToEnd(FileChannel terminal) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (terminal.read(buf) >= 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return out.toByteArray();
    }

    static String readText(FileChannel terminal) throws IOException {
        return new String(readToEnd(terminal), StandardCharsets.UTF_8);
    }

    /** Reads until {@code text} has appeared in what was read (or the end of file); returns all of it. */
    static String readUntil(FileChannel terminal, String text) throws IOException {
        StringBuilder seen = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (seen.indexOf(text) < 0) {
            buf.clear();
            if (terminal.read(buf) < 0) break;
            seen.append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        }
        return seen.toString();
    }

    static void write(FileChannel terminal, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) terminal.write(b);
    }

    /** How many pseudo-terminals exist on the machine now ({@code /proc/sys/kernel/pty/nr}). */
    static int ptysInUse() throws IOException {
        return Integer.parseInt(ProcFs.sys("kernel/pty/nr"));
    }
}
