#!/usr/bin/env bash
# Native test harness, run by exec-maven-plugin in process-test-classes:
#   bash src/test/c/build.sh <project.build.directory>
#
#  * src/test/c/*_probe.c -> <target>/test-bin/<name>  (helper binaries for JUnit
#    tests; found through the forkexec.testbin system property)
#  * src/test/c/*_test.c  -> <target>/test-bin/<name>, linked with the main C
#    sources listed on a "// sources: a.c b.c" line at the top of the file, then RUN;
#    any failure fails the build. Each test unbuffers its own stdout (so its
#    output/seed shows up even if it hangs) under a timeout of
#    ${FORKEXEC_C_TEST_TIMEOUT:-300} seconds; a timeout counts as a failure.
#    Each test also runs built with -fsanitize=address,undefined, and under
#    valgrind --error-exitcode=1 when valgrind is installed (FORKEXEC_EXPECT_MECHANISM=fork
#    there: valgrind runs CLONE_VM|CLONE_VFORK as a fork and the spawn probe must notice).
#  * gcc -fanalyzer over every src/main/c/*.c; any finding fails the build.
#  * platforms.sh: every library bundled in target/classes/native (symbol versions <= GLIBC_2.17,
#    NEEDED, a dlopen + spawn probe), and the C tests for aarch64 (qemu-aarch64) and musl.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 <project.build.directory>" >&2
    exit 2
fi

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASEDIR="$(cd "$SCRIPT_DIR/../../.." && pwd)"
TARGET="$(mkdir -p "$1" && cd "$1" && pwd)"
MAIN_C="$BASEDIR/src/main/c"
TEST_C="$BASEDIR/src/test/c"
BIN="$TARGET/test-bin"
JNI_GEN="$TARGET/generated-sources/jni"

CC="${CC:-gcc}"
WARN=(-Wall -Wextra -Werror)
CFLAGS=(-O2 -std=gnu11 -D_GNU_SOURCE "${WARN[@]}")

mkdir -p "$BIN"
shopt -s nullglob

# --- probes -----------------------------------------------------------------
for src in "$TEST_C"/*_probe.c; do
    name="$(basename "$src" .c)"
    echo "[build.sh] probe  $name"
    "$CC" "${CFLAGS[@]}" -I"$MAIN_C" -o "$BIN/$name" "$src"
done

# --- C unit tests -----------------------------------------------------------
tests=("$TEST_C"/*_test.c)
failed=()
for src in "${tests[@]}"; do
    name="$(basename "$src" .c)"
    extra=()
    # "// sources: a.c b.c" must be within the first 5 lines.
    line="$(head -n 5 "$src" | grep -m1 -E '^[[:space:]]*//[[:space:]]*sources:' || true)"
    if [ -n "$line" ]; then
        for s in ${line#*sources:}; do
            if [ ! -f "$MAIN_C/$s" ]; then
                echo "[build.sh] ERROR: $src lists missing source src/main/c/$s" >&2
                exit 1
            fi
            extra+=("$MAIN_C/$s")
        done
    fi
    echo "[build.sh] test   $name (+ ${extra[*]##*/})"
    "$CC" "${CFLAGS[@]}" -I"$MAIN_C" -o "$BIN/$name" "$src" "${extra[@]}"
    "$CC" "${CFLAGS[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
        -I"$MAIN_C" -o "$BIN/$name.asan" "$src" "${extra[@]}"
done
TIMEOUT="${FORKEXEC_C_TEST_TIMEOUT:-300}"
# run_test <label> <command...>: one run under the timeout; a failure is recorded, not fatal yet.
runs=0
run_test() {
    local label="$1"
    shift
    runs=$((runs + 1))
    echo "[build.sh] run    $label (timeout ${TIMEOUT}s)"
    if timeout -k 5 "$TIMEOUT" "$@"; then
        echo "[build.sh] PASS   $label"
    else
        local rc=$?
        if [ "$rc" -eq 124 ]; then
            echo "[build.sh] FAIL   $label (timed out after ${TIMEOUT}s)" >&2
        else
            echo "[build.sh] FAIL   $label (exit $rc)" >&2
        fi
        failed+=("$label")
    fi
}
for src in "${tests[@]}"; do
    name="$(basename "$src" .c)"
    run_test "$name" "$BIN/$name"
    run_test "$name (asan+ubsan)" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$BIN/$name.asan"
    if command -v valgrind >/dev/null 2>&1; then
        run_test "$name (valgrind)" env FORKEXEC_EXPECT_MECHANISM=fork \
            valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite "$BIN/$name"
    else
        echo "[build.sh] valgrind not installed: $name not run under it"
    fi
done
echo "[build.sh] C tests: $runs runs, ${#failed[@]} failed"
if [ ${#failed[@]} -ne 0 ]; then
    echo "[build.sh] FAILED: ${failed[*]}" >&2
    exit 1
fi

# --- static analysis -------------------------------------------------------------
if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
fi
JNI_INCLUDES=(-I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" -I"$JNI_GEN" -I"$MAIN_C")
for src in "$MAIN_C"/*.c; do
    "$CC" "${CFLAGS[@]}" -fanalyzer -fPIC -c "${JNI_INCLUDES[@]}" -o /dev/null "$src"
done
echo "[build.sh] gcc -fanalyzer: clean ($(ls "$MAIN_C"/*.c | wc -l) files)"

# --- the child path calls raw syscalls only ------------------------------------------
# child.c runs between clone and exec in the JVM's memory: besides syscall(2) and errno it may
# reach no library function (no malloc, no stdio, no locks, no __stack_chk_fail).
child_symbols() {
    local cc="$1" obj="$TARGET/child-symbols.o" bad
    "$cc" "${CFLAGS[@]}" -fPIC -c -o "$obj" "$MAIN_C/child.c"
    bad="$(nm -u "$obj" | awk '{print $2}' | grep -v -x -E 'syscall|__errno_location' || true)"
    if [ -n "$bad" ]; then
        echo "[build.sh] FAIL   child.c ($cc) calls more than raw syscalls: $bad" >&2
        exit 1
    fi
    echo "[build.sh] PASS   child.c ($cc) needs only syscall and errno"
}
child_symbols "$CC"

# --- the bundled libraries, aarch64 under qemu-user, musl ---------------------------------------
bash "$TEST_C/platforms.sh" "$TARGET"
