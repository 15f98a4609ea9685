#!/bin/sh
# cli_mlp.sh - the MLP scorer end to end: options and their errors, the model
# file (reload exactness, determinism, truncation), predict and eval, ranking
# objectives with early stopping, and a nonlinear task on which the MLP must
# beat the linear scorer on held-out rows.
. "$(dirname "$0")/lib.sh"

# A seeded generated set whose target is a known nonlinear function of the
# features: y = 4 x1 x2 + sin(3 x3) + |x4| + small noise, x uniform in [-1, 1]^8.
# No linear function of x explains much of it (x1 x2 and |x4| are uncorrelated
# with every feature), while a small MLP can.
gen() {
    awk -v seed="$1" -v n="$2" 'BEGIN { srand(seed);
        for (r = 0; r < n; r++) {
            for (j = 1; j <= 8; j++) x[j] = 2 * rand() - 1;
            y = 4 * x[1] * x[2] + sin(3 * x[3]) + (x[4] < 0 ? -x[4] : x[4]) + 0.1 * (rand() - 0.5);
            line = sprintf("%.6f", y);
            for (j = 1; j <= 8; j++) line = line sprintf(" %d:%.6f", j, x[j]);
            print line } }'
}
# mean squared error of a predictions file against a data file's labels
mse() { awk 'NR == FNR { s[FNR] = $1; next } { d = s[FNR] - $1; t += d * d; n++ } END { printf "%.6f\n", t / n }' "$1" "$2"; }
gen 11 3000 > "$T/nl.train"
gen 12 1000 > "$T/nl.test"
H=$DATA/libsvm-housing-scale/housing_scale

# --- options ---
expect_ok "train --help" "$SMLOSS" train --help
expect_true "--help documents --scorer mlp and --activation" "grep -q 'mlp:H1' '$T/out' && grep -q -- '--activation' '$T/out'"
expect_fail "mlp without widths" 2 "--scorer: 'mlp' needs hidden layer widths" "$SMLOSS" train -d "$H" -m "$T/m" --scorer mlp
expect_fail "bad width" 2 "bad hidden width at \"0\"" "$SMLOSS" train -d "$H" -m "$T/m" --scorer mlp:8,0
expect_fail "too many layers" 2 "more than 3 hidden layers" "$SMLOSS" train -d "$H" -m "$T/m" --scorer mlp:4,4,4,4
expect_fail "unknown scorer" 2 "unknown scorer 'forest'" "$SMLOSS" train -d "$H" -m "$T/m" --scorer forest
expect_fail "bad activation" 2 "--activation must be one of relu, tanh, gelu" "$SMLOSS" train -d "$H" -m "$T/m" --scorer mlp:4 --activation swish
expect_fail "activation without mlp" 2 "--activation applies to --scorer mlp" "$SMLOSS" train -d "$H" -m "$T/m" --activation tanh
expect_true "failed runs write no model" "[ ! -e '$T/m' ]"

# --- reload exactness and determinism, every activation and optimiser ---
for act in relu tanh gelu; do
    for opt in sgd momentum adagrad adam; do
        expect_ok "train $act $opt" "$SMLOSS" train -q -d "$T/nl.train" -m "$T/$act.$opt.model" \
            --scorer mlp:8,4 --activation $act --optimizer $opt --epochs 2 --l2 1e-4 --clip 10 \
            --predictions "$T/$act.$opt.train.pred"
        expect_ok "predict $act $opt" "$SMLOSS" predict -m "$T/$act.$opt.model" -d "$T/nl.train" -o "$T/$act.$opt.pred"
        expect_true "reloaded $act $opt model predicts exactly what training predicted" \
            "cmp -s '$T/$act.$opt.pred' '$T/$act.$opt.train.pred'"
    done
done
M=$T/tanh.adam.model
expect_true "model records the architecture" \
    "grep -qx 'scorer=mlp' '$M' && grep -qx 'hidden=8,4' '$M' && grep -qx 'activation=tanh' '$M'"
