#!/bin/sh
# cli_resume.sh - train --resume: a run killed (SIGTERM) after a --save-every
# checkpoint, then resumed with the same command plus --resume, writes the
# model bytes of the run never stopped: SGD (plain, momentum, adam), L-BFGS,
# an MLP, early stopping with --valid, a ranking objective with sampled pairs,
# multi-class, epochs streamed from a cache over the memory budget. The checkpoint's state is ignored by predict and eval; a
# changed option or data is refused naming it; --epochs may grow.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
R=$DATA/lightgbm-rank/rank.train
RV=$DATA/lightgbm-rank/rank.test
D=$DATA/sklearn-digits/digits.libsvm

# killed NAME OPTIONS...: train with --save-every 1 into $T/k.model, killed
# by SIGTERM as soon as a checkpoint is there; the test fails unless the run
# was really stopped there (status 143, the checkpoint's state in place).
killed() {
    what=$1 # (not $name: lib.sh's helpers set it)
    shift
    rm -f "$T/k.model"
    "$SMLOSS" train -q "$@" -m "$T/k.model" --save-every 1 2>"$T/kill.err" &
    pid=$!
    i=0
    while [ $i -lt 2000 ] && ! grep -q '^checkpoint_epoch=' "$T/k.model" 2>/dev/null; do
        sleep 0.01
        i=$((i + 1))
    done
    kill -TERM $pid 2>/dev/null
    wait $pid
    status=$?
    expect_true "$what: the run was stopped by SIGTERM after a checkpoint (status $status)" \
        "[ $status -eq 143 ] && grep -q '^resume=1\$' '$T/k.model'"
}

# same_as_whole NAME OPTIONS...: the whole run, the killed one, and the
# killed one resumed (without checkpoints: they change nothing) give the
# same model bytes.
same_as_whole() {
    what=$1
    shift
    expect_ok "$what: the whole run" "$SMLOSS" train -q "$@" -m "$T/whole.model"
    killed "$what" "$@"
    epoch=$(sed -n 's/^checkpoint_epoch=//p' "$T/k.model")
    cp "$T/k.model" "$T/killed.model"
    expect_ok "$what: resumed after epoch $epoch" "$SMLOSS" train -q "$@" -m "$T/k.model" \
        --resume "$T/k.model"
    expect_true "$what: resumed after epoch $epoch, the same model bytes" \
        "cmp '$T/k.model' '$T/whole.model'"
}

same_as_whole "sgd" -d "$H" --epochs 2000
same_as_whole "momentum, l2, clip" -d "$H" --epochs 2000 --optimizer momentum --l2 0.001 --clip 5
same_as_whole "adam, warm-up, invsqrt" -d "$H" --epochs 2000 --optimizer adam --warmup 3000 \
    --lr-schedule invsqrt
AC=$DATA/xgboost-autoclaims/autoclaims.train
same_as_whole "lbfgs" -d "$AC" --solver lbfgs --l2 1e-4 --tol 0 --max-iter 300
grep -v '^max_iter=' "$T/whole.model" > "$T/whole.nomax"
expect_true "lbfgs: resumed in the middle (iterations $(sed -n 's/^iterations=//p' "$T/whole.model") > $epoch)" \
    "[ $(sed -n 's/^iterations=//p' "$T/whole.model") -gt $epoch ]"
expect_ok "lbfgs: a larger --max-iter" "$SMLOSS" train -q -d "$AC" --solver lbfgs --l2 1e-4 \
    --tol 0 --max-iter 500 -m "$T/more.model" --resume "$T/killed.model"
expect_true "lbfgs: converged at the same point, the same model but its max_iter" \
    "grep -v '^max_iter=' '$T/more.model' | cmp -s - '$T/whole.nomax'"
same_as_whole "mlp" -d "$H" --epochs 600 --scorer mlp:8,4 --activation tanh
same_as_whole "early stopping (rmse, patience)" -d "$H" --valid "$H" --epochs 2000 \
    --metric 'rmse:[30,inf)' --patience 200 --optimizer adam
same_as_whole "pairwise, sampled pairs, ndcg" -d "$R" --objective pairwise --max-pairs 16 \
    --epochs 40 --valid "$RV" --metric ndcg@5
same_as_whole "multiclass" -d "$D" --objective multiclass --epochs 60

# streamed from a cache larger than the budget (--memory): the epochs'
# block order is drawn again too
awk 'BEGIN { srand(3); for (i = 0; i < 60000; i++) { y = 0; s = ""
    for (j = 1; j <= 12; j++) { v = rand(); y += v * j; s = s " " j ":" sprintf("%.4f", v) }
    print sprintf("%.3f", y) s } }' > "$T/big.txt"
expect_ok "a cache over 1 MB" "$SMLOSS" train -q -d "$T/big.txt" --cache "$T/big.cache" -m "$T/x.model" --epochs 1
rm -f "$T/x.model"
same_as_whole "streamed" -d "$T/big.txt" --cache "$T/big.cache" --memory 1M --epochs 30 --optimizer momentum
expect_true "streamed: the checkpoint says so" "grep -q '^option --memory (streaming)=blocks of' '$T/killed.model'"

