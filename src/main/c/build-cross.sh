#!/usr/bin/env bash
# The bundled libraries besides the host one (which nar-maven-plugin builds), run by exec-maven-plugin
# in process-classes, after the host copy is in place:
#   bash src/main/c/build-cross.sh <project.build.directory> <java.home>
#
#   native/linux-aarch64/libforkexec.so       aarch64-linux-gnu-gcc  (Debian gcc-aarch64-linux-gnu)
#   native/linux-x86_64-musl/libforkexec.so   musl-gcc               (Debian musl-tools)
#
# each beside its .sha256, in <target>/classes, so the jar carries them. Same sources and flags as the
# host build in pom.xml (keep CFLAGS below in step with the nar-maven-plugin <options> there); glibc
# builds force-include glibc_compat.h (no symbol newer than GLIBC_2.17). A missing compiler prints a
# WARNING and that library is left out; with FORKEXEC_REQUIRE_ALL_PLATFORMS=1 (.ci/run) it fails the
# build instead. src/test/c/platforms.sh checks what was built.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 <project.build.directory> <java.home>" >&2
    exit 2
fi
TARGET="$(cd "$1" && pwd)"
JAVA_HOME="$2"
MAIN_C="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NATIVE="$TARGET/classes/native"
CFLAGS=(-Wall -Wextra -Werror -O2 -std=gnu11 -fPIC -D_GNU_SOURCE -include "$MAIN_C/glibc_compat.h")
INCLUDES=(-I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" -I"$TARGET/generated-sources/jni" -I"$MAIN_C")

if [ "$(uname -m)" != x86_64 ]; then
    # pom.xml's host build lands in native/linux-x86_64; other build hosts are not supported yet.
    echo "[build-cross] ERROR: the build host must be x86_64 (this is $(uname -m))" >&2
    exit 1
fi

missing=()
# build <platform> <compiler> <package that provides it>
build() {
    local platform="$1" cc="$2" package="$3" out="$NATIVE/$1"
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "[build-cross] WARNING: $cc not found: the jar will have no $platform library (install $package)" >&2
        missing+=("$platform ($cc)")
        rm -rf "$out"
        return 0
    fi
    mkdir -p "$out"
    "$cc" -shared "${CFLAGS[@]}" "${INCLUDES[@]}" -o "$out/libforkexec.so" "$MAIN_C"/*.c
    sha256sum "$out/libforkexec.so" | cut -d' ' -f1 >"$out/libforkexec.so.sha256"
    echo "[build-cross] $platform: built with $cc ($(stat -c %s "$out/libforkexec.so") bytes)"
}

build linux-aarch64 aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
# musl-gcc puts musl's headers first and drops /usr/include; the JDK's include dirs hold only jni*.h,
# so no glibc header is mixed in.
build linux-x86_64-musl musl-gcc musl-tools

if [ ${#missing[@]} -ne 0 ] && [ "${FORKEXEC_REQUIRE_ALL_PLATFORMS:-0}" = 1 ]; then
    echo "[build-cross] FAILED: FORKEXEC_REQUIRE_ALL_PLATFORMS=1 but not built: ${missing[*]}" >&2
    exit 1
fi
