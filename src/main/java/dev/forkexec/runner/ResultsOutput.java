package dev.forkexec.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * {@code --results DIR}: each job's stdout and stderr go to files, written as they arrive, in GNU
 * parallel 20221122's layout {@code DIR/1/<input 1>/2/<input 2>/.../{seq,stdout,stderr}} (the
 * numbers are the input sources, or columns with {@code --colsep}); {@code seq} holds the sequence
 * number without a newline. In a directory name {@code \} is written {@code \\}, TAB {@code \t},
 * NUL {@code \0} and {@code /} {@code \_}; names longer than 255 bytes are cut. Nothing is printed
 * on stdout. A retried attempt truncates the files. GNU parallel's other {@code --results} forms
 * (a name with replacement strings, {@code .csv}, {@code .json}) are not supported: the name is
 * always a directory.
 */
final class ResultsOutput extends OutputMode {
    /** A job's open files. */
    private static final class JobFiles {
        final Path dir;
        final FileChannel[] channels = new FileChannel[3];

        JobFiles(Path dir) {
            this.dir = dir;
        }
    }

    private final Path root;

    ResultsOutput(Path root, Sink sink, Consumer<Job> printed) {
        super(sink, false, printed);
        this.root = root;
    }

    /** The directory of a job with these inputs. */
    static Path directory(Path root, String[] args) {
        StringBuilder b = new StringBuilder(root.toString());
        for (int i = 0; i < args.length; i++) {
            b.append('/').append(i + 1).append('/').append(escape(args[i]));
        }
        return Path.of(b.toString());
    }

    /** GNU parallel's {@code args_as_dirname} escaping, cut to 255 bytes of UTF-8. */
    static String escape(String arg) {
        StringBuilder b = new StringBuilder(arg.length());
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            switch (c) {
                case '\\': b.append("\\\\"); break;
                case '\t': b.append("\\t"); break;
                case '\0': b.append("\\0"); break;
                case '/': b.append("\\_"); break;
                default: b.append(c);
            }
        }
        int bytes = 0;
        for (int i = 0; i < b.length(); ) {
            int cp = b.codePointAt(i);
            bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes > 255) return b.substring(0, i);
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    @Override
    void started(Job job) {
        JobFiles f = (JobFiles) job.outputState;
        if (f == null) {
            f = new JobFiles(directory(root, job.args));
            job.outputState = f;
        }
        closeAll(f);
        try {
            Files.createDirectories(f.dir);
            f.channels[1] = FileChannel.open(f.dir.resolve("stdout"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            f.channels[2] = FileChannel.open(f.dir.resolve("stderr"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            closeAll(f);
            throw new UncheckedIOException("cannot write --results files in " + f.dir + ": " + JobLog.reason(e), e);
        }
    }

    @Override
    void data(Job job, int fd, ByteBuffer data) {
        JobFiles f = (JobFiles) job.outputState;
        try {
            while (data.hasRemaining()) f.channels[fd].write(data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f.dir.resolve(fd == 1 ? "stdout" : "stderr") + ": "
                    + JobLog.reason(e), e);
        }
    }

    @Override
    void retrying(Job job) {
        // started() truncates the files for the next attempt
    }

    @Override
    void finished(Job job) {
        JobFiles f = (JobFiles) job.outputState;
        closeAll(f);
        try {
            Files.writeString(f.dir.resolve("seq"), Long.toString(job.seq));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f.dir.resolve("seq") + ": " + JobLog.reason(e), e);
        }
        job.outputState = null;
        printed.accept(job);
    }

    @Override
    void abandoned(Job job) {
        JobFiles f = (JobFiles) job.outputState;
        if (f != null) closeAll(f);
        job.outputState = null;
    }

    private static void closeAll(JobFiles f) {
        for (int fd = 1; fd <= 2; fd++) {
            if (f.channels[fd] == null) continue;
            try {
                f.channels[fd].close();
            } catch (IOException ignored) {
                // written with write(2) as it came; nothing is buffered here
            }
            f.channels[fd] = null;
        }
    }
}
