#!/bin/sh
# cli_warnings.sh - train's options that do nothing with the others given say
# so on stderr, one warning each naming the option and why (cli_train_warn.c);
# quiet under -q; exit status and outputs as without the option.
. "$(dirname "$0")/lib.sh"

H=$DATA/libsvm-housing-scale/housing_scale
G=$DATA/sklearn-digits/digits.libsvm
R=$DATA/lightgbm-rank/rank.train
RV=$DATA/lightgbm-rank/rank.test
# 200 rows of digits: enough classes and quick
head -n 200 "$G" > "$T/digits.txt"
D=$T/digits.txt

# warns NAME REGEX TRAIN-OPTION...: train warns (stderr matches REGEX), exits
# 0, and says nothing of it under -q
warns() {
    name=$1 regex=$2
    shift 2
    expect_ok "$name" "$SMLOSS" train -m "$T/w.model" "$@"
    expect_true "... warns" "grep -E -q -- 'smloss train: warning: $regex' '$T/err'"
    expect_ok "$name, -q" "$SMLOSS" train -q -m "$T/w.model" "$@"
    expect_true "... not under -q" "! grep -q warning '$T/err'"
}
# silent NAME TRAIN-OPTION...: no warning (the option does something)
silent() {
    name=$1
    shift
    expect_ok "$name" "$SMLOSS" train -m "$T/w.model" "$@"
    expect_true "... no warning" "! grep -q 'warning: --' '$T/err'"
}

warns "--temperature with pointwise" \
    '--temperature has no effect with --objective pointwise \(only the pairwise, listwise and multiclass objectives use it\)' \
    -d "$H" --temperature 2
warns "--temperature with multiclass-pointwise" \
    '--temperature has no effect with --objective multiclass-pointwise' \
    -d "$D" --objective multiclass-pointwise --temperature 2 --l2 0.1
silent "--temperature with listwise" -d "$R" --objective listwise --temperature 2 --epochs 1
silent "--temperature with multiclass" -d "$D" --objective multiclass --temperature 2 --l2 0.1

warns "--momentum with sgd" \
    '--momentum has no effect with --optimizer sgd, the default of this scorer \(only --optimizer momentum uses it\)' \
    -d "$H" --momentum 0.5 --epochs 1
warns "--momentum with an explicit adam" '--momentum has no effect with --optimizer adam \(' \
    -d "$H" --momentum 0.5 --optimizer adam --epochs 1
silent "--momentum with momentum" -d "$H" --momentum 0.5 --optimizer momentum --epochs 1
warns "--beta1 with sgd" '--beta1 has no effect with --optimizer sgd.*only --optimizer adam uses it' \
    -d "$H" --beta1 0.8 --epochs 1
warns "--beta2 with momentum" '--beta2 has no effect with --optimizer momentum' \
    -d "$H" --beta2 0.99 --optimizer momentum --epochs 1
silent "--beta1 and --beta2 with adam" -d "$H" --beta1 0.8 --beta2 0.99 --optimizer adam --epochs 1
warns "--eps with sgd" '--eps has no effect with --optimizer sgd.*adagrad and adam' \
    -d "$H" --eps 1e-6 --epochs 1
silent "--eps with adagrad" -d "$H" --eps 1e-6 --optimizer adagrad --epochs 1
warns "--momentum with an MLP's default adam" '--momentum has no effect with --optimizer adam, the default' \
    -d "$H" --scorer mlp:4 --momentum 0.5 --epochs 1

warns "--regions with multiclass" \
    '--regions has no effect with --objective multiclass \(a multi-class model reports per class' \
    -d "$D" --objective multiclass --regions 2,5 --l2 0.1
silent "--regions with pointwise" -d "$H" --regions 20,30

warns "--sync-every in one process" \
    '--sync-every has no effect in a single process \(it paces the ranks of an MPI run' \
    -d "$H" --sync-every 4 --epochs 1

