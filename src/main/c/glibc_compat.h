/*
 * glibc_compat.h - keeps libforkexec.so loadable on glibc 2.17 and later (RHEL/Rocky 8, Amazon
 * Linux 2, Ubuntu 20.04, Debian 11, ...) although it is built against a newer glibc.
 *
 * Force-included (gcc -include) into every compile of src/main/c, so no source file has to know.
 * A new glibc gives a moved or changed function a new symbol version, and the linker binds to the
 * newest; the library then refuses to load on an older glibc ("version `GLIBC_2.34' not found").
 * Each symbol below is pinned to its oldest version instead, which newer glibcs keep exporting.
 *
 *   pthread_key_create, pthread_getspecific, pthread_setspecific, pthread_once: moved from
 *   libpthread into libc in glibc 2.34 (new version GLIBC_2.34). Their old versions are the base
 *   version of the architecture. Before 2.34 they are defined in libpthread.so.0, which every JVM
 *   process has loaded (the java launcher and libjvm.so link it), and the dynamic linker matches
 *   a symbol by name and version in any loaded object, so the library still needs only libc.so.6.
 *
 * src/test/c/platforms.sh checks every bundled glibc library with objdump -T: a symbol version
 * newer than GLIBC_2.17, or a NEEDED library other than libc.so.6 / ld-linux, fails `make test`.
 * When it names a new symbol, pin it here (objdump -T /lib/<triplet>/libc.so.6 lists its versions)
 * or call the syscall directly.
 *
 * Without effect on musl (no __GLIBC__) and on glibc when FORKEXEC_NO_GLIBC_COMPAT is defined.
 */
#ifndef FORKEXEC_GLIBC_COMPAT_H
#define FORKEXEC_GLIBC_COMPAT_H

#include <features.h>

#if defined(__GLIBC__) && !defined(FORKEXEC_NO_GLIBC_COMPAT)

#if defined(__x86_64__)
#define FE_GLIBC_BASE_VERSION "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define FE_GLIBC_BASE_VERSION "GLIBC_2.17"
#else
#error "glibc_compat.h: the oldest glibc symbol versions are known for x86_64 and aarch64 only"
#endif

#define FE_OLDEST_VERSION(symbol) __asm__(".symver " #symbol "," #symbol "@" FE_GLIBC_BASE_VERSION)

FE_OLDEST_VERSION(pthread_key_create);
FE_OLDEST_VERSION(pthread_getspecific);
FE_OLDEST_VERSION(pthread_setspecific);
FE_OLDEST_VERSION(pthread_once);

#endif
#endif
