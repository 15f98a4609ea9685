#!/bin/sh
# run.sh - data-parallel training under mpirun (make check-mpi).
# SMLOSS_MPI: a build with MPI (make MPI=1); SMLOSS: the plain build, whose
# models one rank must reproduce byte for byte. Ranks beyond the cores run
# oversubscribed; as root Open MPI needs its allow-run-as-root settings.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$ROOT/data
. "$ROOT/tests/lib.sh"
SUITE=mpi
: "${SMLOSS_MPI:=$ROOT/build/mpi/smloss}"
: "${MPIRUN:=mpirun}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if ! command -v "$MPIRUN" >/dev/null 2>&1 || ! "$SMLOSS_MPI" --version 2>/dev/null | grep -q '^MPI: yes'; then
    echo "SKIPPED $SUITE: needs $MPIRUN and an smloss built with MPI=1 ($SMLOSS_MPI)" >&2
    finish
    exit
fi
# (stdin from /dev/null: mpirun forwards it to rank 0, and would eat the
# input of a while-read loop)
run() { np=$1; shift; "$MPIRUN" --oversubscribe -np "$np" "$SMLOSS_MPI" "$@" </dev/null; }
alive() { # alive PID: running (a zombie, ended but not waited for, is not)
    st=$(ps -o stat= -p "$1" 2>/dev/null)
    [ -n "$st" ] && [ "${st#Z}" = "$st" ]
}
# stop NAME PID SIG: signal a background mpirun and wait for it; $rc its
# status. (mpirun has been seen to miss a signal on a loaded machine: after
# 60 s it is killed, and NAME's test fails rather than hangs.)
stop() {
    kill -"$3" "$2"
    i=0
    while [ $i -lt 600 ] && alive "$2"; do sleep 0.1; i=$((i + 1)); done
    expect_true "$1: mpirun ends within 60 s of SIG$3" "[ $i -lt 600 ]"
    kill -KILL "$2" 2>/dev/null
    wait "$2"
    rc=$?
}
# The final training objective of an epoch table in $T/err.
objective() { awk '$1 ~ /^[0-9]+$/ { v = $2 } END { print v }' "$T/err"; }
# |a / b - 1| <= tol
close_to() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a / b - 1; exit !(d <= t && -d <= t) }'; }
# best_is_eval NAME MODEL SED EVAL_OPTION...: the model's best_score is, to
# 1e-12, the figure that the sed script SED takes from the one line of eval's
# JSON report (exact numbers) with the options
best_is_eval() {
    name=$1 model=$2 script=$3
    shift 3
    "$SMLOSS" eval -m "$model" --format json "$@" | tr -d '\n' > "$T/best.eval"
    best=$(sed -n 's/^best_score=//p' "$model")
    whole=$(sed -n "$script" "$T/best.eval")
    expect_true "$name: best_score $best is the whole file's $whole" close_to "$best" "$whole" 1e-12
}

AC=$DATA/xgboost-autoclaims/autoclaims.train
# LETOR rows with qid: (the bundled file keeps its queries in a .query file)
with_qid() {
    awk 'NR == FNR { for (i = 0; i < $1; i++) q[++n] = FNR; next } { $1 = $1 " qid:" q[FNR]; print }' \
        "$1.query" "$1"
}
with_qid "$DATA/lightgbm-rank/rank.train" > "$T/rank.txt"
with_qid "$DATA/lightgbm-rank/rank.test" > "$T/rank.test"

# Digits: class labels 0..9, and a teacher's K scores a row (--targets).
head -n 1000 "$DATA/sklearn-digits/digits.libsvm" > "$T/digits.txt"
sed -n 1001,1400p "$DATA/sklearn-digits/digits.libsvm" > "$T/digits.valid"
"$SMLOSS" train -d "$T/digits.txt" --objective multiclass --epochs 2 -m "$T/teacher.model" -q
for f in txt valid; do
    "$SMLOSS" predict -m "$T/teacher.model" -d "$T/digits.$f" --output-type scores -o "$T/teacher.$f"
done

