#!/bin/sh
# cli_loading.sh - --threads and --cache end to end: any thread count and a
# reused cache train the same model bytes and predict the same scores; the
# cache is rebuilt when the data changes; bad uses are clear errors.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
cp "$H" "$T/h.txt"
train() { "$SMLOSS" train -q --epochs 3 -d "$T/h.txt" "$@"; }

expect_ok "train --threads 1" train -m "$T/m1" --threads 1
expect_ok "train --threads 3" train -m "$T/m3" --threads 3
expect_true "thread count does not change the model" "cmp -s '$T/m1' '$T/m3'"
# Data of several chunks of the training passes (16384 rows each), with
# validation data: the epoch table and the model are the same for any N.
awk 'BEGIN { srand(7); for (r = 0; r < 40000; r++) { y = 0; s = "";
    for (j = 1; j <= 60; j += 1 + int(rand() * 12)) { x = rand() * 2 - 1; y += x * (j % 5); s = s " " j ":" x }
    printf "%.4f%s\n", y, s } }' > "$T/big.txt"
for n in 1 2 3; do
    expect_ok "train big --threads $n" "$SMLOSS" train --epochs 2 -d "$T/big.txt" --valid "$T/big.txt" -m "$T/big$n" --threads $n
    grep -v seconds "$T/err" | awk '{ NF = 3; print }' > "$T/table$n"
done
expect_true "big data: same model and epoch table for 1, 2, 3 threads" \
    "cmp -s '$T/big1' '$T/big2' && cmp -s '$T/big1' '$T/big3' && cmp -s '$T/table1' '$T/table2' && cmp -s '$T/table1' '$T/table3' && test -s '$T/table1'"
expect_ok "train --cache (write)" "$SMLOSS" train --epochs 3 -d "$T/h.txt" -m "$T/mc" --cache "$T/h.cache"
expect_true "cache written and announced" "test -s '$T/h.cache' && grep -q 'wrote cache' '$T/err'"
expect_ok "train --cache (reuse)" "$SMLOSS" train --epochs 3 -d "$T/h.txt" -m "$T/mc2" --cache "$T/h.cache"
expect_true "reuse is silent" "! grep -q 'cache' '$T/err'"
expect_true "cached model equals parsed model" "cmp -s '$T/m1' '$T/mc' && cmp -s '$T/m1' '$T/mc2'"
expect_ok "predict --cache" "$SMLOSS" predict -q -m "$T/m1" -d "$T/h.txt" --cache "$T/h.cache" -o "$T/p1"
expect_ok "predict" "$SMLOSS" predict -q -m "$T/m1" -d "$T/h.txt" -o "$T/p2"
expect_true "same predictions" "cmp -s '$T/p1' '$T/p2'"
expect_ok "eval --cache --threads 2" "$SMLOSS" eval -q -m "$T/m1" -d "$T/h.txt" --cache "$T/h.cache" --threads 2

# Change the data: the cache must not be used.
awk 'NR <= 300' "$H" > "$T/h.txt"
expect_ok "train on changed data" "$SMLOSS" train --epochs 3 -d "$T/h.txt" -m "$T/mc3" --cache "$T/h.cache"
expect_true "cache rebuilt" "grep -q 'wrote cache.*size changed' '$T/err'"
expect_ok "train without cache" train -m "$T/m4"
expect_true "model of the new data" "cmp -s '$T/m4' '$T/mc3'"

expect_fail "--cache with stdin" 2 "standard input" "$SMLOSS" train -d - -m "$T/m" --cache "$T/c" < "$H"
expect_fail "bad --threads" 2 "--threads" "$SMLOSS" train -d "$H" -m "$T/m" --threads -1
expect_fail "bad --threads predict" 2 "--threads" "$SMLOSS" predict -d "$H" -m "$T/m1" --threads x
expect_ok "unwritable cache is a warning" "$SMLOSS" predict -m "$T/m1" -d "$H" --cache /nonexistent/dir/c -o "$T/p3"
expect_true "warning printed" "grep -q 'warning: cache /nonexistent/dir/c not written' '$T/err'"
# --duplicates: every 5th row repeats index 20 (as TensorFlow Ranking's files
# do); sum and last give the data written out by hand, the cache records the rule
awk 'NR % 5 == 0 { $0 = $0 " 20:1.5 0:1 20:2.25" } { print }' "$H" > "$T/dup.txt"
awk 'NR % 5 == 0 { $0 = $0 " 20:3.75 0:1" } { print }' "$H" > "$T/dup-sum.txt"
awk 'NR % 5 == 0 { $0 = $0 " 20:2.25 0:1" } { print }' "$H" > "$T/dup-last.txt"
changed=$(awk 'NR % 5 == 0' "$H" | wc -l)
expect_fail "a repeated index is an error by default" 3 'dup\.txt:5:[0-9]+: duplicate feature index 20 \(first at column [0-9]+\)' \
    "$SMLOSS" train -d "$T/dup.txt" -m "$T/dm"
