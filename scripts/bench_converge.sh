#!/bin/sh
# bench_converge.sh - time to the optimum: how long smloss and its peers take
# to get within 0.1% of the exact minimum of the same objective, measured
# side by side in one run (part of make bench; not a test).
#
#   sh scripts/bench_converge.sh [--quick]     REPEAT=3 BUDGET=120 to change;
#                                   WORKLOADS="digits heart sparse listwise" to choose
#
# The optimum of each workload is computed independently
# (scripts/converge_peers.py: scipy's L-BFGS or conjugate gradients to a
# relative gradient of about 1e-10) on smloss's objective: features divided by
# their largest |value| (--scale maxabs), mean loss + l2/2 |w|^2, bias not
# penalised. Workloads:
#   digits      data/sklearn-digits rows NR % 5 != 0, --objective multiclass
#               --l2 1e-4 (multinomial logistic regression, 10 classes);
#               peers sklearn LogisticRegression lbfgs and saga, C = 1/(n l2)
#   heart       data/libsvm-heart-scale, two classes, --objective multiclass
#               --l2 1e-3; peers liblinear-train -s 0 and LogisticRegression
#   sparse      scripts/gen_bench.c's sparse regression (500k rows x 20 of 1M
#               features; --quick: 50k), --loss lin --l2 1e-5 (ridge); peers
#               sklearn Ridge (sparse_cg, lsqr), alpha = n l2, and SGDRegressor
#   listwise    data/lightgbm-rank/rank.train, --objective listwise --l2 1e-4
#               (ListNet); smloss's own SGD is the peer
# A peer is fitted at falling tolerances (rising epochs) until its objective is
# within 0.1%; its time is that fit's (the fastest of REPEAT when under a
# second), data loaded and scaled beforehand. smloss's time is the whole
# process (parse, or the --cache map for sparse, set-up passes and training),
# the fastest of REPEAT when under a second,
# with its default options, and beside it the fastest --tol that gets within
# 0.1% and --solver sgd's epochs. Printed: seconds, the objective's gap to the
# optimum, and for smloss's default run the fastest peer's time over smloss's
# (goal >= 2).
set -u
cd "$(dirname "$0")/.." || exit 2
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
REPEAT=${REPEAT:-3}
BUDGET=${BUDGET:-120}
WORKLOADS=${WORKLOADS:-digits heart sparse listwise}
want() { case " $WORKLOADS " in *" $1 "*) return 0 ;; esac; return 1; }
PY=/usr/bin/python3
SMLOSS=${SMLOSS:-$PWD/smloss}
B=build/bench/converge
mkdir -p "$B"
[ -x "$SMLOSS" ] || { echo "bench_converge.sh: run 'make' first" >&2; exit 2; }
if ! "$PY" -c 'import sklearn, scipy' >/dev/null 2>&1; then
    echo "bench_converge.sh: SKIPPED: the optimum and the peers need scikit-learn and scipy" \
        "(apt-get install python3-sklearn)"
    exit 0
fi
HAVE_LIBLINEAR=1
command -v liblinear-train >/dev/null 2>&1 || HAVE_LIBLINEAR=0
PEERS="$PY scripts/converge_peers.py"

# --- data ---
awk 'NR % 5 != 0' data/sklearn-digits/digits.libsvm > "$B/digits.train"
HEART=data/libsvm-heart-scale/heart_scale
RANK=data/lightgbm-rank/rank.train
if [ $QUICK = 1 ]; then SPARSE_ROWS=50000; else SPARSE_ROWS=500000; fi
SPARSE=build/bench/sparse-$SPARSE_ROWS.txt # bench.sh's file (seed 2), when it made it
if want sparse && [ ! -s "$SPARSE" ]; then
    cc -O2 scripts/gen_bench.c -lm -o "$B/gen_bench" || exit 1
    "$B/gen_bench" sparse $SPARSE_ROWS 2 > "$SPARSE.part" && mv "$SPARSE.part" "$SPARSE" || exit 1
fi

TABLE=$B/table.txt
FMT="%-9s %-36s %9s  %-16s %10s  %s\n"
printf "$FMT" workload run seconds setting "gap/optimum" "fastest peer / smloss" > "$TABLE"
row() { printf "$FMT" "$@" >> "$TABLE"; }
pct() { awk -v g="$1" 'BEGIN { printf "%+.3f%%", 100 * g }'; }

# sm_try ARGS...: one run of smloss train ARGS, timed; prints "seconds
# objective iterations" (the objective and count of the last line of its
# epoch or iteration table).
sm_try() {
    secs=$($PEERS time 1 "$B/sm.err" "$SMLOSS" train -m "$B/sm.model" "$@") || return 1
    awk -v s="$secs" '$1 ~ /^[0-9]+$/ { o = $2; n = $1 } END { print s, o, n }' "$B/sm.err"
}
# sm_fastest SECONDS ARGS...: the least of SECONDS and REPEAT - 1 more runs'
# times; a run of a second or more is measured once, as the peers' fits are
sm_fastest() {
    secs=$1
    shift
    [ "$REPEAT" -gt 1 ] && awk -v s="$secs" 'BEGIN { exit !(s < 1) }' || { echo "$secs"; return; }
    least "$secs" "$($PEERS time $((REPEAT - 1)) "$B/sm.err" "$SMLOSS" train -m "$B/sm.model" "$@")"
}
gap_of() { awk -v o="$1" -v b="$2" 'BEGIN { printf "%.3e", (o - b) / b }'; }
within() { awk -v g="$1" 'BEGIN { exit !(g <= 1e-3) }'; }
least() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || (b != "" && b + 0 < a + 0)) ? b : a }'; }
# sm_race NAME OPT BEST "VALUE..." ARGS...: the first value of option OPT
# whose run gets within 0.1% of BEST, timed; a row, and its seconds on stdout
# ("" when none did: the tries stop once they have taken BUDGET seconds, or
# when the next, longer one would not fit in it).
sm_race() {
    name=$1 opt=$2 best=$3 values=$4
    shift 4
    spent=0 got=
    for v in $values; do
        r=$(sm_try "$@" "$opt" "$v") || return 0
        set -- $r "$@"
        secs=$1 gap=$(gap_of "$2" "$best") got="$opt $v"
        shift 3
        if within "$gap"; then
            secs=$(sm_fastest "$secs" "$@" "$opt" "$v")
            row "" "$name" "$secs" "$got" "$(pct "$gap")" ""
            echo "$secs"
            return 0
        fi
        spent=$(awk -v a="$spent" -v b="$secs" 'BEGIN { print a + b }')
        awk -v s="$spent" -v t="$secs" -v b="$BUDGET" 'BEGIN { exit !(s > b || 3 * t > b) }' && break
    done
    row "" "$name" "-" "$got" "$(pct "$gap")" "(not within 0.1%)"
}

