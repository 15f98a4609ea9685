#!/bin/sh
# bench_mpi.sh - data-parallel training under mpirun: np = 1 against np = 2
# on this machine, the cost of the ranks' sum, and a model on paper of 64
# nodes (the README's "Training on several machines" quotes its output).
#
# 1. Training time (the epoch table's seconds: data loading excluded) and
#    wall clock (loading included) of np = 1 and np = 2 after the same epochs,
#    with the final objectives, on make bench's seeded workloads
#    (scripts/gen_bench.c): LETOR-like (136 dense features, 50 rows a query:
#    listwise, linear and MLP, 64 queries a step) and sparse regression (1M
#    features: linear, local steps with --sync-every). The speed-up is that
#    of reaching the objective np = 1 reaches when np = 2's is as low (within
#    0.5%), which the table shows.
# 2. Bytes rank 0 sent per step in the steps' sums (smloss's own count).
# 3. The sum's latency and bandwidth here (scripts/mpi_ping.c), fitted to the
#    ring's alpha-beta cost 2(p-1) alpha + 2 (p-1)/p n beta, and its cost per
#    step at 64 nodes for each model size, against the step's compute.
#
# Environment: BENCH_MPI_LETOR_ROWS (100000), BENCH_MPI_SPARSE_ROWS (200000),
# BENCH_MPI_EPOCHS (3), BENCH_MPI_SYNC (8192), BENCH_MPI_REPS (3: the fastest
# run of each is shown),
# MPIRUN (mpirun). --quick: a tenth of the data, 2 epochs.
# Prints tables; asserts nothing (timings are not tests).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MPIRUN=${MPIRUN:-mpirun}
LETOR_ROWS=${BENCH_MPI_LETOR_ROWS:-100000}
SPARSE_ROWS=${BENCH_MPI_SPARSE_ROWS:-200000}
EPOCHS=${BENCH_MPI_EPOCHS:-3}
SYNC=${BENCH_MPI_SYNC:-8192}
REPS=${BENCH_MPI_REPS:-3}
if [ "${1:-}" = "--quick" ]; then LETOR_ROWS=10000 SPARSE_ROWS=20000 EPOCHS=2 REPS=1; fi
export LC_ALL=C OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if ! command -v "$MPIRUN" >/dev/null 2>&1 || ! command -v mpicc >/dev/null 2>&1; then
    echo "bench_mpi.sh: SKIPPED: needs Open MPI (make deps-mpi)"
    exit 0