# (the test can fail: --init from the checkpoint, a fresh schedule and
# optimiser, gives other bytes)
same_as_whole "adam" -d "$H" --epochs 2000 --optimizer adam
expect_ok "--init from a checkpoint" "$SMLOSS" train -q -d "$H" --epochs 2000 --optimizer adam \
    -i "$T/killed.model" -m "$T/init.model"
expect_true "--init from a checkpoint restarts: other bytes than the whole run's" \
    "! cmp -s '$T/init.model' '$T/whole.model'"

# the checkpoint is a model to predict and eval: they stop at its 'end'
killed "adam for the checks" -d "$H" --epochs 2000 --optimizer adam
cp "$T/k.model" "$T/ck.model"
expect_ok "predict reads a checkpoint" "$SMLOSS" predict -q -m "$T/ck.model" -d "$H" -o "$T/ck.pred"
expect_true "it scores every row" "[ \$(wc -l < '$T/ck.pred') -eq 506 ]"
expect_ok "eval reads a checkpoint" "$SMLOSS" eval -m "$T/ck.model" -d "$H"

# what must stay the same is named; --epochs may grow
expect_fail "another --lr" 2 "--resume: the checkpoint was trained with --lr 0.01, this run has --lr 0.02" \
    "$SMLOSS" train -q -d "$H" --epochs 2000 --optimizer adam --lr 0.02 -m "$T/x.model" --resume "$T/ck.model"
expect_fail "another optimizer" 2 "trained with --optimizer adam, this run has --optimizer sgd" \
    "$SMLOSS" train -q -d "$H" --epochs 2000 -m "$T/x.model" --resume "$T/ck.model"
expect_fail "another seed" 2 "trained with --seed 1, this run has --seed 2" \
    "$SMLOSS" train -q -d "$H" --epochs 2000 --optimizer adam --seed 2 -m "$T/x.model" --resume "$T/ck.model"
head -n 300 "$H" > "$T/part.txt"
expect_fail "other data" 2 "trained with --data 506 rows, checksum [0-9a-f]+, this run has --data 300 rows" \
    "$SMLOSS" train -q -d "$T/part.txt" --epochs 2000 --optimizer adam -m "$T/x.model" --resume "$T/ck.model"
sed 's/^24 /24.5 /' "$H" > "$T/label.txt"
expect_fail "a changed label" 2 "trained with --data 506 rows, checksum" \
    "$SMLOSS" train -q -d "$T/label.txt" --epochs 2000 --optimizer adam -m "$T/x.model" --resume "$T/ck.model"
expect_fail "fewer --epochs" 2 "trained with --epochs 2000, this run has --epochs 100.*may grow, not shrink" \
    "$SMLOSS" train -q -d "$H" --epochs 100 --optimizer adam -m "$T/x.model" --resume "$T/ck.model"
expect_fail "another --batch" 2 "trained with --batch 16, this run has --batch 8" \
    "$SMLOSS" train -q -d "$H" --epochs 2000 --optimizer adam --batch 8 -m "$T/x.model" --resume "$T/ck.model"
expect_fail "another --loss" 2 "trained with --loss lin:w=1, this run has --loss" \
    "$SMLOSS" train -q -d "$H" --epochs 2000 --optimizer adam --loss 'lin:w=2' -m "$T/x.model" --resume "$T/ck.model"
expect_fail "another --scorer" 2 "trained with --scorer linear, this run has --scorer mlp:4" \
    "$SMLOSS" train -q -d "$H" --epochs 2000 --optimizer adam --scorer mlp:4 -m "$T/x.model" --resume "$T/ck.model"
expect_true "no model left by the refusals" "[ ! -e '$T/x.model' ]"
expect_ok "more --epochs" "$SMLOSS" train -q -d "$H" --epochs 2500 --optimizer adam -m "$T/x.model" --resume "$T/ck.model"
expect_true "more --epochs: a finished model" "[ -s '$T/x.model' ] && ! grep -q '^resume=' '$T/x.model'"

# not a checkpoint, a damaged one
expect_fail "a finished model" 3 "whole.model: no resume state after the model: not a checkpoint" \
    "$SMLOSS" train -q -d "$H" -m "$T/x.model" --resume "$T/whole.model"
expect_fail "no such checkpoint" 4 "nope.model: cannot open the checkpoint" \
    "$SMLOSS" train -q -d "$H" -m "$T/x.model" --resume "$T/nope.model"
head -n -3 "$T/ck.model" > "$T/cut.model"
expect_fail "a truncated checkpoint" 3 "cut.model:[0-9]+:" \
    "$SMLOSS" train -q -d "$H" --epochs 2000 --optimizer adam -m "$T/x.model" --resume "$T/cut.model"
sed 's/^array=scorer [0-9]*/array=scorer 2/' "$T/ck.model" > "$T/bad.model"
expect_fail "a bad array" 3 "bad.model:[0-9]+:" \
    "$SMLOSS" train -q -d "$H" --epochs 2000 --optimizer adam -m "$T/x.model" --resume "$T/bad.model"
expect_fail "--resume with --folds" 2 "not with --folds" \
    "$SMLOSS" train -q -d "$H" -v 3 --resume "$T/ck.model"
expect_fail "--resume with the model as --predictions" 2 "same file" \
    "$SMLOSS" train -q -d "$H" -m "$T/x.model" -p "$T/ck.model" --resume "$T/ck.model"
finish
