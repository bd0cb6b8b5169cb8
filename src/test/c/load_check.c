/*
 * load_check.c - loads a built libforkexec.so the way the JVM's System.load does, but with RTLD_NOW
 * so that every symbol and symbol version is resolved at once, then runs the spawn-mechanism probe
 * inside it (what NativeSpawn's static initializer does) and reads one constant through the JNI entry
 * points. Built and run by platforms.sh for each bundled library: natively, under qemu-aarch64, and
 * against musl.
 *
 *   load_check <path/to/libforkexec.so> <clone-vm|fork>   (the mechanism the probe must choose)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "spawn.h"

typedef int (*init_fn)(void *env, void *cls, int mechanism);
typedef int (*constant_fn)(void *env, void *cls);

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: load_check <libforkexec.so> <clone-vm|fork>\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "load_check: FAIL dlopen: %s\n", dlerror());
        return 1;
    }
    init_fn init = (init_fn)dlsym(lib, "Java_dev_forkexec_internal_NativeSpawn_init");
    constant_fn epollin = (constant_fn)dlsym(lib, "Java_dev_forkexec_internal_NativeEpoll_epollin");
    if (init == NULL || epollin == NULL) {
        fprintf(stderr, "load_check: FAIL a JNI entry point is missing: %s\n", dlerror());
        return 1;
    }
    if (epollin(NULL, NULL) != EPOLLIN) {
        fprintf(stderr, "load_check: FAIL NativeEpoll.epollin() returned %d, not %d\n", epollin(NULL, NULL), EPOLLIN);
        return 1;
    }
    int mechanism = init(NULL, NULL, FE_MECH_AUTO);
    const char *name = mechanism == FE_MECH_CLONE_VM ? "clone-vm" : mechanism == FE_MECH_FORK ? "fork" : "unknown";
    printf("load_check: %s loaded (RTLD_NOW); the probe chose spawn mechanism %s\n", argv[1], name);
    if (strcmp(name, argv[2]) != 0) {
        fprintf(stderr, "load_check: FAIL expected mechanism %s\n", argv[2]);
        return 1;
    }
    return 0;
}
