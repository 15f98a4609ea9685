#!/bin/sh
# cli_unlabeled.sh - predict reads rows without a label (VW's convention: the
# line starts with a feature or qid:); eval and train refuse them, naming the
# command and the row, also through a cache that predict built.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
head -n 40 "$H" > "$T/labeled"
# the same rows, the label cut from every other line (the rest keep theirs)
awk 'NR % 2 { sub(/^[^ ]+ +/, "") } { print }' "$T/labeled" > "$T/mixed"
sed 's/^[^ ]* *//' "$T/labeled" > "$T/bare"
"$SMLOSS" train -q --epochs 2 -d "$H" -m "$T/h.model" || fail "train the reference model"

expect_ok "predict labeled" "$SMLOSS" predict -m "$T/h.model" -d "$T/labeled" -o "$T/want.pred"
expect_ok "predict unlabeled" "$SMLOSS" predict -m "$T/h.model" -d "$T/bare" -o "$T/bare.pred"
expect_true "unlabeled rows, same predictions" cmp -s "$T/want.pred" "$T/bare.pred"
expect_ok "predict mixed" "$SMLOSS" predict -m "$T/h.model" -d "$T/mixed" -o "$T/mixed.pred"
expect_true "mixed rows, same predictions" cmp -s "$T/want.pred" "$T/mixed.pred"
expect_ok "predict unlabeled stdin" sh -c "'$SMLOSS' predict -m '$T/h.model' -d - < '$T/bare'"
expect_true "stdin, same predictions" cmp -s "$T/want.pred" "$T/out"

expect_fail "eval needs labels" 3 "mixed:1:1: missing label: eval needs a label on every row" \
    "$SMLOSS" eval -m "$T/h.model" -d "$T/mixed"
expect_fail "train needs labels" 3 "bare:1:1: missing label: train needs a label on every row" \
    "$SMLOSS" train -q -d "$T/bare" -m "$T/never.model"
expect_true "no model from unlabeled data" "[ ! -e '$T/never.model' ]"
expect_fail "train's validation data too" 3 "mixed:1:1: missing label: train needs" \
    "$SMLOSS" train -q -d "$T/labeled" --valid "$T/mixed" -m "$T/never.model"

# a cache built by predict from unlabeled rows does not let them into train
expect_ok "predict builds a cache" "$SMLOSS" predict -q -m "$T/h.model" -d "$T/mixed" \
    --cache "$T/mixed.cache" -o "$T/cached.pred"
expect_true "through the cache, same predictions" cmp -s "$T/want.pred" "$T/cached.pred"
expect_ok "predict reuses the cache" "$SMLOSS" predict -m "$T/h.model" -d "$T/mixed" \
    --cache "$T/mixed.cache" -o "$T/cached.pred"
expect_true "cache reused" "! grep -q 'wrote cache' '$T/err' && cmp -s '$T/want.pred' '$T/cached.pred'"
expect_fail "train refuses the cached unlabeled rows" 3 "mixed:1:1: missing label: train needs" \
    "$SMLOSS" train -q -d "$T/mixed" --cache "$T/mixed.cache" -m "$T/never.model"
expect_fail "eval too" 3 "mixed:1:1: missing label: eval needs" \
    "$SMLOSS" eval -m "$T/h.model" -d "$T/mixed" --cache "$T/mixed.cache"

# classes: predict writes classes of unlabeled rows
D=$DATA/sklearn-digits/digits.libsvm
head -n 200 "$D" > "$T/digits"
sed 's/^[^ ]* *//' "$T/digits" > "$T/digits.bare"
"$SMLOSS" train -q --epochs 2 --objective multiclass -d "$T/digits" -m "$T/d.model" ||
    fail "train the digits model"
expect_ok "predict classes" "$SMLOSS" predict -m "$T/d.model" -d "$T/digits" -o "$T/d.want"
expect_ok "predict classes, unlabeled" "$SMLOSS" predict -m "$T/d.model" -d "$T/digits.bare" \
    -o "$T/d.got"
expect_true "same classes" cmp -s "$T/d.want" "$T/d.got"
finish