# peer LABEL PEER FILE L2 BEST: a peer's race; a row, and its seconds on
# stdout ("" when it never got there)
peer() {
    label=$(echo "$1" | tr _ ' ')
    $PEERS race "$2" "$3" "$4" "$5" "$REPEAT" "$BUDGET" > "$B/$2.race" 2> "$B/$2.err" || {
        echo "bench_converge.sh: $2: $(tail -n 1 "$B/$2.err")" >&2
        return 0
    }
    set -- $(tail -n 1 "$B/$2.race")
    if [ "$1" = best ]; then
        row "" "$label" "$2" "$3" "$(pct "$4")" ""
        echo "$2"
    else
        row "" "$label" "-" "$3" "$(pct "$4")" "(not within 0.1%)"
    fi
}

# workload NAME OBJECTIVE FILE L2 "PEER=LABEL ..." SMLOSS-ARGS...: the
# optimum, the peers, then smloss: its default run (with the fastest peer's
# time over its own: smloss's SGD when there is no other peer), the loosest
# --tol and the fewest SGD epochs that get within 0.1%.
workload() {
    name=$1 objective=$2 file=$3 l2=$4 peers=$5
    shift 5
    echo "== $name: smloss train -d $file $* --l2 $l2" >&2
    best=$($PEERS optimum "$objective" "$file" "$l2" | awk '{ print $1 }')
    [ -n "$best" ] || { echo "bench_converge.sh: no optimum for $name" >&2; return 0; }
    row "$name" "optimum (independent: scipy)" "-" "-" "$best" ""
    fastest=
    for p in $peers; do
        fastest=$(least "$fastest" "$(peer "${p#*=}" "${p%%=*}" "$file" "$l2" "$best")")
    done
    set -- -d "$file" --l2 "$l2" "$@"
    r=$(sm_try "$@") || return 0
    set -- $r "$@"
    gap=$(gap_of "$2" "$best") iters=$3
    shift 3
    secs=$(sm_fastest "${r%% *}" "$@")
    default_row=$(printf "$FMT" "" "smloss default ($iters iterations)" "$secs" "default" "$(pct "$gap")" @)
    # (in a subshell, as the next: sm_race's variables would overwrite secs)
    (sm_race "smloss lbfgs, loosest --tol" --tol "$best" "1e-3 1e-4 1e-5 1e-6" "$@" > /dev/null)
    sgd=$(sm_race "smloss --solver sgd, fewest epochs" --epochs "$best" "20 50 100 200 500 1000 2000" \
        --solver sgd "$@")
    [ -n "$fastest" ] || fastest=$sgd
    ratio=-
    [ -n "$fastest" ] && ratio=$(awk -v p="$fastest" -v s="$secs" 'BEGIN { printf "%.2fx (goal >= 2)", p / s }')
    # the default run's row goes first among smloss's
    awk -v row="${default_row%@}$ratio" -v n="$(grep -c . "$TABLE")" \
        'NR == n - 1 { print row } { print }' "$TABLE" > "$TABLE.tmp" && mv "$TABLE.tmp" "$TABLE"
}

want digits && workload digits multiclass "$B/digits.train" 1e-4 \
    "lr-lbfgs=sklearn_LogisticRegression_lbfgs lr-saga=sklearn_LogisticRegression_saga" \
    --objective multiclass
if ! want heart; then :
elif [ $HAVE_LIBLINEAR = 1 ]; then
    workload heart multiclass "$HEART" 1e-3 \
        "liblinear=liblinear-train_-s_0 lr-lbfgs=sklearn_LogisticRegression_lbfgs" --objective multiclass
else
    echo "liblinear-train not found: the heart workload skipped (apt-get install liblinear-tools)"
fi
if want sparse; then
    "$SMLOSS" train -q -d "$SPARSE" -m "$B/sm.model" --cache "$B/sparse.cache" --l2 1e-5 --max-iter 1 2>/dev/null
    workload sparse pointwise "$SPARSE" 1e-5 \
        "ridge-cg=sklearn_Ridge_sparse_cg ridge-lsqr=sklearn_Ridge_lsqr sgd-regressor=sklearn_SGDRegressor" \
        --cache "$B/sparse.cache"
fi
want listwise && workload listwise listwise "$RANK" 1e-4 "" --objective listwise
rm -f "$B/sparse.cache"

echo
echo "Time to within 0.1% of the optimum, smloss $("$SMLOSS" --version | awk 'NR == 1 { print $2 }')" \
    "on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "(seconds: peers' fits alone, data loaded; smloss's whole process; fastest of $REPEAT)"
[ $QUICK = 1 ] && echo "--quick: the sparse workload has 50k rows, not 500k"
cat "$TABLE"
