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
        Last last = LAST;
        if (last != null && last.program.equals(program) && last.search.equals(search)) return last.candidates;
        List<String> found = search(program, search);
        LAST = new Last(program, search, found);
        return found;
    }

    /** The last lookup: a job runner starts the same program with the same PATH again and again. */
    private record Last(String program, String search, List<String> candidates) {}

    private static volatile Last LAST;

    private static List<String> search(String program, String search) {
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
