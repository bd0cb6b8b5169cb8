// sources: fdplan.c
/*
 * fdplan_test.c - replays fe_fdplan_compute() plans on a simulated fd table.
 *
 * For fixed and random maps (swaps, cycles, identities, shared sources, the error
 * pipe on a mapped slot, fds near a high limit) it checks what the child would
 * see at exec: exactly the mapped fds, each a copy of its parent fd, close-on-exec
 * off; the error pipe alive and close-on-exec; no op reading a closed fd.
 * Prints the seed; pass one as argv[1] to replay a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fdplan.h"

#define TABLE 512
#define EMPTY 0

static int object[TABLE];  /* what each fd refers to; EMPTY = closed */
static int cloexec[TABLE];
static unsigned long long rng;
static int failures;

static unsigned next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

static void fail(const char *what, const int *child, const int *parent, int n, int errfd) {
    failures++;
    fprintf(stderr, "FAIL: %s; map:", what);
    for (int i = 0; i < n; i++) fprintf(stderr, " %d<-%d", child[i], parent[i]);
    fprintf(stderr, " errfd=%d\n", errfd);
}

/* Runs the plan on a copy of the table and checks what exec would leave. */
static void replay(const int *child, const int *parent, int n, int errfd, const int *before);

static void check(const int *child, const int *parent, int n, int errfd) {
    int before[TABLE], before_cloexec[TABLE];
    memcpy(before, object, sizeof before);
    memcpy(before_cloexec, cloexec, sizeof before_cloexec);
    replay(child, parent, n, errfd, before);
    memcpy(object, before, sizeof before); /* the next case starts from the same parent */
    memcpy(cloexec, before_cloexec, sizeof before_cloexec);
}

static void replay(const int *child, const int *parent, int n, int errfd, const int *before) {
    struct fe_fdop ops[2 * 64 + 1];
    int keep[64 + 1];
    struct fe_fdplan plan = {.ops = ops, .keep = keep};
    if (fe_fdplan_compute(child, parent, n, errfd, &plan) != 0) {
        fail("compute rejected a valid map", child, parent, n, errfd);
        return;
    }
    if (plan.nops > 2 * n + 1 || plan.nkeep != n + 1) {
        fail("plan exceeds its capacity", child, parent, n, errfd);
        return;
    }
    for (int i = 0; i < plan.nops; i++) {
        struct fe_fdop *op = &ops[i];
        if (op->src < 0 || op->src >= TABLE || op->dst < 0 || op->dst >= TABLE || object[op->src] == EMPTY) {
            fail("op uses a closed or impossible fd", child, parent, n, errfd);
            return;
        }
        if (op->kind == FE_FDOP_KEEP) {
            cloexec[op->dst] = 0;
        } else {
            if (op->src == op->dst) {
                fail("dup3 onto itself (EINVAL)", child, parent, n, errfd);
                return;
            }
            object[op->dst] = object[op->src];
            cloexec[op->dst] = op->kind == FE_FDOP_ASIDE;
        }
    }
    for (int i = 1; i < plan.nkeep; i++)
        if (keep[i - 1] >= keep[i]) fail("keep list not ascending", child, parent, n, errfd);
    /* close pass, then exec closes close-on-exec fds */
    for (int fd = 0; fd < TABLE; fd++) {
        int kept = 0;
        for (int k = 0; k < plan.nkeep; k++) kept |= keep[k] == fd;
        if (!kept) object[fd] = EMPTY;
    }
    if (object[plan.errfd] != before[errfd] || !cloexec[plan.errfd])
        fail("error pipe lost or inheritable", child, parent, n, errfd);
    for (int i = 0; i < n; i++) {
        if (object[child[i]] != before[parent[i]]) fail("child fd points to the wrong file", child, parent, n, errfd);
        if (cloexec[child[i]]) fail("child fd still close-on-exec", child, parent, n, errfd);
    }
    int survivors = 0;
    for (int fd = 0; fd < TABLE; fd++) survivors += object[fd] != EMPTY && !cloexec[fd];
    if (survivors != n) fail("an unmapped fd survives exec", child, parent, n, errfd);
}

