package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.fail;

import dev.forkexec.ExitStatus;
import dev.forkexec.ProcessSpec;
import dev.forkexec.Subprocess;
import dev.forkexec.testkit.JavaCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the runner as a child JVM through the library ({@code java -cp <target/classes>
 * dev.forkexec.runner.Main ...}) and collects what it did, for the end-to-end tests.
 */
final class RunnerHarness {
    /** What one run of the runner left: exit status, stdout, stderr, and how long it took. */
    record Run(int status, String out, String err, Duration elapsed) {
        /** stderr without the summary line. */
        List<String> errLines() {
            List<String> lines = new ArrayList<>(List.of(err.split("\n", -1)));
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
            return lines;
        }

        String summary() {
            List<String> l = errLines();
            return l.isEmpty() ? "" : l.get(l.size() - 1);
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private RunnerHarness() {}

    /** {@code java <small-JVM flags> -cp <ours> dev.forkexec.runner.Main args...}. */
    static List<String> javaCommand(String... args) {
        return JavaCommand.main(Main.class, args).toList();
    }

    /** Runs the runner in {@code dir} with {@code stdin} as its input. */
    static Run run(Path dir, String stdin, String... args) throws Exception {
        return run(dir, stdin, Map.of(), javaCommand(args));
    }

    /** Runs any command the same way (GNU parallel, for comparisons). */
    static Run run(Path dir, String stdin, Map<String, String> extraEnv, List<String> command) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(extraEnv);
        env.remove("COLUMNS");
        ProcessSpec spec = ProcessSpec.command(command).directory(dir).environment(env).build();
        long t0 = System.nanoTime();
        try (Subprocess p = Subprocess.start(spec)) {
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.channel(1)));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.channel(2)));
            FileChannel in = p.channel(0);
            ByteBuffer b = ByteBuffer.wrap(stdin.getBytes(StandardCharsets.UTF_8));
            try {
                while (b.hasRemaining()) in.write(b);
            } catch (IOException closedEarly) {
                // the runner did not read all of it; that is its business
            }
            in.close();
            Optional<ExitStatus> s = p.waitFor(Duration.ofSeconds(60));
            if (s.isEmpty()) fail(command + " did not finish within 60 s");
            ExitStatus st = s.get();
            int status = st.signal() != 0 ? 128 + st.signal() : st.exitCode();
            return new Run(status, out.get(), err.get(), Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    private static String readAll(FileChannel c) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        try {
            while (c.read(buf) >= 0) {
                o.write(buf.array(), 0, buf.position());
                buf.clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return o.toString(StandardCharsets.UTF_8);
    }

    /** GNU parallel, when it is installed. */
    static Optional<String> gnuParallel() {
        Path p = Path.of("/usr/bin/parallel");
        return Files.isExecutable(p) ? Optional.of(p.toString()) : Optional.empty();
    }
}