# name|options: pointwise linear, listwise linear, MLP, multi-class on
# class labels and on a teacher's scores by SGD; the linear ones by L-BFGS
# (a sum over the ranks a pass: the same optimum)
cat > "$T/runs" <<EOF2
pointwise|-d $AC --label-transform log --epochs 3
listwise|-d $T/rank.txt --objective listwise --epochs 3
mlp|-d $AC --label-transform log --scorer mlp:8 --epochs 3
multiclass|-d $T/digits.txt --objective multiclass --epochs 3
targets|-d $T/digits.txt --targets $T/teacher.txt --objective multiclass --epochs 3
pointwise-lbfgs|-d $AC --label-transform log --l2 1e-3
listwise-lbfgs|-d $T/rank.txt --objective listwise --l2 1e-3
multiclass-lbfgs|-d $T/digits.txt --objective multiclass --l2 1e-3
EOF2
while IFS='|' read -r w opts; do
    # shellcheck disable=SC2086 # options are words
    expect_ok "$w: plain build" "$SMLOSS" train $opts -m "$T/$w.plain"
    single=$(objective)
    expect_ok "$w: one rank" run 1 train $opts -m "$T/$w.1" -q
    expect_true "$w: one rank gives the plain build's model bytes" cmp -s "$T/$w.plain" "$T/$w.1"
    for np in 2 3; do
        expect_ok "$w: $np ranks" run "$np" train $opts -m "$T/$w.$np"
        obj=$(objective)
        expect_ok "$w: $np ranks again" run "$np" train $opts -m "$T/$w.$np.again" -q
        expect_true "$w: $np ranks give the same model bytes twice" cmp -s "$T/$w.$np" "$T/$w.$np.again"
        expect_true "$w: $np ranks' objective $obj within 0.5% of a single process's ($single)" close_to "$obj" "$single" 0.005
        expect_true "$w: the model records $np ranks" grep -q "^ranks=$np\$" "$T/$w.$np"
    done
done < "$T/runs"