expect_true "model records the optimiser" "grep -qx 'optimizer=adam' '$M' && grep -qx 'beta1=0.90000000000000002' '$M' && grep -qx 'clip=10' '$M'"
expect_true "model holds three layers" "[ \$(grep -c '^layer=' '$M') -eq 3 ] && grep -qx 'layer=2 in=8 out=4' '$M'"
expect_ok "train again" "$SMLOSS" train -q -d "$T/nl.train" -m "$T/again.model" --scorer mlp:8,4 \
    --activation tanh --optimizer adam --epochs 2 --l2 1e-4 --clip 10
expect_true "rerun gives a byte-identical model" "cmp -s '$M' '$T/again.model'"
expect_ok "train other seed" "$SMLOSS" train -q -d "$T/nl.train" -m "$T/seed.model" --scorer mlp:8,4 \
    --activation tanh --optimizer adam --epochs 2 --l2 1e-4 --clip 10 --seed 2
expect_true "another seed gives another model" "! cmp -s '$M' '$T/seed.model'"
expect_ok "eval with an mlp model" "$SMLOSS" eval -d "$T/nl.test" -m "$M"
expect_true "eval prints a region table" "grep -q 'RMSE' '$T/out'"

# --- loading checks ---
head -n 30 "$M" > "$T/trunc.model"
expect_fail "truncated mlp model" 3 "trunc.model:[0-9]+: .*truncated" "$SMLOSS" predict -m "$T/trunc.model" -d "$T/nl.test"
sed 's/^hidden=8,4$/hidden=8,5/' "$M" > "$T/shape.model"
expect_fail "shape mismatch" 3 "shape.model:[0-9]+: layer 2 is 8x4, but dim and hidden make layer 2 8x5" \
    "$SMLOSS" predict -m "$T/shape.model" -d "$T/nl.test"

# --- ranking objectives and early stopping with an MLP ---
R=$DATA/lightgbm-rank/rank.train
V=$DATA/lightgbm-rank/rank.test
for obj in pairwise listwise; do
    expect_ok "mlp $obj with early stopping" "$SMLOSS" train -q -d "$R" --valid "$V" -m "$T/$obj.model" \
        --scorer mlp:16,8 --activation gelu --objective $obj --loss lin:w=0.2+sigmoid:a=2,c=1.5 \
        --metric ndcg@5 --patience 2 --epochs 12 --predictions "$T/$obj.train.pred"
    expect_true "$obj model records the kept epoch" \
        "grep -q '^best_epoch=[0-9]' '$T/$obj.model' && grep -qx 'objective=$obj' '$T/$obj.model'"
    expect_ok "predict $obj" "$SMLOSS" predict -m "$T/$obj.model" -d "$R" -o "$T/$obj.pred"
    expect_true "the kept $obj model reloads exactly" "cmp -s '$T/$obj.pred' '$T/$obj.train.pred'"
done

# --- the nonlinear task: the MLP beats linear on held-out rows by a clear margin ---
expect_ok "train linear" "$SMLOSS" train -q -d "$T/nl.train" -m "$T/lin.model" --epochs 10
expect_ok "predict linear" "$SMLOSS" predict -m "$T/lin.model" -d "$T/nl.test" -o "$T/lin.pred"
for act in relu tanh; do
    expect_ok "train mlp $act" "$SMLOSS" train -q -d "$T/nl.train" -m "$T/mlp.$act.model" \
        --scorer mlp:32,16 --activation $act --epochs 10
    expect_ok "predict mlp $act" "$SMLOSS" predict -m "$T/mlp.$act.model" -d "$T/nl.test" -o "$T/mlp.$act.pred"
    lin=$(mse "$T/lin.pred" "$T/nl.test")
    mlp=$(mse "$T/mlp.$act.pred" "$T/nl.test")
    expect_true "held-out MSE: mlp $act ($mlp) < linear ($lin) / 5" \
        "awk -v a='$mlp' -v b='$lin' 'BEGIN { exit !(a < b / 5) }'"
done
finish
