#!/bin/sh
# cli_weights.sh - sample weights end to end: DATA.weight found beside the
# data, --weights / --valid-weights / none, weighted reports equal to the
# reports of repeated rows, located errors for bad weights, ranking queries
# that must share a weight, and the cache that keeps them.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
cp "$H" "$T/h"
# expensive houses weigh 10
awk '{ print ($1 >= 35) ? 10 : 1 }' "$T/h" > "$T/ten"

expect_ok "unweighted" "$SMLOSS" train -q -d "$T/h" -m "$T/plain.model" --regions 20,35
cp "$T/ten" "$T/h.weight"
expect_ok "beside the data" "$SMLOSS" train -d "$T/h" -m "$T/beside.model" --regions 20,35
expect_true "announced" "grep -q 'using the row weights in $T/h.weight' '$T/err'"
expect_true "recorded in the model" "grep -q 'train_weights' '$T/beside.model'"
expect_ok "--weights" "$SMLOSS" train -q -d "$T/h" -m "$T/given.model" --regions 20,35 \
    --weights "$T/h.weight"
expect_true "same model either way" cmp -s "$T/beside.model" "$T/given.model"
expect_ok "--weights none" "$SMLOSS" train -q -d "$T/h" -m "$T/none.model" --regions 20,35 \
    --weights none
expect_true "none: the unweighted model" cmp -s "$T/plain.model" "$T/none.model"
expect_true "weights change the model" "! cmp -s '$T/plain.model' '$T/beside.model'"

# the weighted model is better where the weight is, on the weighted report too
rmse_top() { awk '$1 == "[35," { print $7 }' "$1"; }
"$SMLOSS" eval -d "$T/h" -m "$T/plain.model" --weights none > "$T/plain.txt"
"$SMLOSS" eval -d "$T/h" -m "$T/beside.model" --weights none > "$T/beside.txt"
expect_true "upweighted region learnt better" \
    "awk -v a=$(rmse_top "$T/beside.txt") -v b=$(rmse_top "$T/plain.txt") 'BEGIN { exit !(a + 0 < b + 0 && a > 0) }'"
expect_true "unweighted report: no weights line" "! grep -q '^weights:' '$T/plain.txt'"
expect_ok "weighted eval" "$SMLOSS" eval -q -d "$T/h" -m "$T/plain.model"
expect_true "weighted report says so" "grep -q '^weights: *$T/h.weight' '$T/out'"
expect_ok "weighted json" "$SMLOSS" eval -q -d "$T/h" -m "$T/plain.model" --format json
expect_true "json names the weights" "grep -q '\"weights\": \"$T/h.weight\"' '$T/out'"

# integer weights report as repeated rows: same numbers but the rows column
head -n 60 "$H" > "$T/s"
awk 'NR % 4 == 0 { print 0; next } { print NR % 3 + 1 }' "$T/s" > "$T/s.w"
"$SMLOSS" predict -m "$T/plain.model" -d "$T/s" -o "$T/s.pred"
paste -d '\t' "$T/s.w" "$T/s" "$T/s.pred" |
    awk -F '\t' -v d="$T/rep" -v p="$T/rep.pred" \
        '{ for (i = 0; i < $1; i++) { print $2 > d; print $3 > p } }'
# the report's rows without the rows column: the last 8 columns
strip() { sed -n '/^region  */,/^all/p' "$1" | awk '{ for (i = NF - 7; i <= NF; i++) printf "%s ", $i; print "" }'; }
expect_ok "eval weighted" "$SMLOSS" eval -d "$T/s" -p "$T/s.pred" --weights "$T/s.w" --regions 20,35
strip "$T/out" > "$T/weighted.rep"
expect_ok "eval repeated" "$SMLOSS" eval -d "$T/rep" -p "$T/rep.pred" --regions 20,35
strip "$T/out" > "$T/repeated.rep"
expect_true "weighted = repeated rows" cmp -s "$T/weighted.rep" "$T/repeated.rep"
expect_true "and not trivially" "[ \$(wc -l < '$T/weighted.rep') -ge 4 ]"

