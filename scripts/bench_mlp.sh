#!/bin/sh
# bench_mlp.sh - training speed of the MLP scorer against PyTorch (not a test).
#
# Rows per second of `smloss train --scorer mlp:64,32 --batch 128 --optimizer
# sgd` (constant rate, one thread) on a seeded 136-feature LETOR-like file
# (scripts/gen_letor.sh), and of the same network, batch and optimiser in
# PyTorch on the CPU with one thread (scripts/peer_torch_mlp.py), measured in
# the same run and printed as a ratio, with the peak memory of both.
# Both time only training (after the data is loaded), both sum each step's loss
# as they go and score the whole training set once after the last epoch (what
# smloss reports: the progressive objective per epoch, the exact one at the end).
#   sh scripts/bench_mlp.sh            ROWS=20000 EPOCHS=20 REPEAT=3 to change
# (20 epochs: smloss's epoch table times to 0.01 s, and 3 epochs took 0.2 s)
# The best of REPEAT runs of each is reported (the machine may be shared).
set -eu
cd "$(dirname "$0")/.."
ROWS=${ROWS:-20000}
EPOCHS=${EPOCHS:-20}
REPEAT=${REPEAT:-3}
HIDDEN=64,32
BATCH=128
PY=/usr/bin/python3
[ -x ./smloss ] || make -s smloss
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_mlp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
sh scripts/gen_letor.sh "$ROWS" 136 1 > "$tmp/letor.txt"

. scripts/torch_peer_lib.sh

echo "MLP $HIDDEN, batch $BATCH, plain SGD, 1 thread; $ROWS rows x 136 features, $EPOCHS epochs, best of $REPEAT"
# The runs alternate between smloss and torch, so that a busy moment of a
# shared machine does not fall on one side only.
: > "$tmp/sm.rates"
: > "$tmp/pt.rates"
for r in $(seq "$REPEAT"); do
    timed "$tmp/sm.out" "$tmp/sm.err" ./smloss train -d "$tmp/letor.txt" -m "$tmp/m" \
        --scorer mlp:$HIDDEN --batch $BATCH --optimizer sgd --lr-schedule constant --epochs "$EPOCHS" \
        --threads 1
    # the last epoch line's seconds column counts from the start of training
    awk -v n="$ROWS" -v e="$EPOCHS" '$1 == e && NF == 4 { printf "%.0f\n", n * e / $4 }' "$tmp/sm.err" >> "$tmp/sm.rates"
    [ "$have_torch" = 1 ] || continue
    timed "$tmp/pt.out" "$tmp/pt.err" "$PY" scripts/peer_torch_mlp.py "$tmp/letor.txt" $HIDDEN $BATCH "$EPOCHS" 0.05 1
    sed -n 's/.*rows_per_second=\([0-9]*\).*/\1/p' "$tmp/pt.out" >> "$tmp/pt.rates"
done
sm_rate=$(best < "$tmp/sm.rates")
printf '%-8s %12s rows/s   peak %6s MB\n' smloss "$sm_rate" "$(peak_mb "$tmp/sm.err.time")"
if [ "$have_torch" = 0 ]; then
    echo "torch    skipped: $PY cannot import torch (install python3-torch to compare)"
    exit 0
fi
pt_rate=$(best < "$tmp/pt.rates")
printf '%-8s %12s rows/s   peak %6s MB\n' torch "$pt_rate" "$(peak_mb "$tmp/pt.err.time")"
awk -v a="$sm_rate" -v b="$pt_rate" 'BEGIN { printf "ratio    smloss/torch rows/s = %.2fx (goal >= 3x)\n", a / b }'
