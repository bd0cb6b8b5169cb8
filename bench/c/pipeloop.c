/*
 * The pipe-throughput limit on this machine (scenario 5): one child, one pipe, a plain
 * blocking read(2)/write(2) loop with a 64 KiB buffer.
 *
 *   pipeloop read BYTES         child `head -c BYTES /dev/zero`; we read its stdout to EOF
 *   pipeloop write BYTES SINK   child SINK reads stdin to EOF; we write BYTES of zeros to it
 *
 * Prints the ns from spawn to reap (what the Java drivers time too).
 */
#include "common.h"

#define CHUNK (64 * 1024)
static char buf[CHUNK];

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: pipeloop read BYTES | pipeloop write BYTES SINK\n");
        return 2;
    }
    int reading = strcmp(argv[1], "read") == 0;
    long long bytes = arg_ll(argv[2]);
    if (!reading && argc < 4) die("write needs the sink program");
    char count[32];
    snprintf(count, sizeof count, "%lld", bytes);
    char *head_argv[] = {"head", "-c", count, "/dev/zero", NULL};
    char *sink_argv[] = {argv[3], NULL};

    int64_t start = now_ns();
    int p[2];
    if (pipe2(p, O_CLOEXEC)) die("pipe2");
    posix_spawn_file_actions_t fa;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, reading ? p[1] : p[0], reading ? 1 : 0);
    check_spawn(reading ? posix_spawnp(&pid, "head", &fa, NULL, head_argv, environ)
                        : posix_spawn(&pid, argv[3], &fa, NULL, sink_argv, environ),
                "posix_spawn");
    posix_spawn_file_actions_destroy(&fa);
    long long moved = 0;
    if (reading) {
        close(p[1]);
        for (;;) {
            ssize_t n = read(p[0], buf, CHUNK);
            if (n == 0) break;
            if (n < 0) {
                if (errno == EINTR) continue;
                die("read");
            }
            moved += n;
        }
        close(p[0]);
    } else {
        close(p[0]);
        while (moved < bytes) {
            long long left = bytes - moved;
            ssize_t n = write(p[1], buf, left < CHUNK ? (size_t)left : CHUNK);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("write");
            }
            moved += n;
        }
        close(p[1]);
    }
    reap_ok(pid);
    int64_t elapsed = now_ns() - start;
    if (moved != bytes) {
        fprintf(stderr, "pipeloop: moved %lld of %lld bytes\n", moved, bytes);
        return 2;
    }
    printf("%lld\n", (long long)elapsed);
    return 0;
}