# One file per rank (%r): the two halves where the byte split cuts gives the
# byte split's model; the gathered predictions are the model's on all rows.
half=$(awk -v size="$(wc -c < "$AC")" '{ at += length($0) + 1 } at >= size / 2 { print NR; exit }' "$AC")
head -n "$half" "$AC" > "$T/part-0.txt"
tail -n +"$((half + 1))" "$AC" > "$T/part-1.txt"
expect_ok "%r: one file per rank" run 2 train -d "$T/part-%r.txt" -m "$T/parts.model" --label-transform log --epochs 3 -q --predictions "$T/parts.pred"
expect_true "%r: the byte split's model" "diff '$T/parts.model' '$T/pointwise.2' | grep -c '^[<>]' | grep -qx 2"
expect_true "%r: the model names the pattern" grep -q "^train_data=$T/part-%r.txt\$" "$T/parts.model"
"$SMLOSS" predict -m "$T/parts.model" -d "$AC" > "$T/all.pred"
expect_true "%r: predictions gathered from the ranks in order" cmp -s "$T/all.pred" "$T/parts.pred"
expect_ok "--cache per rank" run 2 train -d "$T/part-%r.txt" --cache "$T/c-%r.bin" -m "$T/cached.model" --label-transform log --epochs 3 -q
expect_true "--cache per rank: a cache per rank" "[ -s '$T/c-0.bin' ] && [ -s '$T/c-1.bin' ]"
expect_ok "--cache per rank, reused" run 2 train -d "$T/part-%r.txt" --cache "$T/c-%r.bin" -m "$T/cached2.model" --label-transform log --epochs 3 -q
expect_true "--cache per rank: the same model" "cmp -s '$T/cached.model' '$T/parts.model' && cmp -s '$T/cached2.model' '$T/parts.model'"
expect_fail "--cache without %r" 2 "one cache per rank" run 2 train -d "$AC" --cache "$T/one.bin" -m "$T/x.model"
# Data larger than --memory: each rank streams its own cache (9 MB against
# 2M), L-BFGS to the in-memory model's bytes, SGD deterministically.
for r in 0 1; do for i in 1 2 3 4; do cat "$DATA/lightgbm-rank/rank.train"; done > "$T/big-$r.txt"; done
expect_ok "streaming: the caches" run 2 train -d "$T/big-%r.txt" --cache "$T/big-%r.bin" -m "$T/x.model" --max-iter 1 -q
expect_ok "streaming: L-BFGS in memory" run 2 train -d "$T/big-%r.txt" --cache "$T/big-%r.bin" -m "$T/sm.model" --max-iter 5 -q
expect_ok "streaming: L-BFGS streamed" run 2 train -d "$T/big-%r.txt" --cache "$T/big-%r.bin" -m "$T/ss.model" --max-iter 5 --memory 2M
expect_true "streaming: said" "grep -q 'streaming .*big-[01].txt from the cache' '$T/err'"
expect_true "streaming: L-BFGS, the in-memory model's bytes" cmp -s "$T/sm.model" "$T/ss.model"
expect_ok "streaming: SGD in memory" run 2 train -d "$T/big-%r.txt" --cache "$T/big-%r.bin" -m "$T/gm.model" --solver sgd --epochs 2
gm=$(objective)
expect_ok "streaming: SGD streamed" run 2 train -d "$T/big-%r.txt" --cache "$T/big-%r.bin" -m "$T/gs.model" --solver sgd --epochs 2 --memory 2M
gs=$(objective)
expect_ok "streaming: SGD streamed again" run 2 train -d "$T/big-%r.txt" --cache "$T/big-%r.bin" -m "$T/gs2.model" --solver sgd --epochs 2 --memory 2M -q
expect_true "streaming: SGD, the same bytes twice" cmp -s "$T/gs.model" "$T/gs2.model"
expect_true "streaming: SGD objective $gs within 2% of in memory ($gm)" close_to "$gs" "$gm" 0.02
# Weights with one file per rank: the weights beside each part (or --weights
# with %r) weigh its rows as the one weights file's slices do when the one
# file is cut; each rank's cache keeps its own part's weights.
awk '{ print ($1 > 3000) ? 5 : 1 }' "$AC" > "$T/all.w"
expect_ok "weights, one file cut: 2 ranks" run 2 train -d "$AC" --weights "$T/all.w" -m "$T/wcut.model" --label-transform log --epochs 3 -q
no_names() { grep -v '^train_\(weights\|data\)=' "$1"; }
for r in 0 1; do awk '{ print ($1 > 3000) ? 5 : 1 }' "$T/part-$r.txt" > "$T/part-$r.txt.weight"; done
expect_ok "weights beside each part" run 2 train -d "$T/part-%r.txt" -m "$T/wparts.model" --label-transform log --epochs 3 -q
expect_true "weights beside each part: the cut file's model" "[ \"\$(no_names '$T/wparts.model')\" = \"\$(no_names '$T/wcut.model')\" ]"
expect_ok "weights, --cache per rank" run 2 train -d "$T/part-%r.txt" --cache "$T/c-%r.bin" -m "$T/wc1.model" --label-transform log --epochs 3
expect_true "weights, --cache per rank: rewritten with the weights" "grep -q 'wrote cache .*c-0.bin (no weights in the cache yet)' '$T/err'"
expect_ok "weights, --cache per rank, reused" run 2 train -d "$T/part-%r.txt" --cache "$T/c-%r.bin" -m "$T/wc2.model" --label-transform log --epochs 3
expect_true "weights, --cache per rank, reused: nothing rebuilt" "! grep -q 'cache' '$T/err'"
expect_true "weights, --cache per rank: the model without cache" "cmp -s '$T/wc1.model' '$T/wparts.model' && cmp -s '$T/wc2.model' '$T/wparts.model'"
for r in 0 1; do mv "$T/part-$r.txt.weight" "$T/pw-$r"; done
expect_ok "--weights with %r, cache per rank" run 2 train -d "$T/part-%r.txt" --weights "$T/pw-%r" --cache "$T/c-%r.bin" -m "$T/wr.model" --label-transform log --epochs 3 -q
expect_true "--weights with %r: the same model" "[ \"\$(no_names '$T/wr.model')\" = \"\$(no_names '$T/wparts.model')\" ]"
expect_true "--weights with %r: the model names the pattern" grep -q "^train_weights=$T/pw-%r\$" "$T/wr.model"
expect_fail "--weights without %r, a file per rank" 2 "%r in both names" run 2 train -d "$T/part-%r.txt" --weights "$T/all.w" -m "$T/x.model"
expect_fail "--weights with %r, one file cut" 2 "%r in both names" run 2 train -d "$AC" --weights "$T/pw-%r" -m "$T/x.model"

