package dev.forkexec.usage;

import dev.forkexec.ProcessSpec;
import dev.forkexec.Subprocess;
import java.util.Map;

/**
 * A user's main class, outside forkexec's packages so that it can sit on the class path while the
 * jar is on the module path (ModuleIT, NativeAccessIT). Spawns /bin/true and prints {@code key=value}
 * lines: {@code module} (forkexec's module name, or "unnamed"), {@code true} (its exit status),
 * {@code internal-exported} and {@code internal} (whether dev.forkexec.internal can be used from here).
 */
public final class UserMain {
    private UserMain() {}

    public static void main(String[] args) throws Exception {
        Module forkexec = Subprocess.class.getModule();
        System.out.println("module=" + (forkexec.isNamed() ? forkexec.getName() : "unnamed"));
        try (Subprocess p = Subprocess.start(ProcessSpec.command("/bin/true").childFDs(Map.of()).build())) {
            System.out.println("true=" + p.waitFor());
        }
        System.out.println("internal-exported=" + forkexec.isExported("dev.forkexec.internal"));
        try {
            Object mechanism = Class.forName("dev.forkexec.internal.NativeSpawn").getField("MECHANISM").get(null);
            System.out.println("internal=accessible (NativeSpawn.MECHANISM=" + mechanism + ")");
        } catch (IllegalAccessException e) {
            System.out.println("internal=inaccessible");
        }
    }
}
