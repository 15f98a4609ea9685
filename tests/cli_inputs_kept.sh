#!/bin/sh
# cli_inputs_kept.sh - no output replaces a file the command reads: every
# command, every kind of input (named by an option, or found beside the data:
# DATA.weight, DATA.query, DATA.group), every kind of output. Each case is
# refused with exit 2 before any work, the message names both files, and the
# input is left as it was, with no temporary file beside it.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
head -n 60 "$H" > "$T/d.txt"
head -n 40 "$H" > "$T/v.txt"
"$SMLOSS" train -q -d "$T/d.txt" -m "$T/init.model" --epochs 1 || fail "setup: train"
cp "$T/init.model" "$T/m.model"
awk '{ print 1 }' "$T/d.txt" > "$T/w"
printf '30\n30\n' > "$T/g"
printf '20\n20\n' > "$T/vg"
awk '{ print "0.5 0.5" }' "$T/d.txt" > "$T/tt"
awk '{ print "0.5 0.5" }' "$T/v.txt" > "$T/vt"
"$SMLOSS" predict -q -m "$T/m.model" -d "$T/d.txt" -o "$T/p" || fail "setup: predict"
no_temp_files() { [ -z "$(find "$T" -name '*.tmp.*' | head -n 1)" ]; }

# kept WHAT FILE OUTPUTS -- ARGS...: for each output option in OUTPUTS
# (space-separated; "-m" for train is added to the others' runs), smloss ARGS
# with that output at FILE is refused naming WHAT, and FILE is unchanged.
kept() {
    what=$1; file=$2; outputs=$3; shift 4
    cp "$file" "$T/before"
    for out in $outputs; do
        model=
        [ "$1" = train ] && [ "$out" != --model ] && model="-m $T/new.model"
        expect_fail "$1 $what, $out at it" 2 \
            "^smloss $1: $out '$file' is the same file as $what '$file': it would be overwritten" \
            "$SMLOSS" "$@" $model "$out" "$file"
        expect_true "$1 $what, $out at it: unchanged, nothing written" \
            "cmp -s '$T/before' '$file' && [ ! -e '$T/new.model' ] && no_temp_files"
    done
}

TRAIN_OUT="--model --predictions --cache"
kept --data "$T/d.txt" "$TRAIN_OUT" -- train -q -d "$T/d.txt"
kept --valid "$T/v.txt" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --valid "$T/v.txt"
kept --group "$T/g" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --group "$T/g"
kept --valid-group "$T/vg" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --valid "$T/v.txt" --valid-group "$T/vg"
kept --weights "$T/w" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --weights "$T/w"
kept --valid-weights "$T/w" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --valid "$T/v.txt" --valid-weights "$T/w"
kept --targets "$T/tt" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --objective multiclass --targets "$T/tt"
kept --valid-targets "$T/vt" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --valid "$T/v.txt" \
    --objective multiclass --targets "$T/tt" --valid-targets "$T/vt"
# the --init model: -m continues it in place (it is read before it is
# written); any other output is refused
kept --init "$T/init.model" "--predictions --cache" -- train -q -d "$T/d.txt" -i "$T/init.model"
cp "$T/init.model" "$T/cont.model"
expect_ok "train -i M -m M continues M in place" "$SMLOSS" train -q -d "$T/d.txt" -i "$T/cont.model" \
    -m "$T/cont.model" --epochs 1
expect_true "...and replaces it" "! cmp -s '$T/cont.model' '$T/init.model' && grep -q '^end' '$T/cont.model'"

EVAL_OUT="--output --per-query --cache"
kept --data "$T/d.txt" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -m "$T/m.model"
kept --model "$T/m.model" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -m "$T/m.model"
kept --predictions "$T/p" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -p "$T/p"
kept --group "$T/g" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -m "$T/m.model" --group "$T/g"
kept --weights "$T/w" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -m "$T/m.model" --weights "$T/w"
kept --targets "$T/tt" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -m "$T/m.model" --targets "$T/tt"

PREDICT_OUT="--output --cache"
kept --data "$T/d.txt" "$PREDICT_OUT" -- predict -q -d "$T/d.txt" -m "$T/m.model"
kept --model "$T/m.model" "$PREDICT_OUT" -- predict -q -d "$T/d.txt" -m "$T/m.model"

# the files found beside the data: DATA.weight, DATA.query, DATA.group
cp "$T/w" "$T/d.txt.weight"
cp "$T/w" "$T/v.txt.weight"
kept "the weights beside --data" "$T/d.txt.weight" "$TRAIN_OUT" -- train -q -d "$T/d.txt"
kept "the weights beside --valid" "$T/v.txt.weight" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --valid "$T/v.txt"
kept "the weights beside --data" "$T/d.txt.weight" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -m "$T/m.model"
# --weights names other weights (or none): DATA.weight is not read, so it may go
expect_ok "--weights given: DATA.weight is no input" "$SMLOSS" train -q -d "$T/d.txt" \
    --weights none -m "$T/d.txt.weight" --epochs 1
expect_true "...and was replaced by the model" "grep -q '^smloss-model' '$T/d.txt.weight'"
rm -f "$T/d.txt.weight" "$T/v.txt.weight"
cp "$T/g" "$T/d.txt.query"
cp "$T/vg" "$T/v.txt.group"
kept "the groups beside --data" "$T/d.txt.query" "$TRAIN_OUT" -- train -q -d "$T/d.txt"
kept "the groups beside --valid" "$T/v.txt.group" "$TRAIN_OUT" -- train -q -d "$T/d.txt" --valid "$T/v.txt"
kept "the groups beside --data" "$T/d.txt.query" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -m "$T/m.model"
rm -f "$T/d.txt.query"
cp "$T/g" "$T/d.txt.group"
kept "the groups beside --data" "$T/d.txt.group" "$EVAL_OUT" -- eval -q -d "$T/d.txt" -m "$T/m.model"

# standard input is one file, read once: two inputs cannot both be "-"
expect_fail "train -d - --weights -" 2 "^smloss train: --data and --weights cannot both be standard input" \
    sh -c "'$SMLOSS' train -q -d - --weights - -m '$T/new.model' < '$T/d.txt'"
expect_fail "train --valid - --valid-targets -" 2 "^smloss train: --valid and --valid-targets cannot both be standard input" \
    sh -c "'$SMLOSS' train -q -d '$T/d.txt' --valid - --objective multiclass --targets '$T/tt' \
        --valid-targets - -m '$T/new.model' < '$T/v.txt'"
expect_fail "eval -d - --weights -" 2 "^smloss eval: --data and --weights cannot both be standard input" \
    sh -c "'$SMLOSS' eval -q -d - -m '$T/m.model' --weights - < '$T/d.txt'"
expect_fail "predict -m - -d -" 2 "^smloss predict: --model and --data cannot both be standard input" \
    sh -c "'$SMLOSS' predict -q -d - -m - < '$T/d.txt'"
expect_true "...and nothing written" "[ ! -e '$T/new.model' ]"
finish