# --valid split among the ranks too: early stopping's metric is that of the
# whole file (the mean over every rank's queries), as eval computes it.
expect_ok "--valid shared, early stopping" run 3 train -d "$T/rank.txt" --valid "$T/rank.test" --objective listwise --batch 8 --epochs 4 --metric ndcg@10 --patience 2 -m "$T/es.model" -q
best_is_eval "--valid shared, ndcg@10" "$T/es.model" 's/.*"ndcg@10": \([^,}]*\).*/\1/p' -d "$T/rank.test"
# ERR's y_max is the whole validation file's, not a share's (grade 4 only
# in the last third of the file here)
n=$(wc -l < "$T/rank.test")
awk -v n="$n" 'NR < 2 * n / 3 && $1 > 3 { $1 = 3 } { print }' "$T/rank.test" > "$T/err.test"
expect_ok "--valid shared, ERR" run 3 train -d "$T/rank.txt" --valid "$T/err.test" --objective listwise --batch 8 --epochs 2 --metric err@5 -m "$T/err.model" -q
best_is_eval "--valid shared, err@5" "$T/err.model" 's/.*"err@5": \([^,}]*\).*/\1/p' -d "$T/err.test"

# --metric rmse:INTERVAL: the RMSE over every rank's validation rows in the
# region, as eval computes it on the whole file
head -n 2000 "$AC" > "$T/ac.train"
sed -n 2001,3000p "$AC" > "$T/ac.valid"
expect_ok "--metric 'rmse:[8.3,inf)' on 3 ranks" run 3 train -d "$T/ac.train" --valid "$T/ac.valid" --label-transform log --epochs 3 --metric 'rmse:[8.3,inf)' -m "$T/rmse.model" -q
best_is_eval "--metric rmse:[8.3,inf)" "$T/rmse.model" \
    's/.*"interval": "\[8.3, inf)"[^}]*"rmse": \([^,]*\),.*/\1/p' -d "$T/ac.valid" --regions 8.3

# LightGBM's layout: queries in a group file (rank.train.query beside the
# data, or --group), rows without qid:. Each rank's byte cut moves to the
# start of a query and takes its slice of the group sizes: the model of the
# qid: rows cut by qid, for 2 and 3 ranks; the same for a --valid split.
RANK=$DATA/lightgbm-rank/rank.train
cp "$DATA/lightgbm-rank/rank.test" "$T/rt"
cp "$DATA/lightgbm-rank/rank.test.query" "$T/rt.query"
body() { grep -v -e '^train_data=' -e '^train_rows=' "$1"; }
for np in 2 3; do
    expect_ok "group file beside the data: $np ranks" run "$np" train -d "$RANK" --objective listwise --epochs 3 -m "$T/g$np.model" -q
    expect_ok "qid: rows: $np ranks" run "$np" train -d "$T/rank.txt" --objective listwise --epochs 3 -m "$T/q$np.model" -q
    expect_true "group file: $np ranks give the qid: rows' model" "body '$T/g$np.model' > '$T/a' && body '$T/q$np.model' > '$T/b' && cmp -s '$T/a' '$T/b'"
done
cp "$DATA/lightgbm-rank/rank.train.query" "$T/groups"
expect_ok "--group FILE: 2 ranks" run 2 train -d "$RANK" --group "$T/groups" --objective listwise --epochs 3 -m "$T/gg.model" -q
expect_true "--group FILE: the same model" "body '$T/gg.model' > '$T/a' && body '$T/g2.model' > '$T/b' && cmp -s '$T/a' '$T/b'"
expect_ok "--valid with its group file beside, early stopping on 3 ranks" run 3 train -d "$RANK" --valid "$T/rt" --objective listwise --batch 8 --epochs 3 --metric ndcg@10 -m "$T/gv.model" -q
best_is_eval "--valid group file, ndcg@10" "$T/gv.model" 's/.*"ndcg@10": \([^,}]*\).*/\1/p' -d "$T/rt"
head -n 20 "$T/groups" > "$T/short.groups"
expect_fail "a group file that does not fit the rows" 3 'short\.groups: its group sizes \([0-9]+ rows\) do not fit the rows' \
    run 2 train -d "$RANK" --group "$T/short.groups" --objective listwise --epochs 1 -m "$T/x.model"
expect_true "... said once" "[ \$(grep -c 'do not fit' '$T/err') -eq 1 ]"

