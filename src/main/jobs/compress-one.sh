#!/bin/sh
# One job of `make`'s demo: compress and checksum one source file into the output tree.
#   compress-one.sh FILE OUTDIR   ->  OUTDIR/FILE.gz and OUTDIR/FILE.sha256
# Exec'd directly by the runner (no shell between them), so any file name arrives as one argument.
set -eu
file=$1
out=$2/$file
mkdir -p "$(dirname "$out")"
gzip -9 -c -- "$file" > "$out.gz"
sha256sum -- "$file" > "$out.sha256"