fi
make -s -C "$ROOT" MPI=1 build/mpi/smloss >/dev/null
SMLOSS=$ROOT/build/mpi/smloss
WORK=$(mktemp -d "${TMPDIR:-/tmp}/smloss-bench-mpi.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

cc -O2 -I"$ROOT/src/lib" "$ROOT/scripts/gen_bench.c" -lm -o "$WORK/gen_bench"
mpicc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -DSM_MPI -I"$ROOT/src/lib" "$ROOT/scripts/mpi_ping.c" \
    "$ROOT/src/lib/dist.c" "$ROOT/src/lib/error.c" -o "$WORK/mpi_ping"
"$WORK/gen_bench" letor "$LETOR_ROWS" 1 > "$WORK/letor.txt"
"$WORK/gen_bench" sparse "$SPARSE_ROWS" 1 > "$WORK/sparse.txt"

# train NP NAME OPTIONS...: one run; prints "train_seconds wall_seconds
# objective bytes_a_step steps epoch_seconds" (bytes and steps 0 for one
# rank; an epoch's seconds after the first, which also sets up).
train() {
    np=$1 name=$2; shift 2
    t0=$(date +%s.%N)
    "$MPIRUN" --oversubscribe -np "$np" "$SMLOSS" train -m "$WORK/$name.model" --epochs "$EPOCHS" "$@" \
        2> "$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v wall="$(echo "$t0 $t1" | awk '{ print $2 - $1 }')" '
        $1 ~ /^[0-9]+$/ { s = $4; o = $2; e = $1; if (e == 1) s1 = s }
        / ranks: rank 0 sent / { b = $(NF - 6); st = $(NF - 1) }
        END { printf "%s %.2f %s %s %s %.4f\n", s, wall, o, b + 0, st + 0, (e > 1 ? (s - s1) / (e - 1) : s) }' "$WORK/$name.err"
}

echo "== np = 1 against np = 2 ($(nproc) cores; $EPOCHS epochs; seconds: training, wall incl. loading)"
printf '%-22s %9s %9s %12s | %9s %9s %12s | %8s %8s %12s\n' run "t1" "wall1" "objective1" \
    "t2" "wall2" "objective2" speed-up obj2/obj1 "bytes/step"
SUMMARY=$WORK/summary
: > "$SUMMARY"
# best NP NAME OPTIONS...: the fastest of REPS runs (the machine is shared:
# the others only add the neighbours' load)
best() {
    np=$1 bname=$2; shift 2
    for r in $(seq "$REPS"); do train "$np" "$bname" "$@"; done | sort -n -k 1,1 | head -n 1
}
compare() { # NAME OPTIONS...
    name=$1; shift
    set -- $(best 1 "$name.1" "$@") $(best 2 "$name.2" "$@")
    printf '%-22s %9s %9s %12s | %9s %9s %12s | %7.2fx %8.4f %12s\n' "$name" "$1" "$2" "$3" "$7" "$8" "$9" \
        "$(echo "$1 $7" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')" "$(echo "$3 $9" | awk '{ print $2 / $1 }')" "${10}"
    echo "$name $6 ${11}" >> "$SUMMARY" # one rank's epoch seconds, the steps of all epochs
}
compare letor-listwise -d "$WORK/letor.txt" --objective listwise --batch 64
compare letor-listwise-mlp -d "$WORK/letor.txt" --objective listwise --batch 64 --scorer mlp:64
compare sparse-linear-sync$SYNC -d "$WORK/sparse.txt" --sync-every "$SYNC"

echo
echo "== the ranks' sum here (scripts/mpi_ping.c, np = 2): seconds a call"
"$MPIRUN" --oversubscribe -np 2 "$WORK/mpi_ping" | tee "$WORK/ping"
# alpha from the smallest call (2(p-1) = 2 messages), beta from the largest
# (2(p-1)/p n bytes = n bytes at p = 2)
set -- $(awk 'NR == 2 { a = $3 / 2 } NR > 1 { n = $2; t = $3 } END { printf "%.3e %.3e\n", a, (t - 2 * a) / n }' "$WORK/ping")
ALPHA=$1 BETA=$2
echo "fitted: alpha = $ALPHA s a message, beta = $BETA s a byte"

echo
echo "== on paper: 64 nodes, ring sum 2(p-1) alpha + 2 (p-1)/p * 8 n beta a step"
echo "   (here: alpha, beta above; a 10 Gb/s cluster: alpha = 2e-5 s, beta = 1e-9 s/B)"
printf '%-22s %10s %12s %12s %12s %14s %14s\n' model parameters "step compute" "sum here" "sum cluster" "same batch" "batch x 64"
# parameters: 136 features + bias (LETOR linear), the MLP 136-64-1, 1M + 1 (sparse)
while read -r name epoch_secs steps; do
    case $name in
        letor-listwise) n=137 ;;
        letor-listwise-mlp) n=$((136 * 64 + 64 + 64 + 1)) ;;
        *) n=1000001 ;;
    esac
    awk -v name="$name" -v n="$n" -v secs="$epoch_secs" -v steps="$steps" -v a="$ALPHA" -v b="$BETA" \
        -v sync="$SYNC" -v epochs="$EPOCHS" '
        BEGIN {
            p = 64; per = (index(name, "sync") ? sync : 1)
            step = steps > 0 ? secs / (steps / epochs) : 0   # one process: a step of the global batch
            here = 2 * (p - 1) * a + 2 * (p - 1) / p * 8 * n * b
            cl = 2 * (p - 1) * 2e-5 + 2 * (p - 1) / p * 8 * n * 1e-9
            # the same global batch: each rank computes 1/p of a step, then
            # one sum every `per` steps; a batch p times larger: each rank a
            # whole step of work (more data an epoch at the same steps)
            strong = step > 0 ? step / (step / p + cl / per) : 0
            weak = step > 0 ? p * step / (step + cl / per) : 0
            printf "%-22s %10d %12.3e %12.3e %12.3e %13.1fx %13.1fx\n", name, n, step, here, cl, strong, weak
        }'
done < "$SUMMARY"
echo "(step compute: one process's seconds an epoch / steps an epoch; the sparse run sums every $SYNC steps;"
echo " speed-up on the cluster over one process: the same global batch split 64 ways, or 64 times it)"