warns "--group with pointwise" \
    '--group has no effect with --objective pointwise \(only the ranking objectives and --folds' \
    -d "$R" --group "$R.query" --epochs 1
expect_ok "--group with pointwise and --folds: used (whole queries)" \
    "$SMLOSS" train -d "$R" --group "$R.query" --folds 2 --epochs 1
expect_true "... no warning" "! grep -q 'warning: --group' '$T/err' && grep -q 'whole queries' '$T/out'"
warns "--valid-group with pointwise and --metric rmse" \
    '--valid-group has no effect with --objective pointwise and no ranking --metric' \
    -d "$R" --valid "$RV" --valid-group "$RV.query" --metric rmse --epochs 1
silent "--valid-group with --metric ndcg@5" -d "$R" --valid "$RV" --valid-group "$RV.query" \
    --metric ndcg@5 --epochs 1

warns "--target with multiclass on class labels" \
    '--target has no effect with --objective multiclass on class labels, without --targets' \
    -d "$D" --objective multiclass --target prob --l2 0.1
"$SMLOSS" predict -q -m "$T/w.model" -d "$D" --output-type probs > "$T/probs.txt"
warns "--valid-targets without --valid" '--valid-targets has no effect without --valid' \
    -d "$D" --objective multiclass --targets "$T/probs.txt" --target prob \
    --valid-targets "$T/probs.txt" --l2 0.1
silent "--target with --targets" -d "$D" --objective multiclass --targets "$T/probs.txt" \
    --target prob --l2 0.1

warns "--max-pairs 0 with pointwise" \
    '--max-pairs has no effect with --objective pointwise \(only the pairwise objective samples pairs\)' \
    -d "$H" --max-pairs 0
warns "--seed with lbfgs" \
    '--seed has no effect with --solver lbfgs, which --solver auto chose \(L-BFGS draws nothing at random' \
    -d "$H" --seed 7
silent "--seed with lbfgs and --max-pairs" -d "$R" --objective pairwise --max-pairs 3 --seed 7 \
    --max-iter 3
warns "--save-every at the last epoch" '--save-every has no effect with --epochs 2' \
    -d "$H" --save-every 2 --epochs 2
silent "--save-every before the end" -d "$H" --save-every 1 --epochs 2
warns "--save-every at lbfgs's --max-iter" '--save-every has no effect with --max-iter 5' \
    -d "$H" --save-every 5 --max-iter 5
silent "--save-every before lbfgs's --max-iter" -d "$H" --save-every 4 --max-iter 5

# Several at once: one line each, in one run
expect_ok "three ineffective options" "$SMLOSS" train -d "$H" -m "$T/w.model" --temperature 2 \
    --momentum 0.5 --sync-every 4 --epochs 1
expect_true "... three warnings" "[ \$(grep -c 'smloss train: warning: --' '$T/err') -eq 3 ]"

# They do nothing indeed: the same model bytes with or without them
"$SMLOSS" train -q -d "$H" -m "$T/plain.model" --epochs 2 --optimizer adam
expect_ok "adam with --momentum, --temperature, --sync-every, --max-pairs 0, --save-every 2" \
    "$SMLOSS" train -d "$H" -m "$T/noop.model" --epochs 2 --optimizer adam --momentum 0.3 \
    --temperature 5 --max-pairs 0 --save-every 2
expect_true "... the same model, bytes and all" "cmp -s '$T/plain.model' '$T/noop.model'"
"$SMLOSS" train -q -d "$H" -m "$T/s1.model" --seed 1
"$SMLOSS" train -q -d "$H" -m "$T/s9.model" --seed 9
expect_true "lbfgs: --seed 9 gives seed 1's model, but for the seed it records" \
    "[ \"\$(diff '$T/s1.model' '$T/s9.model' | grep '^[<>]' | tr '\n' ' ')\" = '< seed=1 > seed=9 ' ]"

finish
