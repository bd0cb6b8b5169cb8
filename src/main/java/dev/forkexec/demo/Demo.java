package dev.forkexec.demo;

import dev.forkexec.ChildFD;
import dev.forkexec.ExitStatus;
import dev.forkexec.ProcessProtocol;
import dev.forkexec.ProcessSpec;
import dev.forkexec.ProcessTransport;
import dev.forkexec.Reactor;
import dev.forkexec.SpawnException;
import dev.forkexec.Subprocess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code make} demo: children with a non-trivial fd map on one reactor thread, an exec failure,
 * and the spawn time of both APIs.
 */
public final class Demo {
    private Demo() {}

    /** Collects what one child does, by fd, and prints it when the child has ended. */
    private static final class Report implements ProcessProtocol {
        private final String name;
        private final String stdin;
        private final Map<Integer, StringBuilder> out = new TreeMap<>();
        private final List<String> events = new ArrayList<>();

        Report(String name, String stdin) {
            this.name = name;
            this.stdin = stdin;
        }

        @Override
        public void connectionMade(ProcessTransport transport) {
            events.add("connectionMade " + transport);
            if (stdin != null) {
                transport.write(stdin.getBytes(StandardCharsets.UTF_8));
                transport.closeStdin();
            }
        }

        @Override
        public void childDataReceived(int childFD, ByteBuffer data) {
            out.computeIfAbsent(childFD, fd -> new StringBuilder()).append(StandardCharsets.UTF_8.decode(data));
        }

        @Override
        public void childConnectionLost(int childFD) {
            events.add("lost fd " + childFD);
        }

        @Override
        public void processExited(ExitStatus status) {
            events.add("exited: " + status);
        }

        @Override
        public void processEnded(ExitStatus status) {
            StringBuilder s = new StringBuilder(name + ": " + String.join(", ", events) + ", ended: " + status + "\n");
            out.forEach((fd, text) -> s.append("    fd ").append(fd).append(": ").append(text.toString().trim()).append('\n'));
            System.out.print(s);
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println("forkexec demo: spawn mechanism " + Subprocess.spawnMechanism());
        try (Reactor reactor = Reactor.create()) {
            // stdin, stdout, stderr and an extra pipe on fd 3, all on the one reactor thread.
            ProcessSpec shell = ProcessSpec.command("sh", "-c",
                            "read line; echo \"out: $line\"; echo \"err: $$\" >&2; echo three >&3; exit 3")
                    .childFD(3, ChildFD.parentReads())
                    .build();
            // The seed's 'command 2>&1' is the map {1: 1, 2: 1}: both lines go to this JVM's own stdout.
            ProcessSpec merged = ProcessSpec.command("sh", "-c", "echo '    (child) to stdout'; echo '    (child) to stderr' >&2")
                    .childFDs(Map.of(1, ChildFD.inherit(1), 2, ChildFD.inherit(1)))
                    .build();
            List<CompletableFuture<ExitStatus>> done = new ArrayList<>();
            done.add(reactor.spawnProcess(new Report("sh with fds 0-3", "hello from Java"), shell).onExit());
            done.add(reactor.spawnProcess(new Report("2>&1 into the JVM's stdout", null), merged).onExit());
            for (CompletableFuture<ExitStatus> f : done) f.join();
            System.out.flush();

            try {
                reactor.spawnProcess(new Report("never", ""), ProcessSpec.command("/no/such/program").build());
            } catch (SpawnException e) {
                System.out.println("a missing program fails at once: " + e.getMessage() + " [step " + e.step() + "]");
            }

            ProcessSpec noFds = ProcessSpec.command("true").childFDs(Map.of()).build();
            System.out.printf("spawn + reap /bin/true, no fds: %d us (Subprocess), %d us (Reactor), median of 5 x 200%n",
                    time(() -> {
                        try (Subprocess p = Subprocess.start(noFds)) {
                            p.waitFor();
                        }
                    }),
                    time(() -> reactor.spawnProcess(new ProcessProtocol() {}, noFds).onExit().join()));
        }
    }

    private interface Spawn {
        void run() throws Exception;
    }

    private static long time(Spawn spawn) throws Exception {
        long[] rounds = new long[5];
        for (int i = 0; i < 100; i++) spawn.run(); // warm-up
        for (int r = 0; r < rounds.length; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < 200; i++) spawn.run();
            rounds[r] = (System.nanoTime() - start) / 1000 / 200;
        }
        java.util.Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }
}