# Multi-class early stopping: the accuracy (top-1 agreement) of the whole
# validation file, as eval computes it; the classes of one process.
expect_ok "multiclass: --metric accuracy on 3 ranks" run 3 train -d "$T/digits.txt" --valid "$T/digits.valid" --objective multiclass --epochs 3 --metric accuracy -m "$T/acc.model" -q
best_is_eval "multiclass, accuracy" "$T/acc.model" 's/.*"accuracy": \([^,}]*\).*/\1/p' -d "$T/digits.valid"
expect_true "multiclass: one process's classes" "[ \"\$(grep '^classes=' '$T/acc.model')\" = \"\$(grep '^classes=' '$T/multiclass.plain')\" ]"
expect_ok "multiclass: --metric top1-agreement on 2 ranks" run 2 train -d "$T/digits.txt" --targets "$T/teacher.txt" --valid "$T/digits.valid" --valid-targets "$T/teacher.valid" --objective multiclass --epochs 2 --metric top1-agreement -m "$T/agree.model" -q
best_is_eval "multiclass, top1-agreement" "$T/agree.model" 's/.*"top1_agreement": \([^,}]*\).*/\1/p' \
    -d "$T/digits.valid" --targets "$T/teacher.valid"
# Rank 0's share holds class 0 only (its rows thrice, then classes 1 and 2):
# the classes of all shares; the predictions gathered, K a line.
for c in 0 0 0 1 2; do awk -v c=$c '$1 == c' "$T/digits.txt"; done > "$T/sorted.txt"
expect_ok "multiclass: a share with one class" run 2 train -d "$T/sorted.txt" --objective multiclass --epochs 2 -m "$T/sorted.model" -p "$T/sorted.pred" -q
expect_true "multiclass: the classes of every share" grep -qx "classes=0,1,2" "$T/sorted.model"
"$SMLOSS" predict -m "$T/sorted.model" -d "$T/sorted.txt" --output-type scores > "$T/sorted.all"
expect_true "multiclass: 3 scores a row, gathered in file order" "cmp -s '$T/sorted.all' '$T/sorted.pred' && awk 'NF != 3 { exit 1 }' '$T/sorted.pred'"
awk '$1 == 4' "$T/digits.txt" > "$T/four.txt"
expect_fail "multiclass: one class in every share" 3 "four.txt: every row has the class 4" run 2 train -d "$T/four.txt" --objective multiclass -m "$T/x.model"
head -n 999 "$T/teacher.txt" > "$T/short.targets"
expect_fail "multiclass: a targets file too short for the file" 3 "short.targets:999: the file ends after 999 lines of targets, for the 1000 rows of [^ ]*/digits.txt" run 2 train -d "$T/digits.txt" --targets "$T/short.targets" --objective multiclass -m "$T/x.model"
# One data file and one targets file per rank (%r in both): the byte
# split's model
dhalf=$(awk -v size="$(wc -c < "$T/digits.txt")" '{ at += length($0) + 1 } at >= size / 2 { print NR; exit }' "$T/digits.txt")
head -n "$dhalf" "$T/digits.txt" > "$T/dpart-0.txt"
tail -n +"$((dhalf + 1))" "$T/digits.txt" > "$T/dpart-1.txt"
head -n "$dhalf" "$T/teacher.txt" > "$T/tpart-0.txt"
tail -n +"$((dhalf + 1))" "$T/teacher.txt" > "$T/tpart-1.txt"
expect_ok "multiclass: --targets split" run 2 train -d "$T/digits.txt" --targets "$T/teacher.txt" --objective multiclass --epochs 2 -m "$T/tsplit.model" -q
expect_ok "multiclass: a targets file per rank (%r)" run 2 train -d "$T/dpart-%r.txt" --targets "$T/tpart-%r.txt" --objective multiclass --epochs 2 -m "$T/tparts.model" -q
expect_true "multiclass: %r targets give the byte split's model" "[ \"\$(grep -v '^train_\\(data\\|targets\\)=' '$T/tsplit.model')\" = \"\$(grep -v '^train_\\(data\\|targets\\)=' '$T/tparts.model')\" ]"
expect_true "multiclass: the model names the targets pattern" grep -q "^train_targets=$T/tpart-%r.txt\$" "$T/tparts.model"
expect_fail "multiclass: %r in --data but not --targets" 2 "%r in both names" run 2 train -d "$T/dpart-%r.txt" --targets "$T/teacher.txt" --objective multiclass -m "$T/x.model"

