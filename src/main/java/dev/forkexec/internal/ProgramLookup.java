package dev.forkexec.internal;

import java.util.ArrayList;
import java.util.List;

/** execvpe's search order, computed in the parent before the child exists. */
public final class ProgramLookup {
    /** The search path when the child's environment has no PATH. */
    public static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private ProgramLookup() {}

    /**
     * The files to try, in order: the program itself when it contains '/', else each PATH entry
     * joined with it (an empty entry meaning the child's working directory).
     */
    public static List<String> candidates(String program, String path) {
        if (program.isEmpty() || program.indexOf('/') >= 0) return List.of(program);
        String search = path != null ? path : DEFAULT_PATH;
        List<String> out = new ArrayList<>();
        for (String dir : search.split(":", -1)) {
            if (dir.isEmpty()) {
                out.add(program);
            } else {
                out.add(dir.endsWith("/") ? dir + program : dir + "/" + program);
            }
        }
        return List.copyOf(out);
    }
}
