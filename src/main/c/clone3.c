/*
 * clone3.c - clone3(2) for the cgroup spawns (see clone3.h).
 *
 * With CLONE_VM the child shares our memory and gets its own stack, so it cannot return
 * from a C function into our frames: the syscall and the first call on the new stack are
 * written in assembly, as glibc's clone3.S does (glibc's wrapper is internal and 2.34+).
 * In the child the kernel copies the parent's registers except the return value and the
 * stack pointer, so fn and arg ride in registers the syscall preserves.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clone3.h"

#ifndef SYS_clone3
#define SYS_clone3 435 /* the same on every architecture (the unified syscall table) */
#endif

#if defined(__x86_64__)
/* rdi = args, rsi = size, rdx = fn, rcx = arg; syscall clobbers rcx and r11, so arg moves to r8. */
__asm__(".text\n"
        ".globl fe_clone3_vm\n"
        ".hidden fe_clone3_vm\n"
        ".type fe_clone3_vm, @function\n"
        "fe_clone3_vm:\n"
        "    mov %rcx, %r8\n"
        "    mov $435, %eax\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"                /* the parent: pid or -errno */
        "1:  xor %ebp, %ebp\n"     /* the child, on its stack: the outermost frame */
        "    and $-16, %rsp\n"
        "    mov %r8, %rdi\n"
        "    call *%rdx\n"
        "    mov %eax, %edi\n"
        "    mov $231, %eax\n"     /* exit_group */
        "    syscall\n"
        "    hlt\n"
        ".size fe_clone3_vm, .-fe_clone3_vm\n");
#elif defined(__aarch64__)
/* x0 = args, x1 = size, x2 = fn, x3 = arg; fn and arg are kept in x10 and x11. */
__asm__(".text\n"
        ".globl fe_clone3_vm\n"
        ".hidden fe_clone3_vm\n"
        ".type fe_clone3_vm, %function\n"
        "fe_clone3_vm:\n"
        "    mov x10, x2\n"
        "    mov x11, x3\n"
        "    mov x8, #435\n"
        "    svc #0\n"
        "    cbz x0, 1f\n"
        "    ret\n"                /* the parent: pid or -errno */
        "1:  mov x29, xzr\n"       /* the child, on its stack: the outermost frame */
        "    mov x30, xzr\n"
        "    mov x0, x11\n"
        "    blr x10\n"
        "    mov x8, #94\n"        /* exit_group */
        "    svc #0\n"
        "    brk #0\n"
        ".size fe_clone3_vm, .-fe_clone3_vm\n");
#else
long fe_clone3_vm(struct fe_clone_args *args, size_t size, int (*fn)(void *), void *arg) {
    (void)args;
    (void)size;
    (void)fn;
    (void)arg;
    return -ENOSYS;
}
#endif

long fe_clone3_fork(struct fe_clone_args *args, size_t size) {
    long r = syscall(SYS_clone3, args, size);
    return r < 0 ? -errno : r;
}
