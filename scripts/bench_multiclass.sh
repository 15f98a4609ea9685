#!/bin/sh
# bench_multiclass.sh - training speed of the multi-class objective against
# PyTorch (not a test).
#
# Rows per second of `smloss train --objective multiclass` (f = lin, plain SGD
# at a constant rate, one thread) and of the same model, objective, batch and
# optimiser in PyTorch on the CPU with one thread (scripts/peer_torch_multiclass.py),
# measured in the same run and printed as ratios with the peak memory of both:
#   linear, K = 10, on sparse data (scripts/gen_bench.c's sparse workload: 20
#     nonzeros per row out of 1M features; its label cut into 10 classes),
#     batch 16 (smloss's default);                         goal >= 5x
#   mlp:64,32 with 10 outputs, batch 128, on 136 dense LETOR-like features
#     (scripts/gen_letor.sh; 10 classes from the grade and the row);  goal >= 3x
# Both time only training (data loaded), sum each step's loss as they go and
# score the training set once after the last epoch. The best of REPEAT runs of
# each, alternating, so a busy moment of the shared machine falls on both.
#   sh scripts/bench_multiclass.sh        ROWS=50000 EPOCHS=5 REPEAT=3 to change
set -eu
cd "$(dirname "$0")/.."
ROWS=${ROWS:-50000}
EPOCHS=${EPOCHS:-5}
REPEAT=${REPEAT:-3}
PY=/usr/bin/python3
[ -x ./smloss ] || make -s smloss
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_multiclass.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cc -O2 scripts/gen_bench.c -lm -o "$tmp/gen_bench"
"$tmp/gen_bench" sparse "$ROWS" 1 |
    awk '{ c = int(2 * log($1 + 1)); if (c > 9) c = 9; if (c < 0) c = 0; $1 = c; print }' > "$tmp/sparse.txt"
sh scripts/gen_letor.sh "$ROWS" 136 1 | awk '{ $1 = $1 + 5 * (NR % 2); print }' |
    sed 's/ qid:[0-9]*//' > "$tmp/dense.txt"

. scripts/torch_peer_lib.sh

# bench NAME DATA SCORER BATCH LR GOAL
bench() {
    name=$1 data=$2 scorer=$3 batch=$4 lr=$5 goal=$6
    classes=$(cut -d' ' -f1 "$data" | sort -u | wc -l)
    echo "== $name: --scorer $scorer, K = $classes, batch $batch, plain SGD, 1 thread; $ROWS rows, $EPOCHS epochs, best of $REPEAT"
    : > "$tmp/sm.rates"
    : > "$tmp/pt.rates"
    for r in $(seq "$REPEAT"); do
        timed "$tmp/sm.out" "$tmp/sm.err" ./smloss train -d "$data" -m "$tmp/m" --objective multiclass \
            --scorer "$scorer" --batch "$batch" --optimizer sgd --lr-schedule constant \
            --epochs "$EPOCHS" --threads 1
        awk -v n="$ROWS" -v e="$EPOCHS" '$1 == e && NF == 4 { printf "%.0f\n", n * e / $4 }' "$tmp/sm.err" >> "$tmp/sm.rates"
        [ "$have_torch" = 1 ] || continue
        timed "$tmp/pt.out" "$tmp/pt.err" "$PY" scripts/peer_torch_multiclass.py "$data" "$classes" \
            "$scorer" "$batch" "$EPOCHS" "$lr" 1
        sed -n 's/.*rows_per_second=\([0-9]*\).*/\1/p' "$tmp/pt.out" >> "$tmp/pt.rates"
    done
    sm_rate=$(best < "$tmp/sm.rates")
    printf '%-8s %12s rows/s   peak %6s MB\n' smloss "$sm_rate" "$(peak_mb "$tmp/sm.err.time")"
    if [ "$have_torch" = 0 ]; then
        echo "torch    skipped: $PY cannot import torch (install python3-torch to compare)"
        return 0
    fi
    pt_rate=$(best < "$tmp/pt.rates")
    printf '%-8s %12s rows/s   peak %6s MB\n' torch "$pt_rate" "$(peak_mb "$tmp/pt.err.time")"
    awk -v a="$sm_rate" -v b="$pt_rate" -v g="$goal" \
        'BEGIN { printf "ratio    smloss/torch rows/s = %.2fx (goal >= %sx)\n", a / b, g }'
}
bench "linear multiclass, sparse" "$tmp/sparse.txt" linear 16 0.5 5
bench "MLP multiclass, dense" "$tmp/dense.txt" mlp:64,32 128 0.05 3
