package dev.forkexec.demo;

import dev.forkexec.ChildFD;
import dev.forkexec.ExitStatus;
import dev.forkexec.ProcessSpec;
import dev.forkexec.SpawnException;
import dev.forkexec.Subprocess;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/** The {@code make} demo: a few children with a non-trivial fd map, and the spawn time. */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws Exception {
        System.out.println("forkexec demo (spawn mechanism: " + Subprocess.spawnMechanism() + ")");

        // A shell that reads fd 0 and writes fds 1, 2 and 3: four pipes, one of them beyond stdio.
        ProcessSpec spec = ProcessSpec.command("sh", "-c", "read line; echo \"out: $line\"; echo err >&2; echo three >&3")
                .childFD(3, ChildFD.parentReads())
                .build();
        try (Subprocess p = Subprocess.start(spec)) {
            p.channel(0).write(ByteBuffer.wrap("hello from Java\n".getBytes(StandardCharsets.UTF_8)));
            p.channel(0).close();
            ExitStatus status = p.waitFor();
            System.out.printf("pid %d exited with %s%n  fd 1: %s  fd 2: %s  fd 3: %s%n", p.pid(), status,
                    readAll(p.channel(1)), readAll(p.channel(2)), readAll(p.channel(3)));
        }

        try {
            Subprocess.start(ProcessSpec.command("/no/such/program").build());
        } catch (SpawnException e) {
            System.out.println("a missing program fails at once: " + e.getMessage() + " [step " + e.step() + "]");
        }

        ProcessSpec trueSpec = ProcessSpec.command("true").childFDs(java.util.Map.of()).build();
        int n = 2000;
        for (int i = 0; i < 200; i++) run(trueSpec); // warm-up
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) run(trueSpec);
        long micros = (System.nanoTime() - start) / 1000 / n;
        System.out.printf("spawn and reap /bin/true, no fds: %d us per child (%d sequential)%n", micros, n);
    }

    private static void run(ProcessSpec spec) throws Exception {
        try (Subprocess p = Subprocess.start(spec)) {
            p.waitFor();
        }
    }

    private static String readAll(FileChannel channel) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (channel.read(buf) > 0) {
            // a pipe reads until the child's end is closed
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
    }
}
