#!/bin/sh
# `make`'s demo job list: compress and checksum every source file of the repository into
# target/runner-demo/out with the job runner, keeping a joblog and a report, then print a short
# table from the report. Usage: src/main/jobs/compress-sources.sh [extra runner options]
set -eu
cd "$(dirname "$0")/../../.."
demo=target/runner-demo
rm -rf "$demo"
mkdir -p "$demo"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z > "$demo/inputs"
else
    find src bench docs -type f -print0 > "$demo/inputs"
fi
status=0
bin/forkexec -0 --bar --joblog "$demo/joblog.tsv" --report "$demo/report.jsonl" "$@" \
    src/main/jobs/compress-one.sh {} "$demo/out" :::: "$demo/inputs" || status=$?
# The report is one flat JSON object per line: pull out the numbers with awk.
awk '
    function num(key,   m) { return match($0, "\"" key "\":[0-9.]+") ? substr($0, RSTART + length(key) + 3, RLENGTH - length(key) - 3) + 0 : 0 }
    function file(   s) { s = $0; sub(/.*"command":\["[^"]*","/, "", s); sub(/".*/, "", s); return s }
    { n++; rt[n] = num("runtime"); f[n] = file(); cpu += num("userTime") + num("systemTime")
      if (num("maxRss") > rss) rss = num("maxRss"); if (num("exit") != 0 || num("signal") != 0) bad++ }
    END {
        printf "\n%d jobs, %d failed; CPU %.3f s in all; largest max RSS %.1f MiB\nslowest jobs:\n", n, bad, cpu, rss / 1048576
        for (k = 1; k <= 5 && k <= n; k++) {
            best = 0; for (i = 1; i <= n; i++) if (!(i in shown) && (best == 0 || rt[i] > rt[best])) best = i
            shown[best] = 1; printf "  %8.3f s  %s\n", rt[best], f[best]
        }
    }' "$demo/report.jsonl"
exit $status
