#!/bin/sh
# bench_outofcore.sh - data larger than memory: the same runs from a --cache
# in memory and inside a memory cgroup of about a third of the cache (page
# cache dropped first), where smloss streams; part of make bench.
#
# Workload: scripts/gen_bench.c letor ROWS 7 (ROWS = BENCH_OOC_ROWS, 1500000:
# 2.0 GB of text, a 1.66 GB cache; --quick: a tenth). Runs: pointwise and
# listwise L-BFGS --max-iter 3, listwise SGD --epochs 2, pointwise SGD
# --epochs 1. For each: the training seconds (the epoch table's, loading
# excluded), the final objective, the peak anonymous memory (RssAnon sampled
# every 20 ms) and, in the cgroup, the ratio to the in-memory time. A run in
# the cgroup is stopped after 20 times the in-memory run's wall clock plus a
# minute (shown as "stopped").
# The budget in the cgroup is smloss's default (3/4 of the cgroup's limit),
# which also shows that the default reads the limit. A dd of the cache with
# the page cache dropped gives the disk's speed.
#
# Needs root (the cgroup, v1 or v2, and drop_caches): otherwise it says so
# and skips. Figures are wall-clock on a possibly busy machine: compare the
# ratios, measured in the same run. Asserts nothing (timings are not tests).
set -u
cd "$(dirname "$0")/.." || exit 2
. scripts/peak_anon.sh
ROWS=${BENCH_OOC_ROWS:-1500000}
[ "${1:-}" = "--quick" ] && ROWS=$((ROWS / 10))
SMLOSS=./smloss
B=build/bench
NAME=smloss_bench_ooc
[ -x "$SMLOSS" ] || { echo "bench_outofcore.sh: run 'make' first" >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then
    echo "bench_outofcore.sh: skipped: the memory cgroup and dropping the page cache need root" >&2
    exit 0
fi
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    CG=/sys/fs/cgroup/$NAME LIMIT_FILE=memory.max PROCS=cgroup.procs
elif [ -d /sys/fs/cgroup/memory ]; then
    CG=/sys/fs/cgroup/memory/$NAME LIMIT_FILE=memory.limit_in_bytes PROCS=tasks
else
    echo "bench_outofcore.sh: skipped: no memory cgroup (v1 or v2) here" >&2
    exit 0
fi
mkdir -p "$B"
${CC:-cc} -O2 -o "$B/gen_bench" scripts/gen_bench.c -lm || exit 1
DATA=$B/ooc-letor-$ROWS.txt
CACHE=$B/ooc-letor-$ROWS.cache
[ -s "$DATA" ] || "$B/gen_bench" letor "$ROWS" 7 > "$DATA" || exit 1
"$SMLOSS" train -q -d "$DATA" --cache "$CACHE" -m "$B/ooc.model" --max-iter 1 || exit 1
cache_bytes=$(wc -c < "$CACHE")
limit=$((cache_bytes / 3))
mkdir -p "$CG" || exit 1
trap 'rmdir "$CG" 2>/dev/null' EXIT INT TERM
echo "$limit" > "$CG/$LIMIT_FILE" || exit 1

now() { date +%s.%N; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# RUN WHERE(mem|cg) OPTIONS...: wall seconds, objective, peak RssAnon MB
# into $B/ooc.result
run() {
    where=$1; shift
    t0=$(now)
    if [ "$where" = cg ]; then
        drop
        sh -c 'echo $$ > "$1/$2"; shift 2; exec "$@"' sh "$CG" "$PROCS" \
            "$SMLOSS" train -d "$DATA" --cache "$CACHE" -m "$B/ooc.model" "$@" 2> "$B/ooc.err" &
    else
        "$SMLOSS" train -d "$DATA" --cache "$CACHE" -m "$B/ooc.model" "$@" 2> "$B/ooc.err" &
    fi
    pid=$!
    (sleep "$cap"; kill "$pid" 2>/dev/null) &
    watchdog=$!
    stopped=0
    peak_anon "$pid" > "$B/ooc.peak" || stopped=1
    kill "$watchdog" 2>/dev/null
    peak=$(cat "$B/ooc.peak")
    t1=$(now)
    obj=$(awk '$1 ~ /^[0-9]+$/ { v = $2; s = $NF } END { print (v == "" ? "-" : v), (s == "" ? "-" : s) }' "$B/ooc.err")
    streamed=$(grep -c '^smloss: streaming' "$B/ooc.err")
    echo "$t0 $t1 $obj $peak $streamed $stopped" |
        awk '{ printf "%.2f %s %s %.0f %s %s\n", $2 - $1, $4, $3, $5 / 1024, $6, $7 }' > "$B/ooc.result"
}

drop
t0=$(now)
dd if="$CACHE" of=/dev/null bs=8M 2>/dev/null
dd_s=$(echo "$t0 $(now)" | awk '{ printf "%.2f", $2 - $1 }')
printf '\nData larger than memory: letor %s rows, cache %.0f MB, cgroup %.0f MB (a third), page cache dropped before each run in it; dd of the cache: %s s (%.0f MB/s)\n' \
    "$ROWS" "$(echo "$cache_bytes" | awk '{ print $1 / 1048576 }')" \
    "$(echo "$limit" | awk '{ print $1 / 1048576 }')" "$dd_s" \
    "$(echo "$cache_bytes $dd_s" | awk '{ print $1 / 1048576 / $2 }')"
printf '%-32s | %8s %12s %8s | %8s %12s %8s %8s | %6s\n' run "mem s" objective "anon MB" "cg s" objective "anon MB" streamed ratio
for spec in "pointwise L-BFGS --max-iter 3:--max-iter 3" \
            "listwise L-BFGS --max-iter 3:--objective listwise --l2 1e-3 --max-iter 3" \
            "listwise SGD --epochs 2:--objective listwise --solver sgd --epochs 2" \
            "pointwise SGD --epochs 1:--solver sgd --epochs 1"; do
    label=${spec%%:*}
    opts=${spec#*:}
    cap=600
    # shellcheck disable=SC2086 # (opts: several options)
    run mem $opts
    read -r mw ms mo ma _ < "$B/ooc.result"
    cap=$(echo "$mw" | awk '{ printf "%.0f", 20 * $1 + 60 }')
    # shellcheck disable=SC2086
    run cg $opts
    read -r cw cs co ca cstr cstop < "$B/ooc.result"
    if [ "$cstop" = 1 ]; then cs="stopped" co="-"; ratio="> $(echo "$cw $mw" | awk '{ printf "%.0f", $1 / $2 }')"
    else ratio=$(echo "$cs $ms" | awk '{ printf "%.2f", $1 / $2 }'); fi
    printf '%-32s | %8s %12s %8s | %8s %12s %8s %8s | %6s\n' "$label" "$ms" "$mo" "$ma" "$cs" "$co" "$ca" \
        "$([ "$cstr" = 1 ] && echo yes || echo no)" "$ratio"
done
