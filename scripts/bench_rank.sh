#!/bin/sh
# bench_rank.sh - ranking speed on seeded LETOR-like data (scripts/gen_letor.c).
#
# 1. Pairwise epoch time against list length: the same number of queries with
#    1x, 2x and 4x rows per query. With --max-pairs the epoch costs O(rows)
#    (the ratio to 1x should be near 1, 2, 4); with every pair it costs
#    O(sum of n^2) (near 1, 4, 16).
# 2. Training throughput (rows x epochs / second, from the epoch table, data
#    loading excluded) of smloss against the same objective in PyTorch on one
#    thread (scripts/peer_torch_rank.py), listwise and pairwise; skipped with a
#    message when torch (or sklearn, which reads the file) is missing.
#
# Environment: BENCH_RANK_QUERIES (200), BENCH_RANK_ROWS (rows per query at 1x,
# 100), BENCH_RANK_EPOCHS (10, for part 1), BENCH_RANK_THROUGHPUT_EPOCHS (100,
# for part 2: the epoch table times to 0.01 s, and 10 epochs of listwise take
# only a few hundredths), BENCH_RANK_MAX_PAIRS (64), PYTHON (/usr/bin/python3).
# Prints tables and ratios; asserts nothing (timings are not tests).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SMLOSS=${SMLOSS:-$ROOT/smloss}
PYTHON=${PYTHON:-/usr/bin/python3}
QUERIES=${BENCH_RANK_QUERIES:-200}
ROWS=${BENCH_RANK_ROWS:-100}
EPOCHS=${BENCH_RANK_EPOCHS:-10}
THROUGHPUT_EPOCHS=${BENCH_RANK_THROUGHPUT_EPOCHS:-100}
MAX_PAIRS=${BENCH_RANK_MAX_PAIRS:-64}
export LC_ALL=C
[ -x "$SMLOSS" ] || { echo "$0: $SMLOSS is missing: run 'make' first" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/smloss-bench-rank.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

cc -O2 -I"$ROOT/src/lib" "$ROOT/scripts/gen_letor.c" "$ROOT/src/lib/rng.c" -lm -o "$WORK/gen_letor"
for m in 1 2 4; do
    "$WORK/gen_letor" "$QUERIES" $((ROWS * m)) $m > "$WORK/data.$m"
done

# run FILE OPTIONS...: seconds per epoch of a training run, the last epoch
# line's elapsed seconds / epochs (a failed run stops the script).
run() {
    data=$1; shift
    nice "$SMLOSS" train -d "$data" -m "$WORK/model" --epochs "$EPOCHS" "$@" 2> "$WORK/err" ||
        { cat "$WORK/err" >&2; exit 1; }
    awk -v e="$EPOCHS" '$1 ~ /^[0-9]+$/ { s = $4 } END { printf "%.4f\n", s / e }' "$WORK/err"
}

echo "== pairwise epoch time vs rows per query ($QUERIES queries, $EPOCHS epochs, seconds per epoch)"
printf '%-6s %9s  %14s %7s  %14s %7s\n' scale rows "max-pairs=$MAX_PAIRS" ratio "all pairs" ratio
base_s= base_a=
for m in 1 2 4; do
    rows=$(wc -l < "$WORK/data.$m")
    s=$(run "$WORK/data.$m" --objective pairwise --max-pairs "$MAX_PAIRS")
    a=$(run "$WORK/data.$m" --objective pairwise)
    [ -n "$base_s" ] || { base_s=$s; base_a=$a; }
    printf '%-6s %9d  %14s %7.2f  %14s %7.2f\n' "${m}x" "$rows" "$s" \
        "$(echo "$s $base_s" | awk '{ print $1 / $2 }')" "$a" "$(echo "$a $base_a" | awk '{ print $1 / $2 }')"
done
echo "(linear in rows: ratios near 1, 2, 4 with --max-pairs; quadratic in list length without)"

echo
EPOCHS=$THROUGHPUT_EPOCHS
echo "== training throughput vs PyTorch, 1 thread (1x data, $EPOCHS epochs, lin link, SGD, 1 query per step)"
if ! "$PYTHON" -c 'import torch, sklearn' >/dev/null 2>&1; then
    echo "SKIP: $PYTHON cannot import torch and sklearn (apt-get install python3-torch python3-sklearn)"
    exit 0
fi
rows=$(wc -l < "$WORK/data.1")
printf '%-22s %14s %14s %8s\n' objective "smloss rows/s" "torch rows/s" ratio
for case in "listwise 0" "pairwise $MAX_PAIRS"; do
    set -- $case
    if [ "$1" = pairwise ]; then s=$(run "$WORK/data.1" --objective pairwise --max-pairs "$2")
    else s=$(run "$WORK/data.1" --objective "$1"); fi
    ours=$(echo "$rows $s" | awk '{ printf "%.0f", $1 / $2 }')
    theirs=$(nice "$PYTHON" "$ROOT/scripts/peer_torch_rank.py" "$WORK/data.1" "$EPOCHS" "$1" "$2" |
        awk '$1 == "rows_per_second" { printf "%.0f", $2 }')
    printf '%-22s %14s %14s %8s\n' "$1 (max-pairs $2)" "$ours" "$theirs" \
        "$(echo "$ours $theirs" | awk '{ printf "%.1fx", $1 / $2 }')"
done