# bad weights: located, status 3, no model
bad() { # NAME WEIGHTS-TEXT REGEX
    printf "$2" > "$T/bad.w"
    expect_fail "bad weights: $1" 3 "$3" "$SMLOSS" train -q -d "$T/s" -m "$T/never.model" \
        --weights "$T/bad.w"
    expect_true "bad weights: $1: no model" "[ ! -e '$T/never.model' ]"
}
head -n 59 "$T/s.w" > "$T/ok59"
bad negative "1\n-1\n" 'bad.w:2:1: a weight must be >= 0 "-1"'
bad nan "1\n2\nnan\n" 'bad.w:3:1: weight must be finite'
bad word "1\none\n" 'bad.w:2:1: weight is not a number "one"'
bad two "1\n1 2\n" 'bad.w:2:3: unexpected text after the weight'
bad few "$(cat "$T/ok59" | tr '\n' ' ' | sed 's/ /\\n/g')" 'bad.w:59: the file ends after 59 weights, for the 60 rows'
bad many "$(cat "$T/s.w" "$T/s.w" | tr '\n' ' ' | sed 's/ /\\n/g')" 'bad.w:61:1: more weights than the 60 rows'
bad zero "$(awk '{ print 0 }' "$T/s" | tr '\n' ' ' | sed 's/ /\\n/g')" 'bad.w: every weight is 0'
expect_fail "eval: bad weights" 3 'bad.w:1:1: weight is not a number' \
    sh -c "printf 'x\n' > '$T/bad.w'; '$SMLOSS' eval -d '$T/s' -m '$T/plain.model' --weights '$T/bad.w'"
expect_fail "missing weights file" 4 'nowhere' \
    "$SMLOSS" train -q -d "$T/s" -m "$T/never.model" --weights "$T/nowhere"
expect_fail "--valid-weights needs --valid" 2 'valid-weights needs --valid' \
    "$SMLOSS" train -q -d "$T/s" -m "$T/never.model" --valid-weights "$T/s.w"
expect_ok "--valid-weights" "$SMLOSS" train -d "$T/h" -m "$T/v.model" --valid "$T/s" \
    --valid-weights "$T/s.w" --epochs 2 --weights none
expect_true "valid weights read" "[ -s '$T/v.model' ]"

# cross-validation: each fold keeps its rows' weights (weighted training and report)
expect_ok "--folds weighted" "$SMLOSS" train -q -d "$T/s" --folds 3 --weights "$T/s.w" --epochs 2
cp "$T/out" "$T/folds.w"
expect_ok "--folds unweighted" "$SMLOSS" train -q -d "$T/s" --folds 3 --epochs 2
expect_true "the weights change the folds' figures" "! cmp -s '$T/out' '$T/folds.w'"

# ranking: a query's rows share one weight
R=$DATA/lightgbm-rank
cp "$R/rank.train" "$T/r"; cp "$R/rank.train.query" "$T/r.query"
awk '{ for (i = 0; i < $1; i++) print NR % 3 }' "$T/r.query" > "$T/r.weight"
expect_ok "ranking with query weights" "$SMLOSS" train -q -d "$T/r" -m "$T/r.model" \
    --objective listwise --epochs 2
expect_true "ranking weights recorded" "grep -q 'train_weights' '$T/r.model'"
awk 'NR == 5 { print 7; next } { print }' "$T/r.weight" > "$T/r.bad"
expect_fail "ranking: rows of a query differ" 3 "r:5: the weight of this row, 7 \\(.*r.bad\\), is not that of its query's first row \\(line [0-9]+\\), [0-9]" \
    "$SMLOSS" train -q -d "$T/r" -m "$T/never.model" --objective listwise --weights "$T/r.bad"
# the message names the data's line, not the row: comment lines count
{ echo '# a comment line'; echo; cat "$T/r"; } > "$T/rc"
cp "$T/r.query" "$T/rc.query"
expect_fail "ranking: rows of a query differ, after comments" 3 "rc:7: the weight of this row, 7 .* \\(line [0-9]+\\)" \
    "$SMLOSS" train -q -d "$T/rc" -m "$T/never.model" --objective listwise --weights "$T/r.bad"
expect_ok "pointwise: per-row weights in queries are fine" "$SMLOSS" train -q -d "$T/r" \
    -m "$T/rp.model" --epochs 2 --weights "$T/r.bad"

# the cache keeps the weights while their file is unchanged (size, mtime, hash)
cp "$T/ten" "$T/h.weight"
expect_ok "cache written" "$SMLOSS" train -d "$T/h" -m "$T/c1.model" --regions 20,35 \
    --cache "$T/h.cache"
expect_true "cache written, saying why" "grep -q 'wrote cache .*h.cache (no cache yet)' '$T/err'"
expect_ok "cache reused" "$SMLOSS" train -d "$T/h" -m "$T/c2.model" --regions 20,35 \
    --cache "$T/h.cache"
expect_true "reused: nothing rebuilt" "! grep -q 'cache' '$T/err'"
expect_true "reused: the weights announced" "grep -q 'using the row weights in $T/h.weight' '$T/err'"
expect_true "weights with the cache: the model without it" \
    "cmp -s '$T/c1.model' '$T/beside.model' && cmp -s '$T/c2.model' '$T/beside.model'"
