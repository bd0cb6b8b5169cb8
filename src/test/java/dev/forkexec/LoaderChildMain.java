package dev.forkexec;

import dev.forkexec.internal.NativeLibrary;
import dev.forkexec.testkit.ProcFs;
import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The main class of the child JVMs the loader tests start: loads the library (through
 * {@link Subprocess#spawnMechanism()}) and prints {@code key=value} lines:
 * {@code mechanism} or {@code error} (the Throwable and its message), {@code maps} (where the library
 * is mapped executable from, {@code |}-separated), then {@code list.<i>} for each directory given as an argument
 * (its entries, sorted, after loading).
 */
public final class LoaderChildMain {
    private LoaderChildMain() {}

    public static void main(String[] args) throws Exception {
        try {
            System.out.println("mechanism=" + Subprocess.spawnMechanism());
        } catch (Throwable t) {
            System.out.println("error=" + t.getClass().getName() + ": " + t.getMessage());
        }
        // Executable mappings only: a load that failed (noexec) can leave a non-executable one behind.
        System.out.println("maps=" + ProcFs.maps().stream().filter(l -> l.split(" ")[1].contains("x"))
                .filter(l -> l.contains("/" + NativeLibrary.LIBRARY) || l.contains("/libforkexec-"))
                .map(l -> l.substring(l.indexOf('/'))).distinct().collect(Collectors.joining("|")));
        for (int i = 0; i < args.length; i++) {
            String[] names = new File(args[i]).list();
            if (names != null) Arrays.sort(names);
            System.out.println("list." + i + "=" + (names == null ? "(missing)" : String.join(",", List.of(names))));
        }
        System.out.flush();
    }
}
