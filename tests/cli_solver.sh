#!/bin/sh
# cli_solver.sh - the solvers end to end: L-BFGS by default for a linear
# scorer (its table, stop reason, warning at the cap, same bytes for any
# --threads), the --solver auto rule and its usage errors, objectives without
# a minimum refused, and what early stopping, warm starts, checkpoints,
# sampled pairs and folds do under L-BFGS.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
R=$DATA/lightgbm-rank/rank
awk 'NR % 5 != 0' "$H" > "$T/h.train"
awk 'NR % 5 == 0' "$H" > "$T/h.test"
# a third of the digits: a small multi-class set a linear scorer separates
awk 'NR % 3 == 0' "$DATA/sklearn-digits/digits.libsvm" > "$T/d.train"
info() { sed -n "s/^$2=//p" "$1"; }
last_objective() { awk '$1 ~ /^[0-9]+$/ { v = $2 } END { print v }' "$1"; }

# --- the default run ---
expect_ok "default run" "$SMLOSS" train -d "$T/h.train" -m "$T/a.model" --l2 0.01
expect_true "by lbfgs, converged" \
    "[ \"\$(info '$T/a.model' solver)\" = lbfgs ] && [ \"\$(info '$T/a.model' stop_reason)\" = converged ]"
expect_true "one table line an iteration" \
    "[ \$(grep -c '^ *[0-9]' '$T/err') -eq \$(info '$T/a.model' iterations) ]"
expect_true "the end told with the gradient" "grep -q 'lbfgs: converged after [0-9]* iterations, largest |gradient| ' '$T/err'"
expect_true "the model records tol, max_iter and grad_norm, not SGD's options" \
    "grep -qx 'tol=9.9999999999999995e-08' '$T/a.model' && grep -qx 'max_iter=1000' '$T/a.model' && grep -q '^grad_norm=' '$T/a.model' && ! grep -q '^epochs=\\|^lr=\\|^batch=' '$T/a.model'"
cp "$T/err" "$T/a.err"
expect_ok "an SGD run to the same objective" "$SMLOSS" train -d "$T/h.train" -m "$T/s.model" --l2 0.01 \
    --optimizer momentum --epochs 400
expect_true "SGD ends above the L-BFGS optimum, and within 0.1% of it" \
    "awk -v l=\$(last_objective '$T/a.err') -v s=\$(last_objective '$T/err') 'BEGIN { exit !(s >= l && s <= l * 1.001) }'"
expect_ok "multi-class, one thread" "$SMLOSS" train -q -d "$T/d.train" -m "$T/t1.model" \
    --objective multiclass --l2 1e-3 --threads 1
expect_ok "multi-class, three threads" "$SMLOSS" train -q -d "$T/d.train" -m "$T/t3.model" \
    --objective multiclass --l2 1e-3 --threads 3
expect_true "same bytes for any --threads" cmp -s "$T/t1.model" "$T/t3.model"

# --- the cap ---
expect_ok "--max-iter 3" "$SMLOSS" train -d "$T/h.train" -m "$T/cap.model" --max-iter 3
expect_true "a warning at the cap" "grep -q 'warning: lbfgs stopped at --max-iter 3 before it converged' '$T/err'"
expect_true "recorded" "[ \"\$(info '$T/cap.model' stop_reason)\" = max-iter ] && [ \"\$(info '$T/cap.model' iterations)\" = 3 ]"
expect_ok "--max-iter 3 -q" "$SMLOSS" train -q -d "$T/h.train" -m "$T/cap.model" --max-iter 3
expect_true "-q: no warning" "[ ! -s '$T/err' ]"