expect_ok "eval through the weighted cache" "$SMLOSS" eval -q -d "$T/h" -m "$T/plain.model" \
    --cache "$T/h.cache"
cp "$T/out" "$T/cached.eval"
expect_ok "eval without the cache" "$SMLOSS" eval -q -d "$T/h" -m "$T/plain.model"
expect_true "eval: the same weighted report" "cmp -s '$T/out' '$T/cached.eval'"
# other weights of the same size, the file's mtime set back: the hash sees it
cp -p "$T/h.weight" "$T/h.weight.was"
awk '{ print ($1 >= 35) ? 10 : 2 }' "$T/h" > "$T/h.weight"
touch -r "$T/h.weight.was" "$T/h.weight"
expect_true "same size" "[ \$(wc -c < '$T/h.weight') -eq \$(wc -c < '$T/h.weight.was') ]"
expect_ok "edited weights, no cache" "$SMLOSS" train -q -d "$T/h" -m "$T/new.model" --regions 20,35
expect_ok "edited weights, cache" "$SMLOSS" train -d "$T/h" -m "$T/c3.model" --regions 20,35 \
    --cache "$T/h.cache"
expect_true "the cache is rewritten, saying why" \
    "grep -q 'wrote cache .*h.cache (the weights file.s content changed)' '$T/err'"
expect_true "the new weights are used" \
    "cmp -s '$T/c3.model' '$T/new.model' && ! cmp -s '$T/c3.model' '$T/beside.model'"
expect_ok "--weights none, weighted cache" "$SMLOSS" train -d "$T/h" -m "$T/c4.model" \
    --regions 20,35 --cache "$T/h.cache" --weights none
expect_true "none: the unweighted model" "cmp -s '$T/c4.model' '$T/plain.model'"
expect_ok "predict through the weighted cache" "$SMLOSS" predict -d "$T/h" -m "$T/plain.model" \
    --cache "$T/h.cache"
expect_ok "the weights are still in the cache" "$SMLOSS" train -d "$T/h" -m "$T/c5.model" \
    --regions 20,35 --cache "$T/h.cache"
expect_true "kept: nothing rebuilt, the same model" \
    "! grep -q 'cache' '$T/err' && cmp -s '$T/c5.model' '$T/new.model'"
# weights from standard input are read on every run, never kept
expect_ok "--weights - with a cache" sh -c "'$SMLOSS' train -d '$T/h' -m '$T/c6.model' \
    --regions 20,35 --cache '$T/h.cache' --weights - < '$T/ten'"
expect_true "stdin: its weights, the cache untouched" \
    "! grep -q 'cache' '$T/err' && grep -v train_weights '$T/c6.model' > '$T/c6' &&
     grep -v train_weights '$T/beside.model' > '$T/b6' && cmp -s '$T/c6' '$T/b6'"
# bad weights: the located error, the cache as it was
cp "$T/h.cache" "$T/h.cache.was"
awk 'NR == 7 { print -1; next } { print }' "$T/ten" > "$T/h.weight"
expect_fail "bad weights with a cache" 3 'h.weight:7:1: a weight must be >= 0' \
    "$SMLOSS" train -q -d "$T/h" -m "$T/never.model" --cache "$T/h.cache"
expect_true "bad weights: the cache unchanged, no model" \
    "cmp -s '$T/h.cache' '$T/h.cache.was' && [ ! -e '$T/never.model' ]"

# --- extreme weights: normalised once, before any sum ---
# equal weights, however large, are the unweighted model, bit for bit
cp "$H" "$T/x"
expect_ok "no weights" "$SMLOSS" train -q -d "$T/x" -m "$T/x.model" --epochs 3 --valid "$T/x"
same_model() { ! diff "$1" "$2" | grep -v -e '^[<>] train_weights=' -e '^[<>] valid_weights=' -e '^---' -e '^[0-9]' | grep -q .; }
for w in 3 1e306 1e-300; do
    awk -v w=$w '{ print w }' "$T/x" > "$T/x.w$w"
    expect_ok "equal weights $w" "$SMLOSS" train -d "$T/x" -m "$T/x$w.model" --epochs 3 \
        --weights "$T/x.w$w" --valid "$T/x" --valid-weights "$T/x.w$w"
    expect_true "equal weights $w: finite objectives" "! grep -qi 'nan\\|inf' '$T/err'"
    expect_true "equal weights $w: the unweighted model" "[ -s '$T/x$w.model' ] && same_model '$T/x.model' '$T/x$w.model'"
    expect_ok "eval, equal weights $w" "$SMLOSS" eval -d "$T/x" -m "$T/x.model" --weights "$T/x.w$w" -o "$T/x$w.report"
    expect_ok "eval, no weights" "$SMLOSS" eval -d "$T/x" -m "$T/x.model" -o "$T/x.report"
    expect_true "eval, equal weights $w: the unweighted report" \
        "! diff '$T/x.report' '$T/x$w.report' | grep '^[<>]' | grep -v '^> weights:' | grep -q ."
