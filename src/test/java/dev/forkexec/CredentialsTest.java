package dev.forkexec;

import static dev.forkexec.TestSupport.NOBODY;
import static dev.forkexec.TestSupport.NOGROUP;
import static dev.forkexec.TestSupport.output;
import static dev.forkexec.TestSupport.parseIds;
import static dev.forkexec.TestSupport.probe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkexec.testkit.ProcFs;
import dev.forkexec.testkit.ProcStat;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** uid, gid, supplementary groups (as root) and setsid, as the child sees them. */
@Timeout(60)
class CredentialsTest {
    private static final Map<Integer, ChildFD> STDOUT = Map.of(1, ChildFD.parentReads());

    private static Map<String, String> ids(ProcessSpec.Builder b) throws Exception {
        return parseIds(output(b.childFDs(STDOUT).build()));
    }

    private static void assumeRoot() {
        assumeTrue(TestSupport.isRoot(), "changing credentials needs root");
    }

    private static Set<String> groupSet(String list) {
        return list.isEmpty() ? Set.of() : new TreeSet<>(Arrays.asList(list.split(",")));
    }

    /** A field of /proc/self/status ("Uid", "Gid", "Groups"), whitespace-separated. */
    private static String[] status(String field) {
        String v = ProcFs.status(field);
        return v.isEmpty() ? new String[0] : v.split("\\s+");
    }

    @Test
    void defaultCredentialsAreTheParents() throws Exception {
        Map<String, String> ids = ids(probe("ids"));
        String[] uid = status("Uid");
        String[] gid = status("Gid");
        assertEquals(uid[0], ids.get("uid"));
        assertEquals(uid[1], ids.get("euid"));
        assertEquals(gid[0], ids.get("gid"));
        assertEquals(gid[1], ids.get("egid"));
        assertEquals(new TreeSet<>(Arrays.asList(status("Groups"))), groupSet(ids.get("groups")));
    }

    @Test
    void uidGidAndGroupsBecomeNobodys() throws Exception {
        assumeRoot();
        Map<String, String> ids = ids(probe("ids").uid(NOBODY).gid(NOGROUP).groups(NOGROUP));
        for (String k : new String[] {"uid", "euid", "suid"}) assertEquals(String.valueOf(NOBODY), ids.get(k), k);
        for (String k : new String[] {"gid", "egid", "sgid"}) assertEquals(String.valueOf(NOGROUP), ids.get(k), k);
        assertEquals(String.valueOf(NOGROUP), ids.get("groups"));
    }

    @Test
    void severalSupplementaryGroupsAreAllSet() throws Exception {
        assumeRoot();
        Map<String, String> ids = ids(probe("ids").uid(NOBODY).gid(NOGROUP).groups(4, 100, NOGROUP));
        assertEquals(Set.of("4", "100", String.valueOf(NOGROUP)), groupSet(ids.get("groups")));
    }

    @Test
    void emptyGroupsDropsEverySupplementaryGroup() throws Exception {
        assumeRoot();
        // Give the parent-equivalent a group first, to see it go.
        assertEquals(Set.of("4"), groupSet(ids(probe("ids").groups(4)).get("groups")));
        assertEquals(Set.of(), groupSet(ids(probe("ids").uid(NOBODY).gid(NOGROUP).groups()).get("groups")));
    }

    @Test
    void gidAloneChangesOnlyTheGroup() throws Exception {
        assumeRoot();
        Map<String, String> ids = ids(probe("ids").gid(NOGROUP));
        assertEquals("0", ids.get("uid"));
        assertEquals("0", ids.get("euid"));
        for (String k : new String[] {"gid", "egid", "sgid"}) assertEquals(String.valueOf(NOGROUP), ids.get(k), k);
    }

    @Test
    void uidAloneKeepsTheGroupsUnchanged() throws Exception {
        assumeRoot();
        Map<String, String> ids = ids(probe("ids").uid(NOBODY));
        for (String k : new String[] {"uid", "euid", "suid"}) assertEquals(String.valueOf(NOBODY), ids.get(k), k);
        assertEquals(status("Gid")[0], ids.get("gid"));
        assertEquals(new TreeSet<>(Arrays.asList(status("Groups"))), groupSet(ids.get("groups")));
    }

    @Test
    void newSessionMakesTheChildASessionAndGroupLeader() throws Exception {
        Map<String, String> ids = ids(probe("ids").newSession(true));
        assertEquals(ids.get("pid"), ids.get("sid"));
        assertEquals(ids.get("pid"), ids.get("pgid"));
    }

    @Test
    void withoutNewSessionTheChildStaysInOurSessionAndGroup() throws Exception {
        ProcStat ours = ProcStat.self();
        Map<String, String> ids = ids(probe("ids"));
        assertEquals(String.valueOf(ours.session()), ids.get("sid"));
        assertEquals(String.valueOf(ours.pgrp()), ids.get("pgid"));
    }

    @Test
    void newSessionAndCredentialsCombine() throws Exception {
        assumeRoot();
        Map<String, String> ids = ids(probe("ids").newSession(true).uid(NOBODY).gid(NOGROUP).groups()
                .directory(Path.of("/")));
        assertEquals(ids.get("pid"), ids.get("sid"));
        assertEquals(String.valueOf(NOBODY), ids.get("uid"));
        assertEquals("/", ids.get("cwd"));
        assertEquals("", ids.get("groups"));
    }
}
