package dev.forkexec.runner;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The jobs' inputs, one {@code String[]} per job, combined as GNU parallel combines its sources: the
 * cartesian product of the sources with the last one varying fastest, except that a source given
 * with {@code :::+} or {@code ::::+} is zipped with the one before it (stopping at the shorter).
 * Records are lines ({@code \n}; a last line without one counts; an empty line is an empty input),
 * or NUL-terminated with {@code -0}; {@code :::} words are split into lines the same way. With
 * {@code --colsep} each record is split into columns, and a job's inputs are the columns of all its
 * sources in order. Text is decoded as UTF-8 (malformed bytes become U+FFFD).
 *
 * <p>Memory: the first source (with the sources linked to it) is streamed, so a million lines of
 * stdin take constant memory; every later source is read into memory once, because the product
 * walks it again for each record of the first.
 *
 * <p>Not thread-safe: one thread (the runner's input thread) reads it.
 */
final class InputSource implements AutoCloseable {
    /** Sources read in lockstep (a source and those linked to it with {@code +}). */
    private interface Group {
        /** The next tuple (the records of each source, columns split), or null at the end. */
        String[] next() throws IOException;
    }

    private final Group first;
    private final List<String[]>[] rest;
    private final int[] odometer;
    private final List<AutoCloseable> toClose;
    private String[] current;
    private boolean done;

    private InputSource(Group first, List<String[]>[] rest, List<AutoCloseable> toClose) {
        this.first = first;
        this.rest = rest;
        this.odometer = new int[rest.length];
        this.toClose = toClose;
    }

    /**
     * Opens every source (a missing or unreadable file fails here, before any job runs) and reads
     * the sources after the first into memory.
     */
    @SuppressWarnings("unchecked")
    static InputSource open(Options o, InputStream stdin) throws RunnerException {
        byte delimiter = o.nullDelimited ? (byte) 0 : (byte) '\n';
        List<List<Options.Source>> groups = new ArrayList<>();
        for (Options.Source s : o.sources) {
            if (s.linked() && !groups.isEmpty()) groups.get(groups.size() - 1).add(s);
            else groups.add(new ArrayList<>(List.of(s)));
        }
        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            Group first = group(groups.get(0), delimiter, o.colsep, stdin, toClose);
            List<String[]>[] rest = new List[groups.size() - 1];
            for (int g = 1; g < groups.size(); g++) {
                Group grp = group(groups.get(g), delimiter, o.colsep, stdin, toClose);
                List<String[]> all = new ArrayList<>();
                for (String[] t; (t = grp.next()) != null; ) all.add(t);
                rest[g - 1] = all;
            }
            return new InputSource(first, rest, toClose);
        } catch (IOException e) {
            closeAll(toClose);
            throw new RunnerException("Cannot read input: " + e.getMessage(), e);
        } catch (RunnerException e) {
            closeAll(toClose);
            throw e;
        }
    }

    /** The next job's inputs, or null when there are no more. */
    String[] next() throws IOException {
        if (done) return null;
        int k = rest.length;
        if (current != null && k > 0) {
            int g = k - 1;
            while (g >= 0) {
                if (++odometer[g] < rest[g].size()) break;
                odometer[g] = 0;
                g--;
            }
            if (g >= 0) return combine();
        }
        current = first.next();
        if (current == null) {
            done = true;
            return null;
        }
        for (List<String[]> r : rest) {
            if (r.isEmpty()) {
                done = true;
                return null;
            }
        }
        return k == 0 ? current : combine();
    }

    private String[] combine() {
        int n = current.length;
        for (int g = 0; g < rest.length; g++) n += rest[g].get(odometer[g]).length;
        String[] out = Arrays.copyOf(current, n);
        int at = current.length;
        for (int g = 0; g < rest.length; g++) {
            String[] t = rest[g].get(odometer[g]);
            System.arraycopy(t, 0, out, at, t.length);
            at += t.length;
        }
        return out;
    }

    @Override
    public void close() {
        closeAll(toClose);
    }

    private static void closeAll(List<AutoCloseable> cs) {
        for (AutoCloseable c : cs) {
            try {
                c.close();
            } catch (Exception ignored) {
                // reading is over; nothing to report
            }
        }
    }

    // ------------------------------------------------------------ sources

    /** A stream of records (without their delimiter). */
    private interface Records {
        String next() throws IOException;
    }

    private static Group group(List<Options.Source> sources, byte delimiter, Pattern colsep, InputStream stdin,
            List<AutoCloseable> toClose) throws RunnerException {
        Records[] rs = new Records[sources.size()];
        for (int i = 0; i < rs.length; i++) rs[i] = records(sources.get(i), delimiter, stdin, toClose);
        if (rs.length == 1 && colsep == null) {
            Records r = rs[0];
            return () -> {
                String s = r.next();
                return s == null ? null : new String[] {s};
            };
        }
        return () -> {
            List<String> cols = new ArrayList<>(rs.length);
            for (Records r : rs) {
                String s = r.next();
                if (s == null) return null;
                if (colsep == null) cols.add(s);
                else cols.addAll(Arrays.asList(colsep.split(s, -1)));
            }
            return cols.toArray(new String[0]);
        };
    }

    private static Records records(Options.Source s, byte delimiter, InputStream stdin, List<AutoCloseable> toClose)
            throws RunnerException {
        switch (s.kind()) {
            case ARGS: return words(s.args(), delimiter);
            case STDIN: return new RecordReader(stdin, delimiter);
            case FILE: {
                if (s.file().equals("-")) return new RecordReader(stdin, delimiter);
                InputStream in = openFile(s.file());
                toClose.add(in);
                return new RecordReader(in, delimiter);
            }
            default: throw new AssertionError(s.kind());
        }
    }

    /** GNU parallel's wording: {@code Cannot open input file `F': No such file or directory}. */
    private static InputStream openFile(String name) throws RunnerException {
        Path p = Path.of(name);
        String why;
        try {
            if (Files.isDirectory(p)) {
                why = "Is a directory";
            } else {
                return Files.newInputStream(p);
            }
        } catch (NoSuchFileException e) {
            why = "No such file or directory";
        } catch (AccessDeniedException e) {
            why = "Permission denied";
        } catch (IOException e) {
            why = e.getMessage();
        }
        throw new RunnerException("Cannot open input file `" + name + "': " + why);
    }

    /** The {@code :::} words as records: split into lines (or not at all with {@code -0}). */
    private static Records words(List<String> words, byte delimiter) {
        List<String> records = new ArrayList<>();
        for (String w : words) {
            if (delimiter == 0) records.add(w);
            else records.addAll(Arrays.asList(w.split("\n", -1)));
        }
        int[] next = {0};
        return () -> next[0] < records.size() ? records.get(next[0]++) : null;
    }

    /** Records of a byte stream split at a delimiter byte, decoded as UTF-8. */
    static final class RecordReader implements Records {
        private final InputStream in;
        private final byte delimiter;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int limit;
        private boolean eof;
        private byte[] carry = new byte[256];
        private int carryLength;

        RecordReader(InputStream in, byte delimiter) {
            this.in = in;
            this.delimiter = delimiter;
        }

        /** Reads stdin (fd 0) unbuffered by {@code System.in}. */
        static InputStream stdin() {
            return new FileInputStream(FileDescriptor.in);
        }

        @Override
        public String next() throws IOException {
            carryLength = 0;
            for (;;) {
                for (int i = pos; i < limit; i++) {
                    if (buf[i] == delimiter) {
                        String s;
                        if (carryLength == 0) {
                            s = new String(buf, pos, i - pos, StandardCharsets.UTF_8);
                        } else {
                            append(pos, i);
                            s = new String(carry, 0, carryLength, StandardCharsets.UTF_8);
                        }
                        pos = i + 1;
                        return s;
                    }
                }
                append(pos, limit);
                pos = limit = 0;
                if (eof) break;
                int n = in.read(buf);
                if (n < 0) eof = true;
                else limit = n;
            }
            if (carryLength == 0) return null;
            String s = new String(carry, 0, carryLength, StandardCharsets.UTF_8);
            carryLength = 0;
            return s;
        }

        private void append(int from, int to) {
            int n = to - from;
            if (n <= 0) return;
            if (carryLength + n > carry.length) carry = Arrays.copyOf(carry, Math.max(carry.length * 2, carryLength + n));
            System.arraycopy(buf, from, carry, carryLength, n);
            carryLength += n;
        }
    }
}
