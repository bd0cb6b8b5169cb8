#!/usr/bin/env bash
# The bundled libraries and the platforms this host is not, run by build.sh (so by `make test`):
#   bash src/test/c/platforms.sh <project.build.directory>
#
# For each <target>/classes/native/<platform>/libforkexec.so (what the jar carries):
#   * its .sha256 matches it, and readelf shows the platform's machine (x86-64 / AArch64);
#   * NEEDED is the C library only (libc.so.6 or ld-linux for glibc; libc.so or libc.musl-* for musl);
#   * glibc builds: objdump -T shows no symbol version newer than GLIBC_2.17 (see glibc_compat.h);
#   * load_check.c dlopen()s it with RTLD_NOW and runs the spawn-mechanism probe in it: natively for
#     x86_64 glibc and musl (clone-vm), under qemu-aarch64 for aarch64 (qemu-user does not share
#     memory on CLONE_VM, so the probe must choose fork).
# Then the pure-C tests (*_test.c) built for aarch64 and run under qemu-aarch64 (FORKEXEC_EXPECT_MECHANISM=fork),
# and built against musl and run natively; and child.c's raw-syscalls-only check with each compiler.
# A missing tool prints a SKIPPED line naming it; a library missing although its compiler is installed fails.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <project.build.directory>" >&2
    exit 2
fi
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASEDIR="$(cd "$SCRIPT_DIR/../../.." && pwd)"
TARGET="$(cd "$1" && pwd)"
MAIN_C="$BASEDIR/src/main/c"
TEST_C="$BASEDIR/src/test/c"
NATIVE="$TARGET/classes/native"
OUT="$TARGET/platforms"
CFLAGS=(-O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -include "$MAIN_C/glibc_compat.h")
GLIBC_FLOOR=2.17
QEMU_AARCH64_ROOT="${QEMU_AARCH64_ROOT:-/usr/aarch64-linux-gnu}"
TIMEOUT="${FORKEXEC_C_TEST_TIMEOUT:-300}"

mkdir -p "$OUT"
failed=()
fail() {
    echo "[platforms] FAIL   $*" >&2
    failed+=("$1")
}
have() { command -v "$1" >/dev/null 2>&1; }
skipped=0
skip() {
    echo "[platforms] SKIPPED $*"
    skipped=$((skipped + 1))
}

# --- what each bundled library is, needs and loads as --------------------------------
# check_library <platform> <ELF machine as readelf names it> <glibc|musl>
check_library() {
    local platform="$1" machine="$2" libc="$3" lib="$NATIVE/$1/libforkexec.so"
    if [ "$(sha256sum "$lib" | cut -d' ' -f1)" != "$(tr -d '[:space:]' <"$lib.sha256")" ]; then
        fail "$platform: $lib.sha256 does not match the library"
    fi
    if ! have readelf || ! have objdump; then
        skip "$platform: symbol versions and NEEDED not checked (binutils not installed)"
        return 0
    fi
    local found_machine needed bad_needed versions highest
    found_machine="$(readelf -h "$lib" | sed -n 's/^ *Machine: *//p')"
    if [[ "$found_machine" != *"$machine"* ]]; then
        fail "$platform: ELF machine is '$found_machine', not $machine"
    fi
    needed="$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
    if [ "$libc" = glibc ]; then
        bad_needed="$(tr ' ' '\n' <<<"$needed" | grep -v -x -E '|libc\.so\.6|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1' || true)"
    else
        bad_needed="$(tr ' ' '\n' <<<"$needed" | grep -v -x -E '|libc\.so|libc\.musl-[a-z0-9_]+\.so\.1' || true)"
    fi
    versions="$(objdump -T "$lib" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V | tr '\n' ' ' || true)"
    if [ -n "$bad_needed" ]; then
        fail "$platform: needs more than the C library: NEEDED $needed"
    fi
    if [ "$libc" = glibc ]; then
        highest="$(tr ' ' '\n' <<<"$versions" | grep . | sed 's/GLIBC_//' | sort -V | tail -n 1)"
        if [ -z "$highest" ] || [ "$(printf '%s\n%s\n' "$highest" "$GLIBC_FLOOR" | sort -V | tail -n 1)" != "$GLIBC_FLOOR" ]; then
            fail "$platform: needs GLIBC_${highest:-?}, newer than GLIBC_$GLIBC_FLOOR. Symbols above the floor:"
            objdump -T "$lib" | grep 'GLIBC_' | awk -v floor="$GLIBC_FLOOR" '{
                v = $0; sub(/.*GLIBC_/, "", v); sub(/[) ].*/, "", v); print v, $NF }' |
                while read -r v sym; do
                    if [ "$(printf '%s\n%s\n' "$v" "$GLIBC_FLOOR" | sort -V | tail -n 1)" != "$GLIBC_FLOOR" ]; then
                        echo "[platforms]          $sym GLIBC_$v" >&2
                    fi
                done
        else
            echo "[platforms] PASS   $platform: symbol versions $versions(highest GLIBC_$highest <= $GLIBC_FLOOR); NEEDED $needed"
        fi
        if objdump -T "$lib" | grep -q GLIBC_PRIVATE; then
            fail "$platform: refers to GLIBC_PRIVATE symbols, which no other glibc build provides"
        fi
    elif [ -n "$versions" ]; then
        fail "$platform: a musl library refers to glibc symbol versions: $versions"
    else
        echo "[platforms] PASS   $platform: no glibc symbol versions; NEEDED $needed"
    fi
}

