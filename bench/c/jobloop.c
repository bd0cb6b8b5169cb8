/*
 * Scenario 12's limit: the least a job runner can do. Reads one input per line from stdin and runs
 * PROG INPUT for each, at most J at once, with glibc posix_spawnp (clone(CLONE_VM|CLONE_VFORK) +
 * execve, forkexec's mechanism) and wait(2); no joblog, no grouping, no timeout: what xargs -P J -n 1
 * does, minus xargs' own fork() of itself per job. The jobs' stdout is this program's stdout.
 *
 *   jobloop J PROG   ->  exit 0 once every job ran and exited 0, 2 otherwise
 */
#include "common.h"

/* Reaps whichever job ends first (every child is one of ours); 1 if it did not exit 0. */
static int reap_any(void) {
    int status;
    while (wait(&status) < 0)
        if (errno != EINTR) die("wait");
    return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: jobloop J PROG < inputs\n");
        return 2;
    }
    long long j = arg_ll(argv[1]);
    if (j < 1) {
        fprintf(stderr, "bench C: J must be at least 1\n");
        return 2;
    }
    char line[4096];
    long long running = 0;
    int failed = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        for (; running >= j; running--) failed |= reap_any();
        char *args[] = {argv[2], line, NULL};
        pid_t pid;
        check_spawn(posix_spawnp(&pid, argv[2], NULL, NULL, args, environ), argv[2]);
        running++;
    }
    for (; running > 0; running--) failed |= reap_any();
    return failed ? 2 : 0;
}
