/*
 * writer_probe.c - a child for the data-integrity tests: writes a known byte stream
 * to each of fds 1, 2 and 3, in random-sized chunks and a random fd order, with a
 * few short random pauses, then _exit(0)s at once (no flush, no atexit).
 *
 *   writer_probe SEED SIZE1 SIZE2 SIZE3
 *
 * Byte i of fd f is byte (i % 8) (little-endian) of mix(key(SEED, f) + i / 8), where
 * mix is splitmix64's finaliser and key(s, f) = mix(s ^ (f * 0x9E3779B97F4A7C15)).
 * The Java side (DataIntegrityTest) computes the same stream, so any lost, repeated,
 * reordered or foreign byte is found. Chunk sizes and order come from a second
 * generator seeded from SEED, so a run can be replayed exactly.
 *
 * Exit status 0; 2 for a usage error; 3 when a write failed (errno in the exit path
 * is not reported: the parent sees a short stream and the status).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NFDS 3
#define MAX_CHUNK (256 * 1024)

static uint64_t mix(uint64_t x) {
    uint64_t z = x + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* xorshift64*, for the chunking decisions only. */
static uint64_t rng_state;
static uint64_t rng(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n) { return n == 0 ? 0 : rng() % n; }

/* Fills buf with stream bytes [pos, pos + len) of the stream keyed by key. */
static void fill(unsigned char *buf, uint64_t key, uint64_t pos, size_t len) {
    for (size_t i = 0; i < len; i++) {
        uint64_t at = pos + i;
        buf[i] = (unsigned char)(mix(key + (at >> 3)) >> (8 * (at & 7)));
    }
}

static int write_all(int fd, const unsigned char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Mostly pipe-sized chunks, sometimes tiny ones, sometimes large ones. */
static size_t chunk_size(void) {
    switch (below(4)) {
    case 0: return 1 + below(16);
    case 1: return 1 + below(4096);
    case 2: return 1 + below(65536);
    default: return 1 + below(MAX_CHUNK);
    }
}

int main(int argc, char **argv) {
    if (argc != 2 + NFDS) return 2;
    uint64_t seed = strtoull(argv[1], NULL, 10);
    uint64_t size[NFDS], done[NFDS] = {0}, key[NFDS];
    for (int f = 0; f < NFDS; f++) {
        size[f] = strtoull(argv[2 + f], NULL, 10);
        key[f] = mix(seed ^ ((uint64_t)(f + 1) * 0x9E3779B97F4A7C15ULL));
    }
    rng_state = mix(seed ^ 0xD1B54A32D192ED03ULL) | 1;
    static unsigned char buf[MAX_CHUNK];
    for (;;) {
        int left[NFDS], nleft = 0;
        for (int f = 0; f < NFDS; f++)
            if (done[f] < size[f]) left[nleft++] = f;
        if (nleft == 0) break;
        int f = left[below((uint64_t)nleft)];
        size_t len = chunk_size();
        if (len > size[f] - done[f]) len = (size_t)(size[f] - done[f]);
        fill(buf, key[f], done[f], len);
        if (write_all(f + 1, buf, len) < 0) _exit(3);
        done[f] += len;
        if (below(32) == 0) { /* "at random times": a pause of up to 0.5 ms */
            struct timespec ts = {0, (long)below(500000)};
            nanosleep(&ts, NULL);
        }
    }
    _exit(0);
}