# run <label> <command...>: one run under the timeout, output shown, a failure recorded.
run() {
    local label="$1"
    shift
    if timeout -k 5 "$TIMEOUT" "$@"; then
        echo "[platforms] PASS   $label"
    else
        fail "$label (exit $?)"
    fi
}

# child_symbols <compiler>: child.c may call raw syscalls only (as build.sh checks for the host gcc).
child_symbols() {
    local cc="$1" obj="$OUT/child-$1.o" nm="nm" bad
    "$cc" "${CFLAGS[@]}" -fPIC -c -o "$obj" "$MAIN_C/child.c"
    bad="$($nm -u "$obj" | awk '{print $2}' | grep -v -x -E 'syscall|__errno_location' || true)"
    if [ -n "$bad" ]; then
        fail "child.c ($cc) calls more than raw syscalls: $bad"
    else
        echo "[platforms] PASS   child.c ($cc) needs only syscall and errno"
    fi
}

# build_tests <compiler> <suffix>: load_check and every *_test.c into $OUT/<name>-<suffix>.
build_tests() {
    local cc="$1" suffix="$2" src name line extra s
    "$cc" "${CFLAGS[@]}" -I"$MAIN_C" -o "$OUT/load_check-$suffix" "$TEST_C/load_check.c" -ldl
    for src in "$TEST_C"/*_test.c; do
        name="$(basename "$src" .c)"
        extra=()
        line="$(head -n 5 "$src" | grep -m1 -E '^[[:space:]]*//[[:space:]]*sources:' || true)"
        for s in ${line#*sources:}; do extra+=("$MAIN_C/$s"); done
        "$cc" "${CFLAGS[@]}" -I"$MAIN_C" -o "$OUT/$name-$suffix" "$src" "${extra[@]}"
    done
}

# --- linux-x86_64 (glibc, this host) -------------------------------------------------------
if [ -f "$NATIVE/linux-x86_64/libforkexec.so" ]; then
    check_library linux-x86_64 X86-64 glibc
    gcc "${CFLAGS[@]}" -I"$MAIN_C" -o "$OUT/load_check-x86_64" "$TEST_C/load_check.c" -ldl
    run "linux-x86_64: load_check (native)" "$OUT/load_check-x86_64" "$NATIVE/linux-x86_64/libforkexec.so" clone-vm
else
    fail "linux-x86_64: $NATIVE/linux-x86_64/libforkexec.so is missing"
fi

# --- linux-aarch64 (glibc) -----------------------------------------------------------------
if ! have aarch64-linux-gnu-gcc; then
    skip "linux-aarch64: library, C tests and load check (aarch64-linux-gnu-gcc not installed; Debian: gcc-aarch64-linux-gnu)"
elif [ ! -f "$NATIVE/linux-aarch64/libforkexec.so" ]; then
    fail "linux-aarch64: aarch64-linux-gnu-gcc is installed but the build made no $NATIVE/linux-aarch64/libforkexec.so"
else
    check_library linux-aarch64 AArch64 glibc
    child_symbols aarch64-linux-gnu-gcc
    build_tests aarch64-linux-gnu-gcc aarch64
    if ! have qemu-aarch64; then
        skip "linux-aarch64: load check and C tests not run (qemu-aarch64 not installed; Debian: qemu-user)"
    elif [ ! -d "$QEMU_AARCH64_ROOT/lib" ]; then
        skip "linux-aarch64: load check and C tests not run (no aarch64 glibc at $QEMU_AARCH64_ROOT; Debian: libc6-arm64-cross)"
    else
        QEMU=(qemu-aarch64 -L "$QEMU_AARCH64_ROOT")
        run "linux-aarch64: load_check (qemu-aarch64)" "${QEMU[@]}" "$OUT/load_check-aarch64" \
            "$NATIVE/linux-aarch64/libforkexec.so" fork
        for src in "$TEST_C"/*_test.c; do
            name="$(basename "$src" .c)"
            run "$name (aarch64, qemu-aarch64)" env FORKEXEC_EXPECT_MECHANISM=fork "${QEMU[@]}" "$OUT/$name-aarch64"
        done
    fi
fi

# --- linux-x86_64-musl ---------------------------------------------------------------------
if ! have musl-gcc; then
    skip "linux-x86_64-musl: library, C tests and load check (musl-gcc not installed; Debian: musl-tools)"
elif [ ! -f "$NATIVE/linux-x86_64-musl/libforkexec.so" ]; then
    fail "linux-x86_64-musl: musl-gcc is installed but the build made no $NATIVE/linux-x86_64-musl/libforkexec.so"
else
    check_library linux-x86_64-musl X86-64 musl
    child_symbols musl-gcc
    build_tests musl-gcc musl
    run "linux-x86_64-musl: load_check (musl's dynamic loader)" "$OUT/load_check-musl" \
        "$NATIVE/linux-x86_64-musl/libforkexec.so" clone-vm
    for src in "$TEST_C"/*_test.c; do
        name="$(basename "$src" .c)"
        run "$name (musl)" "$OUT/$name-musl"
    done
fi

if [ ${#failed[@]} -ne 0 ]; then
    echo "[platforms] FAILED: ${#failed[@]} check(s), each marked FAIL above" >&2
    exit 1
fi
if [ "$skipped" -ne 0 ]; then
    echo "[platforms] passed, but $skipped part(s) SKIPPED for want of a tool (lines above)"
else
    echo "[platforms] all bundled libraries and platform runs passed, nothing skipped"
fi
