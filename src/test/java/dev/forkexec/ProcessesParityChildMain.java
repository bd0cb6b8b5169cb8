package dev.forkexec;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The child JVM of {@link ProcessesParityTest}'s PATH scenarios: a JVM whose own {@code PATH} the test
 * chooses (or leaves unset), because the JDK's program lookup depends on it and a running JVM cannot
 * change its own environment. Starts one command with the named starter and prints one line:
 * {@code exit=N out=TEXT} or {@code threw=CLASS: MESSAGE} (newlines escaped as {@code \n}), or
 * {@code unavailable} when the starter cannot run in this build.
 *
 * <pre>
 *   ProcessesParityChildMain STARTER DIR|- ENV PROGRAM [ARGS...]
 *     ENV: keep        never call pb.environment()
 *          touch       call pb.environment() and change nothing
 *          put:K=V     pb.environment().put(K, V)
 * </pre>
 */
public final class ProcessesParityChildMain {
    private ProcessesParityChildMain() {}

    public static void main(String[] args) throws Exception {
        ProcessStarter starter = ProcessStarter.byName(args[0]);
        if (!starter.available()) {
            System.out.println("unavailable");
            return;
        }
        List<String> command = Arrays.asList(args).subList(3, args.length);
        ProcessBuilder pb = new ProcessBuilder(command);
        if (!args[1].equals("-")) pb.directory(new File(args[1]));
        String env = args[2];
        if (env.equals("touch")) {
            pb.environment();
        } else if (env.startsWith("put:")) {
            String kv = env.substring(4);
            int eq = kv.indexOf('=');
            pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        } else if (!env.equals("keep")) {
            throw new IllegalArgumentException("ENV must be keep, touch or put:K=V, not " + env);
        }
        String line;
        try {
            Process p = starter.start(pb);
            p.getOutputStream().close();
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            byte[] out = readAll(p.getInputStream());
            err.join();
            line = "exit=" + p.waitFor() + " out=" + new String(out, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            line = "threw=" + t.getClass().getName() + ": " + t.getMessage();
        }
        System.out.println(line.replace("\\", "\\\\").replace("\n", "\\n"));
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