# More ranks than lines or queries: some shares are empty.
printf '1 qid:1 1:1\n0 qid:1 1:2\n2 qid:2 2:1\n0 qid:2 1:1\n' > "$T/tiny.txt"
expect_ok "empty shares" run 3 train -d "$T/tiny.txt" --valid "$T/tiny.txt" --objective listwise --metric ndcg@10 --epochs 2 -m "$T/tiny.model"
expect_ok "empty shares, pointwise MLP" run 3 train -d "$T/tiny.txt" --valid "$T/tiny.txt" --scorer mlp:4 --epochs 2 -m "$T/tiny2.model"
printf '\n# no rows\n' > "$T/none.txt"
expect_fail "no rows on any rank" 3 "none.txt: no data rows" run 2 train -d "$T/none.txt" -m "$T/none.model"

# Local steps with periodic averaging.
"$SMLOSS" train -d "$AC" --label-transform log --epochs 3 -m "$T/x.model" 2>"$T/err"
single=$(objective)
expect_ok "--sync-every" run 2 train -d "$AC" --label-transform log --epochs 3 --sync-every 4 -m "$T/sync.model"
obj=$(objective)
expect_ok "--sync-every again" run 2 train -d "$AC" --label-transform log --epochs 3 --sync-every 4 -m "$T/sync.again" -q
expect_true "--sync-every: the same model bytes twice" cmp -s "$T/sync.model" "$T/sync.again"
# an option that does nothing: said once (rank 0), and --sync-every is not one here
expect_ok "--temperature with pointwise, 2 ranks" run 2 train -d "$AC" --label-transform log \
    --epochs 1 --sync-every 4 --temperature 2 -m "$T/warn.model"
expect_true "... one warning, of --temperature alone" \
    "[ \$(grep -c 'warning: --' '$T/err') -eq 1 ] && grep -q 'warning: --temperature has no effect' '$T/err'"
expect_true "--sync-every: objective $obj within 2% of one process's $single" close_to "$obj" "$single" 0.02

