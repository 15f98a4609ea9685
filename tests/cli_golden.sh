#!/bin/sh
# cli_golden.sh - byte-for-byte regression of the outputs users keep: model
# files, predictions and reports of a fixed set of runs on the bundled data,
# compared with tests/golden/. Refactors must leave every one unchanged; a
# deliberate change of output regenerates them with
#     GOLDEN_UPDATE=1 sh tests/cli_golden.sh
# and the diff of tests/golden/ is reviewed with the change.
. "$(dirname "$0")/lib.sh"
cd "$TESTS_DIR/.." || exit 2
G=tests/golden
H=data/libsvm-housing-scale/housing_scale
A=data/xgboost-autoclaims/autoclaims
R=data/lightgbm-rank/rank
SEL='lin:w=0.05+sigmoid:a=0.3,c=35'
awk 'NR % 5 != 0' "$H" > "$T/h.train"
awk 'NR % 5 == 0' "$H" > "$T/h.test"

# run NAME CMD...: the command must succeed; its stdout is the output NAME
# (files it writes into $T/o are outputs under their own names).
mkdir -p "$T/o"
run() {
    name=$1; shift
    if "$@" >"$T/o/$name" 2>"$T/err"; then pass; else
        fail "$name" "exit $? from: $*" "stderr: $(head -c 600 "$T/err")"; fi
}
# The models record the training file's path: train on the copies by a fixed name.
cd "$T" || exit 2
ln -s "$OLDPWD/data" data
run h-lin.stdout "$SMLOSS" train -q -d h.train -m o/h-lin.model --regions 20,35 --epochs 30
run h-sel.stdout "$SMLOSS" train -q -d h.train -m o/h-sel.model --regions 20,35 --loss "$SEL" \
    --predictions o/h-sel.train.pred
# an explicit SGD keeps the bytes SGD gave before L-BFGS became the default:
# h-sel-sgd.model is the h-sel.model of 20 epochs, h-lin-sgd.model is h-lin.model
run h-sel-sgd.stdout "$SMLOSS" train -q -d h.train -m o/h-sel-sgd.model --regions 20,35 --loss "$SEL" \
    --solver sgd
run h-lin-sgd.stdout "$SMLOSS" train -q -d h.train -m o/h-lin-sgd.model --regions 20,35 --solver sgd \
    --epochs 30
run h-exp-adam.stdout "$SMLOSS" train -q -d h.train -m o/h-exp-adam.model --loss 'lin:w=0.1+exp:a=0.1,c=30' \
    --optimizer adam --l2 1e-4 --clip 5 --epochs 10
run h-pwl-mom.stdout "$SMLOSS" train -q -d h.train -m o/h-pwl-mom.model --loss 'pwl:knots=20/35,slopes=0.2/1/3' \
    --optimizer momentum --lr-schedule invsqrt --batch 4 --epochs 10
run h-sinh-ada.stdout "$SMLOSS" train -q -d h.train -m o/h-sinh-ada.model --loss 'sinh:a=0.05,c=22' \
    --optimizer adagrad --scale none --epochs 10 --seed 7
run h-mlp.stdout "$SMLOSS" train -q -d h.train -m o/h-mlp.model --scorer mlp:8,4 --activation tanh \
    --loss "$SEL" --epochs 5
run h-early.stdout "$SMLOSS" train -q -d h.train -m o/h-early.model --valid h.test --patience 3 --epochs 40
run h-sel.pred "$SMLOSS" predict -d h.test -m o/h-sel.model
run h-mlp.pred "$SMLOSS" predict -d h.test -m o/h-mlp.model
run h-sel.eval.txt "$SMLOSS" eval -d h.test -m o/h-sel.model
run h-lin.eval.tsv "$SMLOSS" eval -d h.test -m o/h-lin.model --loss "$SEL" --format tsv
run h-sel.eval.json "$SMLOSS" eval -d h.test -m o/h-sel.model --format json
run h-p.eval.txt "$SMLOSS" eval -d h.train -p o/h-sel.train.pred
run a-log.stdout "$SMLOSS" train -q -d "data/xgboost-autoclaims/autoclaims.train" -m o/a-log.model \
    --label-transform log1p --loss 'lin:w=0.1+sigmoid:a=2,c=2' --epochs 5
run a-log.eval.txt "$SMLOSS" eval -d "data/xgboost-autoclaims/autoclaims.test" -m o/a-log.model
run r-list.stdout "$SMLOSS" train -q -d data/lightgbm-rank/rank.train -m o/r-list.model --objective listwise \
    --loss 'lin:w=0.2+exp:a=0.8' --epochs 3 --valid data/lightgbm-rank/rank.test --metric ndcg@5
run r-pair.stdout "$SMLOSS" train -q -d data/lightgbm-rank/rank.train -m o/r-pair.model --objective pairwise \
    --target soft --max-pairs 16 --epochs 2
run r-list-lbfgs.stdout "$SMLOSS" train -q -d data/lightgbm-rank/rank.train -m o/r-list-lbfgs.model \
    --objective listwise --l2 1e-3 --temperature 2
run r-gain.stdout "$SMLOSS" train -q -d data/lightgbm-rank/rank.train -m o/r-gain.model --objective listwise \
    --target gain --temperature 0.5 --epochs 2 --scorer mlp:4
run r-list.eval.txt "$SMLOSS" eval -d data/lightgbm-rank/rank.test -m o/r-list.model --per-query o/r-list.perquery
run r-pair.eval.json "$SMLOSS" eval -d data/lightgbm-rank/rank.test -m o/r-pair.model --format json \
    --cutoffs 2,7 --metric-gain linear --no-relevant skip
run r-gain.eval.tsv "$SMLOSS" eval -d data/lightgbm-rank/rank.test -m o/r-gain.model --format tsv
run link.tsv "$SMLOSS" link --loss "$SEL+sinh:a=0.1,c=10,w=0.01" --from 0 --to 50 --steps 25

if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
    rm -rf "$OLDPWD/$G" && mkdir -p "$OLDPWD/$G" && cp o/* "$OLDPWD/$G/"
    echo "golden outputs written to $G" >&2
fi
cd "$OLDPWD" || exit 2
for f in "$T"/o/*; do
    n=$(basename "$f")
    if [ ! -f "$G/$n" ]; then fail "$n: no golden copy in $G"
    elif cmp -s "$f" "$G/$n"; then pass
    else fail "$n differs from $G/$n" "$(diff "$G/$n" "$f" | head -8)"; fi
done
for g in "$G"/*; do
    [ -e "$T/o/$(basename "$g")" ] || fail "$(basename "$g"): golden output no longer produced"
done
finish
