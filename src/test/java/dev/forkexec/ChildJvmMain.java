package dev.forkexec;

import dev.forkexec.internal.NativeLibrary;
import dev.forkexec.testkit.ProcFs;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The main class of the child JVMs some tests start (under a trap, as nobody, with other system
 * properties). Prints {@code key=value} lines on stdout; the first argument picks what it does.
 */
public final class ChildJvmMain {
    private ChildJvmMain() {}

    /**
     * Ignores SIGCHLD (as code that calls Signal.handle(new Signal("CHLD"), SIG_IGN) does), then runs
     * children exiting 0, 3, 7 and killed by SIGKILL through Subprocess and through a Reactor.
     */
    private static void sigchldIgnored() throws Exception {
        // The JDK's own process support sets SIGCHLD back to SIG_DFL when it initializes (ProcessImpl's
        // static init; on JDK 25 the first System.getenv() triggers it, which ProcessSpec calls), so
        // let that happen first: the ignore must come after it, as from a native library at run time.
        Class.forName("java.lang.ProcessImpl", true, null);
        Class<?> signal = Class.forName("sun.misc.Signal");
        Class<?> handler = Class.forName("sun.misc.SignalHandler");
        Object chld = signal.getConstructor(String.class).newInstance("CHLD");
        signal.getMethod("handle", signal, handler).invoke(null, chld, handler.getField("SIG_IGN").get(null));
        Map<Integer, String> fdsBefore = ProcFs.pipeAndPidfdFds();
        List<ProcessSpec> specs = List.of(ProcessSpec.command("true").build(),
                ProcessSpec.command("sh", "-c", "exit 3").build(), ProcessSpec.command("sh", "-c", "exit 7").build(),
                ProcessSpec.command("sleep", "30").build());
        List<String> statuses = new java.util.ArrayList<>();
        boolean usage = false;
        boolean known = true;
        for (ProcessSpec spec : specs) {
            Subprocess p = Subprocess.start(spec);
            if (spec.argv().get(0).equals("sleep")) p.signal(9);
            ExitStatus s = p.waitFor();
            statuses.add(s.toString());
            usage |= s.resourceUsage().isPresent();
            known &= s.isKnown();
            p.close();
        }
        System.out.println("subprocess=" + String.join("|", statuses));
        System.out.println("subprocess-closed=true");
        java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
        List<String> reactorStatuses = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<String> onExit = new java.util.ArrayList<>();
        try (Reactor r = Reactor.create()) {
            for (ProcessSpec spec : specs) {
                ChildProcess c = r.spawnProcess(new ProcessProtocol() {
                    @Override
                    public void processEnded(ExitStatus status) {
                        ended.incrementAndGet();
                        reactorStatuses.add(status.toString());
                    }
                }, spec);
                if (spec.argv().get(0).equals("sleep")) c.signalProcess(9);
                onExit.add(c.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS).toString());
            }
        }
        System.out.println("reactor-closed=true");
        System.out.println("reactor=" + String.join("|", reactorStatuses));
        System.out.println("reactor-onexit=" + String.join("|", onExit));
        System.out.println("ended-once=" + ended.get());
        System.out.println("usage=" + usage);
        System.out.println("known=" + known);
        System.out.println("pidfd-info=" + !statuses.get(0).startsWith("status unknown"));
        Map<Integer, String> fdsAfter = ProcFs.pipeAndPidfdFds();
        fdsAfter.keySet().removeAll(fdsBefore.keySet());
        System.out.println("leaked-fds=" + fdsAfter);
        System.out.println("zombies=" + ProcFs.zombieChildren());
    }

    /** Whether the native library is mapped into this JVM. */
    private static boolean loaded() throws java.io.IOException {
        return ProcFs.maps().stream().anyMatch(l -> l.contains(NativeLibrary.LIBRARY));
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "sigign": // args[1]: the probe
                System.out.println("jvm-sigign=" + ProcFs.status("SigIgn"));
                String status = run(ProcessSpec.command(args[1], "status").childFDs(Map.of(1, ChildFD.parentReads())).build());
                for (String line : status.split("\n")) {
                    String[] kv = line.split(":\\s*");
                    System.out.println("child-" + kv[0].toLowerCase() + "=" + kv[1].trim());
                }
                break;
            case "setuid": // args[1]: the probe
                System.out.println("uid=" + ProcFs.status("Uid").split("\\s+")[0]);
                tryCredentials(args[1], System.out);
                break;
            case "mechanism":
                System.out.println("mechanism=" + Subprocess.spawnMechanism());
                try (Subprocess p = Subprocess.start(ProcessSpec.command("true").childFDs(Map.of()).build())) {
                    System.out.println("exit=" + p.waitFor());
                }
                System.out.println("fork=" + Subprocess.spawnCount("fork"));
                System.out.println("clone-vm=" + Subprocess.spawnCount("clone-vm"));
                break;
            case "loader":
                System.out.println("mechanism=" + Subprocess.spawnMechanism());
                System.out.println("maps=" + ProcFs.maps().stream().filter(l -> l.contains(NativeLibrary.LIBRARY))
                        .map(l -> l.substring(l.indexOf('/'))).distinct().collect(Collectors.joining("|")));
                try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                    System.out.println("tmp=" + tmp.map(p -> p.getFileName().toString()).sorted()
                            .collect(Collectors.joining(",")));
                }
                break;
            case "values": // no spawn: what the value types print when the library cannot be loaded
                System.out.println("killed=" + ExitStatus.killed(9, false));
                System.out.println("exited=" + ExitStatus.exited(3));
                System.out.println("spec=" + ProcessSpec.command("echo", "hi").environment(Map.of()).build());
                System.out.println("loaded=" + loaded());
                break;
            case "cgroup": // args[1]: the probe, args[2]: a cgroup directory; prints its cgroup or the failure
                try {
                    String out = run(ProcessSpec.command(args[1], "process").cgroup(Path.of(args[2]))
                            .childFDs(Map.of(1, ChildFD.parentReads())).build());
                    for (String kv : out.split("\\s+")) {
                        if (kv.startsWith("cgroup=")) System.out.println(kv);
                    }
                } catch (SpawnException e) {
                    System.out.println("step=" + e.step());
                    System.out.println("errno=" + e.errno());
                    System.out.println("message=" + e.getMessage());
                }
                break;
            case "sigchld-ignored":
                sigchldIgnored();
                break;
            case "pdeathsig": // a child that must die with this JVM; prints its pid, then the JVM dies at once
                Subprocess orphan = Subprocess.start(ProcessSpec.command("sleep", "60").parentDeathSignal(9)
                        .childFDs(Map.of()).build());
                System.out.println("child=" + orphan.pid());
                System.out.flush();
                Runtime.getRuntime().halt(0);
                break;
            case "load":
                try {
                    System.out.println("loaded mechanism=" + Subprocess.spawnMechanism());
                } catch (Throwable t) {
                    System.out.println("error=" + t.getClass().getName() + ": " + t.getMessage());
                }
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.flush();
    }

    /**
     * Tries uid(0), gid(0) and groups(0) in turn; prints {@code <step>.step/errno/message} for each,
     * then how many pipes/pidfds and zombies the attempts left.
     */
    static void tryCredentials(String probe, java.io.PrintStream out) throws Exception {
        java.util.Map<Integer, String> before = ProcFs.pipeAndPidfdFds();
        java.util.Set<Long> zombiesBefore = ProcFs.zombieChildren();
        java.util.Map<String, ProcessSpec.Builder> attempts = new java.util.LinkedHashMap<>();
        attempts.put("setuid", ProcessSpec.command(probe, "ids").uid(0));
        attempts.put("setgid", ProcessSpec.command(probe, "ids").gid(0));
        attempts.put("setgroups", ProcessSpec.command(probe, "ids").groups(0));
        for (Map.Entry<String, ProcessSpec.Builder> a : attempts.entrySet()) {
            try {
                run(a.getValue().childFDs(Map.of(1, ChildFD.parentReads())).build());
                out.println(a.getKey() + ".step=started");
            } catch (SpawnException e) {
                out.println(a.getKey() + ".step=" + e.step());
                out.println(a.getKey() + ".errno=" + e.errno());
                out.println(a.getKey() + ".message=" + e.getMessage());
            }
        }
        java.util.Map<Integer, String> after = ProcFs.pipeAndPidfdFds();
        after.keySet().removeAll(before.keySet());
        java.util.Set<Long> zombies = ProcFs.zombieChildren();
        zombies.removeAll(zombiesBefore);
        out.println("pipes-and-pidfds-leaked=" + after.size());
        out.println("zombies=" + zombies.size());
    }

    private static String run(ProcessSpec spec) throws Exception {
        try (Subprocess p = Subprocess.start(spec)) {
            FileChannel c = p.channel(1);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (c.read(buf) >= 0) {
                // to EOF
            }
            ExitStatus s = p.waitFor();
            if (!s.isSuccess()) throw new IllegalStateException(spec + " ended with " + s);
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
    }
}