# --- the rule of --solver auto, and its usage errors ---
expect_ok "--epochs chooses sgd" "$SMLOSS" train -q -d "$T/h.train" -m "$T/e.model" --epochs 2
expect_true "an SGD model" "[ \"\$(info '$T/e.model' epochs)\" = 2 ] && ! grep -q '^solver=' '$T/e.model'"
expect_ok "--lr chooses sgd" "$SMLOSS" train -q -d "$T/h.train" -m "$T/lr.model" --lr 0.5
expect_true "an SGD model (--lr)" "grep -qx 'lr=0.5' '$T/lr.model'"
expect_ok "an MLP trains by sgd" "$SMLOSS" train -q -d "$T/h.train" -m "$T/mlp.model" --scorer mlp:3
expect_true "an SGD model (mlp)" "grep -qx 'optimizer=adam' '$T/mlp.model' && ! grep -q '^solver=' '$T/mlp.model'"
expect_fail "lbfgs with --epochs" 2 "--epochs is an option of --solver sgd" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --solver lbfgs --epochs 3
expect_fail "lbfgs with --batch" 2 "--batch is an option of --solver sgd" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --batch 3 --solver lbfgs
expect_fail "--tol with sgd" 2 "--tol and --max-iter are options of --solver lbfgs" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --solver sgd --tol 1e-3
expect_fail "--max-iter with an SGD option" 2 "chosen by --optimizer" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --optimizer adam --max-iter 3
expect_fail "lbfgs with an MLP" 2 "lbfgs trains linear scorers" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --solver lbfgs --scorer mlp:3
expect_fail "bad --solver" 2 "one of auto, lbfgs, sgd" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --solver newton
expect_fail "bad --tol" 2 "--tol" "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --tol -1
expect_true "no model from refused runs" "[ ! -e '$T/x.model' ]"

# --- objectives without a minimum ---
expect_fail "separable classes without --l2" 3 "has no minimum.*the data are separable.*--l2 > 0" \
    "$SMLOSS" train -d "$T/d.train" -m "$T/x.model" --objective multiclass
expect_fail "an unbounded link with class labels" 3 "has no minimum.*every score shifts up.*bounded link" \
    "$SMLOSS" train -d "$T/d.train" -m "$T/x.model" --objective multiclass --l2 1e-4 \
    --loss 'lin:w=0.2+exp:a=1'
expect_true "no model, no diverged restarts" "[ ! -e '$T/x.model' ] && ! grep -q 'diverged\\|halv' '$T/err'"
expect_fail "listwise exp with the gain target: the biases drift" 3 "has no minimum.*mean bias drifted.*falling temperature" \
    "$SMLOSS" train -d "$R.train" -m "$T/x.model" --objective listwise --target gain \
    --loss 'lin:w=0.1+exp:a=1,c=2' --l2 1e-3 --max-iter 200
expect_fail "pairwise lin without --l2: the weights grow" 3 "has no minimum.*norm of the weights grew.*--l2 > 0" \
    "$SMLOSS" train -d "$R.train" -m "$T/x.model" --objective pairwise --max-iter 300
expect_ok "the same link with --l2 and a bounded link" "$SMLOSS" train -q -d "$T/d.train" -m "$T/sig.model" \
    --objective multiclass --l2 1e-4 --loss 'lin:w=0.2+sigmoid:a=1,c=-3'

# --- early stopping, warm starts, checkpoints under lbfgs ---
expect_ok "early stopping" "$SMLOSS" train -d "$T/h.train" -m "$T/es.model" --valid "$T/h.test" \
    --patience 2 --metric objective
expect_true "early stopping records its best iteration" \
    "grep -q '^best_epoch=[1-9]' '$T/es.model' && grep -q '^stop_reason=\\(converged\\|early-stopping\\)\$' '$T/es.model'"
expect_ok "a warm start at the optimum" "$SMLOSS" train -d "$T/h.train" -m "$T/w.model" --l2 0.01 \
    -i "$T/a.model"
expect_true "stays there" \
    "[ \$(info '$T/w.model' iterations) -le 3 ] && awk -v a=\$(last_objective '$T/a.err') -v w=\$(last_objective '$T/err') 'BEGIN { exit !(w <= a * (1 + 1e-9)) }'"
expect_ok "--save-every under lbfgs" "$SMLOSS" train -q -d "$T/h.train" -m "$T/ck.model" --save-every 2 \
    --max-iter 5
expect_true "the final model replaced the checkpoints" \
    "! grep -q '^checkpoint_epoch=' '$T/ck.model' && [ \"\$(info '$T/ck.model' iterations)\" = 5 ]"

# --- ranking and folds ---
expect_ok "pairwise, sampled pairs, one thread" "$SMLOSS" train -q -d "$R.train" -m "$T/p1.model" \
    --objective pairwise --max-pairs 4 --threads 1 --l2 1e-3
expect_ok "pairwise, sampled pairs, two threads" "$SMLOSS" train -q -d "$R.train" -m "$T/p2.model" \
    --objective pairwise --max-pairs 4 --threads 2 --l2 1e-3
expect_true "pairwise converges, same bytes" \
    "cmp -s '$T/p1.model' '$T/p2.model' && [ \"\$(info '$T/p1.model' stop_reason)\" = converged ]"
expect_ok "folds by lbfgs" "$SMLOSS" train -q -d "$T/h.train" --folds 3 --l2 0.01
finish
