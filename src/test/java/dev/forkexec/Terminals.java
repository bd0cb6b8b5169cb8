package dev.forkexec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Helpers for the pseudo-terminal tests: what a terminal showed, and what this JVM holds of terminals. */
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

    /** This JVM's fds on pseudo-terminals: masters ({@code /dev/ptmx}) and slaves ({@code /dev/pts/N}). */
    static Map<Integer, String> terminalFds() throws IOException {
        Map<Integer, String> out = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (target.equals("/dev/ptmx") || target.startsWith("/dev/pts/")) {
                    out.put(Integer.parseInt(p.getFileName().toString()), target);
                }
            }
        }
        return out;
    }

    /** How many pseudo-terminals exist on the machine now ({@code /proc/sys/kernel/pty/nr}). */
    static int ptysInUse() throws IOException {
        return Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/pty/nr")).trim());
    }

    /** Fields of {@code /proc/PID/stat} after the command: index 0 is the state. */
    static String[] stat(String statLine) {
        return statLine.substring(statLine.lastIndexOf(')') + 2).trim().split(" ");
    }
}