done
# one row weighing 1e308: no overflow, no false divergence, and the model
# of the same weights times 2^-1000 (the weights' scale does not matter)
awk 'NR == 1 { print "1e308"; next } { print 1 }' "$T/x" > "$T/x.one"
awk 'NR == 1 { printf "%.17g\n", 1e308 / 2^1000; next } { printf "%.17g\n", 1 / 2^1000 }' "$T/x" > "$T/x.one-small"
expect_ok "one row weighs 1e308" "$SMLOSS" train -d "$T/x" -m "$T/one.model" --epochs 5 --weights "$T/x.one"
expect_true "...trains without backing off" "! grep -q 'diverged' '$T/err' && ! grep -q lr_halvings '$T/one.model'"
expect_ok "the same weights times 2^-1000" "$SMLOSS" train -q -d "$T/x" -m "$T/one-small.model" --epochs 5 --weights "$T/x.one-small"
expect_true "...the same model" "[ -s '$T/one.model' ] && same_model '$T/one.model' '$T/one-small.model'"

# ---- --class-weights (liblinear's -wi): the row weights of a weights file ----
HEART=$DATA/libsvm-heart-scale/heart_scale
awk '{ print ($1 > 0) ? 5 : 1 }' "$HEART" > "$T/heart.w5"
awk '{ print (NR % 3) ? 1 : 0.5 }' "$HEART" > "$T/heart.half"
awk '{ print (($1 > 0) ? 5 : 1) * ((NR % 3) ? 1 : 0.5) }' "$HEART" > "$T/heart.both"
# model_body FILE: the model without the lines that name where weights came from
model_body() { grep -v -e '^train_weights=' -e '^class_weights=' "$1"; }
for obj in multiclass pointwise; do
    expect_ok "$obj --class-weights 1=5" "$SMLOSS" train -q -d "$HEART" -m "$T/cw-$obj" \
        --objective $obj --epochs 3 --class-weights 1=5
    expect_true "... records them" "grep -q -x 'class_weights=1=5' '$T/cw-$obj'"
    expect_ok "$obj --weights 5 on class 1" "$SMLOSS" train -q -d "$HEART" -m "$T/w5-$obj" \
        --objective $obj --epochs 3 --weights "$T/heart.w5"
    expect_true "... the same model" "model_body '$T/cw-$obj' > '$T/a' && model_body '$T/w5-$obj' > '$T/b' && cmp -s '$T/a' '$T/b'"
done
expect_ok "--class-weights times --weights" "$SMLOSS" train -q -d "$HEART" -m "$T/cw-half" \
    --objective multiclass --epochs 3 --class-weights=-1=1,1=5 --weights "$T/heart.half"
expect_ok "... as the product in one file" "$SMLOSS" train -q -d "$HEART" -m "$T/w-both" \
    --objective multiclass --epochs 3 --weights "$T/heart.both"
expect_true "... the same model" "model_body '$T/cw-half' > '$T/a' && model_body '$T/w-both' > '$T/b' && cmp -s '$T/a' '$T/b'"
expect_ok "multiclass without weights" "$SMLOSS" train -q -d "$HEART" -m "$T/cw-none" \
    --objective multiclass --epochs 3
expect_true "class weights change the model" "model_body '$T/cw-none' > '$T/a' && model_body '$T/cw-multiclass' > '$T/b' && ! cmp -s '$T/a' '$T/b'"
expect_fail "--class-weights with a ranking objective" 2 'not with a ranking objective' \
    "$SMLOSS" train -d "$DATA/lightgbm-rank/rank.train" -m "$T/m" --objective listwise --class-weights 1=2
expect_fail "bad --class-weights" 2 "--class-weights '1=5,1=2': expected CLASS=WEIGHT" \
    "$SMLOSS" train -d "$HEART" -m "$T/m" --class-weights 1=5,1=2
expect_fail "--class-weights that weigh every row 0" 3 'no row a positive weight' \
    "$SMLOSS" train -d "$HEART" -m "$T/m" --class-weights=-1=0,1=0

finish