# Faults: a bad line in rank 1's share stops every rank with its located
# message; the previous model stays, and no temporary file is left.
awk 'NR == 400 { $2 = "3:abc" } { print }' "$DATA/libsvm-housing-scale/housing_scale" > "$T/bad.txt"
cp "$T/pointwise.plain" "$T/prev.model"
expect_fail "bad line on rank 1" 3 "bad.txt:400:[0-9]+: feature value is not a number" run 2 train -d "$T/bad.txt" -m "$T/prev.model"
expect_true "bad line: said once, by rank 1" "[ \$(grep -c 'bad.txt:400:' '$T/err') -eq 1 ]"
expect_true "bad line: the previous model is intact" cmp -s "$T/prev.model" "$T/pointwise.plain"
# What every rank finds is said once: a missing file, a bad option value
# (found before MPI starts), a refusal
expect_fail "missing file on 3 ranks" 4 "nothing.txt: cannot open" run 3 train -d "$T/nothing.txt" -m "$T/x.model"
expect_true "missing file: said once" "[ \$(grep -c 'nothing.txt' '$T/err') -eq 1 ]"
expect_fail "bad --lr on 3 ranks" 2 "--lr expects a number" run 3 train -d "$AC" --lr abc
expect_true "bad --lr: said once" "[ \$(grep -c 'expects a number' '$T/err') -eq 1 ]"
expect_fail "a missing %r file" 4 "part-2.txt: cannot open" run 3 train -d "$T/part-%r.txt" -m "$T/x.model"
expect_true "bad line: no temporary file" "! ls -a '$T' | grep -q '\\.tmp\\.'"
expect_fail "divergence on one rank stops them all" 5 "diverged .* at .*housing_scale:[0-9]+ \\(label" run 2 train -d "$DATA/libsvm-housing-scale/housing_scale" --loss exp:a=1 --lr 50 -m "$T/div.model"
expect_true "divergence: no model" "[ ! -e '$T/div.model' ]"
gzip -c "$AC" > "$T/ac.gz"
expect_fail "gzip is not split" 2 "gzip data cannot be split" run 2 train -d "$T/ac.gz" -m "$T/x.model"
expect_fail "--folds on several ranks" 2 "--folds cross-validates on one process only" run 3 train -d "$AC" --folds 3
expect_true "--folds refused: said once" "[ \$(grep -c 'one process only' '$T/err') -eq 1 ]"
# Sample weights: each share's slice of the one weights file; the weighted
# objective as one process's, deterministic
awk '{ print ($1 > 3000) ? 5 : 1 }' "$AC" > "$T/w.txt"
expect_ok "weights: plain build" "$SMLOSS" train -d "$AC" --label-transform log --epochs 3 --weights "$T/w.txt" -m "$T/w.plain"
wsingle=$(objective)
expect_ok "weights: one rank gives the plain build's model bytes" run 1 train -d "$AC" --label-transform log --epochs 3 --weights "$T/w.txt" -m "$T/w.1" -q
expect_true "weights: one rank, same bytes" cmp -s "$T/w.plain" "$T/w.1"
expect_ok "weights: 3 ranks" run 3 train -d "$AC" --label-transform log --epochs 3 --weights "$T/w.txt" -m "$T/w.3"
wobj=$(objective)
expect_true "weights: 3 ranks' objective $wobj within 0.5% of one process's ($wsingle)" close_to "$wobj" "$wsingle" 0.005
cp "$AC" "$T/ac.txt" && cp "$T/w.txt" "$T/ac.txt.weight"
expect_ok "weights beside the data, 3 ranks" run 3 train -d "$T/ac.txt" --label-transform log --epochs 3 -m "$T/w.3b" -q
expect_true "weights beside: the same model as --weights" "[ \"\$(grep -v '^train_\(weights\|data\)=' '$T/w.3b')\" = \"\$(grep -v '^train_\(weights\|data\)=' '$T/w.3')\" ]"
head -n 100 "$T/w.txt" > "$T/short.txt"
expect_fail "weights: too few for the file" 3 "short.txt:100: the file ends after 100 weights" run 2 train -d "$AC" --weights "$T/short.txt" -m "$T/w.bad"
expect_true "weights: no model from the failed run" "[ ! -e '$T/w.bad' ]"
awk '{ split($2, q, ":"); print 1 + q[2] % 3 }' "$T/rank.txt" > "$T/rank.w"
expect_ok "query weights: listwise, plain" "$SMLOSS" train -d "$T/rank.txt" --objective listwise --epochs 3 --weights "$T/rank.w" -m "$T/rw.plain"
rsingle=$(objective)
expect_ok "query weights: listwise, 2 ranks" run 2 train -d "$T/rank.txt" --objective listwise --epochs 3 --weights "$T/rank.w" -m "$T/rw.2"
robj=$(objective)
expect_true "query weights: 2 ranks' objective $robj within 0.5% of one process's ($rsingle)" close_to "$robj" "$rsingle" 0.005
# --emphasize: the width from the labels of every share, as one process's
expect_ok "--emphasize: plain build" "$SMLOSS" train -d "$AC" --label-transform log --epochs 1 --emphasize '[8.3,inf)=5' -m "$T/e.plain" -q
expect_ok "--emphasize: 3 ranks" run 3 train -d "$AC" --label-transform log --epochs 1 --emphasize '[8.3,inf)=5' -m "$T/e.3" -q
expect_true "--emphasize: the same compiled loss on 3 ranks" "[ \"\$(grep '^loss=' '$T/e.plain')\" = \"\$(grep '^loss=' '$T/e.3')\" ]"

# --save-every under mpirun: a checkpoint records every rank's data, as the
# final model does (the file, all its rows, the ranks)
mkdir -p "$T/ck"
"$MPIRUN" --oversubscribe -np 2 "$SMLOSS_MPI" train -d "$AC" -m "$T/ck/ck.model" --epochs 1000000 \
    --save-every 1 -q </dev/null 2>/dev/null &