expect_true "... and no model is left" "test ! -e '$T/dm'"
for d in sum last; do
    expect_ok "train --duplicates $d" "$SMLOSS" train --epochs 2 -d "$T/dup.txt" -m "$T/dm-$d" --duplicates $d
    expect_true "... says how many rows changed ($changed)" \
        "grep -q 'note: .*dup.txt: $changed rows repeat a feature index: .*(--duplicates $d)' '$T/err'"
    expect_ok "train on the $d data written by hand" "$SMLOSS" train -q --epochs 2 -d "$T/dup-$d.txt" -m "$T/dm-$d-hand"
    expect_true "... the same model" \
        "grep -v '^train_data=' '$T/dm-$d' > '$T/a' && grep -v '^train_data=' '$T/dm-$d-hand' > '$T/b' && cmp -s '$T/a' '$T/b'"
    expect_ok "predict --duplicates $d" "$SMLOSS" predict -q -m "$T/dm-$d" -d "$T/dup.txt" --duplicates $d -o "$T/dp-$d"
    expect_ok "predict the $d data written by hand" "$SMLOSS" predict -q -m "$T/dm-$d" -d "$T/dup-$d.txt" -o "$T/dp-$d-hand"
    expect_true "... the same scores" "cmp -s '$T/dp-$d' '$T/dp-$d-hand'"
done
expect_true "sum and last differ" "! cmp -s '$T/dp-sum' '$T/dp-last'"
expect_ok "train -q --duplicates sum is quiet" "$SMLOSS" train -q --epochs 1 -d "$T/dup.txt" -m "$T/dq" --duplicates sum
expect_true "... no note" "! test -s '$T/err'"
expect_ok "eval --duplicates sum --cache writes the cache" \
    "$SMLOSS" eval -m "$T/dm-sum" -d "$T/dup.txt" --duplicates sum --cache "$T/dup.cache" -o "$T/de-sum"
expect_ok "eval --duplicates sum reuses it" \
    "$SMLOSS" eval -m "$T/dm-sum" -d "$T/dup.txt" --duplicates sum --cache "$T/dup.cache" -o "$T/de-sum2"
expect_true "... silently but for the note, with the same report" \
    "! grep -q 'cache' '$T/err' && grep -q '$changed rows repeat' '$T/err' && cmp -s '$T/de-sum' '$T/de-sum2'"
expect_ok "eval --duplicates last over that cache" \
    "$SMLOSS" eval -m "$T/dm-sum" -d "$T/dup.txt" --duplicates last --cache "$T/dup.cache" -o "$T/de-last"
expect_true "... rebuilds it, saying why" \
    "grep -q 'wrote cache .*merged by --duplicates sum, not last' '$T/err'"
expect_ok "eval of the last data written by hand" \
    "$SMLOSS" eval -q -m "$T/dm-sum" -d "$T/dup-last.txt" -o "$T/de-last-hand"
expect_true "... the same report but for the data's name" \
    "sed 1d '$T/de-last' > '$T/a' && sed 1d '$T/de-last-hand' > '$T/b' && cmp -s '$T/a' '$T/b'"
expect_fail "eval --duplicates error over a cache of merged rows" 3 'dup\.txt:5:[0-9]+: duplicate feature index 20' \
    "$SMLOSS" eval -m "$T/dm-sum" -d "$T/dup.txt" --cache "$T/dup.cache"
expect_fail "bad --duplicates" 2 "--duplicates" "$SMLOSS" train -d "$H" -m "$T/m" --duplicates first
for c in train predict eval; do
    expect_ok "$c --help" "$SMLOSS" $c --help
    expect_true "$c --help lists --threads and --cache" "grep -q -- '--threads N' '$T/out' && grep -q -- '--cache FILE' '$T/out'"
done
finish