/* A parent whose fds 0..nopen-1 (and a few high ones) are open, all close-on-exec. */
static void reset_table(int nopen, int high) {
    memset(object, 0, sizeof object);
    for (int fd = 0; fd < TABLE; fd++) cloexec[fd] = 1;
    for (int fd = 0; fd < nopen; fd++) object[fd] = fd + 1;
    for (int fd = high - 4; fd < high; fd++) object[fd] = fd + 1;
}

static void fixed_cases(void) {
    reset_table(16, TABLE);
    int c1[] = {0, 1, 2}, p1[] = {0, 1, 1}; /* command 2>&1 */
    check(c1, p1, 3, 9);
    int c2[] = {0, 1}, p2[] = {1, 0}; /* swap */
    check(c2, p2, 2, 9);
    int c3[] = {5}, p3[] = {5}; /* identity clears close-on-exec */
    check(c3, p3, 1, 9);
    int c4[] = {0, 1, 2}, p4[] = {1, 2, 0}; /* three-cycle */
    check(c4, p4, 3, 9);
    int c5[] = {3, 4}, p5[] = {7, 8}; /* error pipe sits on a mapped slot */
    check(c5, p5, 2, 3);
    int c6[] = {3}, p6[] = {3}; /* ... even an identity one */
    check(c6, p6, 1, 3);
    int c7[] = {0, 1, 2, 3, 4, 5}, p7[] = {10, 11, 2, 12, 13, 14}; /* Twisted's six-fd map */
    check(c7, p7, 6, 15);
    int c8[] = {TABLE - 1, TABLE - 2, 0}, p8[] = {TABLE - 2, TABLE - 1, TABLE - 3}; /* near the limit: temporaries stay low */
    check(c8, p8, 3, 5);
    check(NULL, NULL, 0, 7); /* empty map: every fd closed */
}

static int in(const int *fds, int n, int fd) {
    for (int i = 0; i < n; i++)
        if (fds[i] == fd) return 1;
    return 0;
}

/* A low fd (where collisions happen) or one just under the table's limit. */
static int random_fd(int low_range) {
    return next_random() % 4 == 0 ? TABLE - 1 - (int)(next_random() % 4) : (int)(next_random() % low_range);
}

static void random_cases(int rounds) {
    for (int r = 0; r < rounds; r++) {
        int child[64], parent[64];
        int nopen = 1 + next_random() % 20;
        reset_table(nopen, TABLE);
        int n = next_random() % 13;
        for (int i = 0; i < n; i++) {
            int fd, src;
            do fd = random_fd(16);
            while (in(child, i, fd));
            do src = random_fd(nopen);
            while (object[src] == EMPTY);
            child[i] = fd;
            parent[i] = src;
        }
        /* the error pipe is a fresh fd, never a source; it may sit on a mapped slot */
        int errfd;
        do errfd = n > 0 && next_random() % 4 == 0 ? child[next_random() % n] : random_fd(24);
        while (in(parent, n, errfd));
        object[errfd] = TABLE + 1;
        check(child, parent, n, errfd);
        if (failures > 10) return;
    }
}

static void rejects_malformed_maps(void) {
    struct fe_fdop ops[5];
    int keep[3];
    struct fe_fdplan plan = {.ops = ops, .keep = keep};
    int c[] = {1, 1}, p[] = {3, 4};
    if (fe_fdplan_compute(c, p, 2, 9, &plan) != -1) fail("duplicate child fd accepted", c, p, 2, 9);
    int c2[] = {-1}, p2[] = {3};
    if (fe_fdplan_compute(c2, p2, 1, 9, &plan) != -1) fail("negative child fd accepted", c2, p2, 1, 9);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0); /* the seed shows even if a run hangs */
    unsigned long long seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 0x9e3779b97f4a7c15ULL ^ (unsigned long long)time(NULL);
    rng = seed ? seed : 1;
    printf("fdplan_test: seed %llu\n", seed);
    fixed_cases();
    rejects_malformed_maps();
    random_cases(100000);
    if (failures) {
        printf("fdplan_test: %d failures (seed %llu)\n", failures, seed);
        return 1;
    }
    printf("fdplan_test: 100000 random maps and the fixed cases passed\n");
    return 0;
}