pid=$!
i=0
while [ $i -lt 300 ] && ! grep -q '^end' "$T/ck/ck.model" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
stop "checkpoint under 2 ranks" "$pid" TERM
rows=$(grep -c . "$AC")
expect_true "checkpoint under 2 ranks: written" "grep -q '^checkpoint_epoch=' '$T/ck/ck.model'"
expect_true "checkpoint under 2 ranks: train_data is the file" "grep -qx 'train_data=$AC' '$T/ck/ck.model'"
expect_true "checkpoint under 2 ranks: train_rows=$rows, all of them" "grep -qx 'train_rows=$rows' '$T/ck/ck.model'"
expect_true "checkpoint under 2 ranks: ranks=2" "grep -qx 'ranks=2' '$T/ck/ck.model'"

# SIGTERM or SIGINT to mpirun while training: no temporary file, the
# previous model.
for sig in TERM INT; do
    "$MPIRUN" --oversubscribe -np 2 "$SMLOSS_MPI" train -d "$AC" -m "$T/prev.model" --epochs 1000000 2>"$T/sig.err" &
    pid=$!
    i=0
    # training has begun once the epoch table's first row is out (the
    # temporary file is unnamed where Linux allows: nothing to wait for)
    while [ $i -lt 100 ] && ! grep -q '^ *1 ' "$T/sig.err"; do sleep 0.1; i=$((i + 1)); done
    expect_true "SIG$sig: the run was training" "[ $i -lt 100 ]"
    stop "SIG$sig" "$pid" "$sig"
    expect_true "SIG$sig: mpirun exits non-zero ($rc)" "[ $rc -ne 0 ]"
    expect_true "SIG$sig: the previous model is intact" cmp -s "$T/prev.model" "$T/pointwise.plain"
    expect_true "SIG$sig: no temporary file" "! (ls -a '$T' | grep '\\.tmp\\.' >&2)"
done
# --resume under mpirun: 2 ranks killed (SIGTERM to mpirun) after a
# checkpoint, then resumed, write the bytes of the 2-rank run never stopped:
# in step (momentum, early stopping) and with local steps (adam, each rank's
# own moments: --sync-every), and L-BFGS.
H=$DATA/libsvm-housing-scale/housing_scale
mpi_resume() {
    what=$1 # (not $name: lib.sh's helpers set it)
    shift
    expect_ok "resume, $what: the whole run" run 2 train -q "$@" -m "$T/rs.whole"
    rm -f "$T/ck/rs.model"
    "$MPIRUN" --oversubscribe -np 2 "$SMLOSS_MPI" train -q "$@" -m "$T/ck/rs.model" \
        --save-every 1 </dev/null 2>/dev/null &
    pid=$!
    i=0
    while [ $i -lt 3000 ] && ! grep -q '^checkpoint_epoch=' "$T/ck/rs.model" 2>/dev/null; do
        sleep 0.01
        i=$((i + 1))
    done
    stop "resume, $what" "$pid" TERM
    epoch=$(sed -n 's/^checkpoint_epoch=//p' "$T/ck/rs.model")
    cp "$T/ck/rs.model" "$T/ck/rs.killed"
    expect_true "resume, $what: stopped after the checkpoint of epoch $epoch (status $rc)" \
        "[ $rc -ne 0 ] && grep -q '^resume=1\$' '$T/ck/rs.model' && grep -qx 'option ranks (mpirun -np)=2' '$T/ck/rs.model'"
    expect_ok "resume, $what: resumed" run 2 train -q "$@" -m "$T/ck/rs.model" \
        --resume "$T/ck/rs.model"
    expect_true "resume, $what: resumed after epoch $epoch, the same model bytes" \
        "cmp '$T/ck/rs.model' '$T/rs.whole'"
}
# (epochs of 506 rows take a millisecond: thousands, so the kill lands mid-run)
mpi_resume "momentum, early stopping" -d "$H" --epochs 3000 --optimizer momentum --valid "$H" --patience 1000
mpi_resume "adam, --sync-every 4" -d "$H" --epochs 3000 --optimizer adam --sync-every 4
expect_fail "resume: another number of ranks" 2 "trained with ranks \\(mpirun -np\\) 2, this run has ranks \\(mpirun -np\\) 1" \
    "$SMLOSS" train -q -d "$H" --epochs 3000 --optimizer adam -m "$T/rs.x" --resume "$T/ck/rs.killed"
mpi_resume "lbfgs" -d "$DATA/sklearn-digits/digits.libsvm" --objective multiclass --solver lbfgs \
    --l2 1e-4 --tol 0 --max-iter 300
finish
