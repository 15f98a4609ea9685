#!/bin/sh
# cli_featmap.sh - memory follows the features that occur (a file with the
# largest index trains in a few MB, its model predicts and evaluates), and
# --hash-bits end to end: train, predict, eval, validation data, the cache.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale

# --- the largest index ---
printf '1 1:1 2147483646:2\n0 3:0.5\n' > "$T/huge.txt"
# ulimit -v bounds the memory (about 31 bytes an index up to the largest
# would be 66 GB); a sanitizer or valgrind reserves far more address space,
# so the bound is left out where even --version cannot run under it.
if (ulimit -v 300000 && "$SMLOSS" --version) >/dev/null 2>&1; then
    LIMIT="ulimit -v 300000 &&"
else
    LIMIT=
    skip "no memory bound: '$SMLOSS --version' does not run under ulimit -v 300000"
fi
expect_ok "index 2147483646 trains in 300 MB" sh -c "$LIMIT \"\$0\" train -q -d '$T/huge.txt' -m '$T/huge.model' --predictions '$T/huge.train.pred'" "$SMLOSS"
expect_true "its model keeps the original indices" \
    "grep -qx 'dim=2147483647' '$T/huge.model' && grep -qx 'weights=3' '$T/huge.model' && grep -q '^2147483646 ' '$T/huge.model'"
expect_ok "its model predicts in 300 MB" sh -c "$LIMIT \"\$0\" predict -m '$T/huge.model' -d '$T/huge.txt' -o '$T/huge.pred'" "$SMLOSS"
expect_true "predict gives the training-time scores" "cmp -s '$T/huge.pred' '$T/huge.train.pred'"
expect_ok "eval in 300 MB" sh -c "$LIMIT \"\$0\" eval -m '$T/huge.model' -d '$T/huge.txt' --format tsv" "$SMLOSS"
expect_true "eval reports both rows" "grep -q '^region	all	rows	2$' '$T/out'"
expect_ok "mlp on the largest index" sh -c "$LIMIT \"\$0\" train -q -d '$T/huge.txt' -m '$T/huge-mlp.model' --scorer mlp:4 --epochs 2" "$SMLOSS"
expect_ok "mlp model predicts" "$SMLOSS" predict -m "$T/huge-mlp.model" -d "$T/huge.txt"
expect_true "two finite scores" "[ \$(grep -c -E '^-?[0-9]' '$T/out') -eq 2 ]"

# --- sparse indices: validation data with indices training never saw ---
awk 'BEGIN { for (r = 0; r < 200; r++) { printf "%d", r % 3; n = 0
       for (j = 0; j < 4; j++) { n += 1 + (r * 7919 + j * 104729) % 50000; printf " %d:%.2f", n, ((r + j) % 7) / 3 - 1 }
       printf "\n" } }' > "$T/sparse.txt"
awk 'NR % 4 == 0' "$T/sparse.txt" > "$T/sparse.valid"
printf '1 3:1 99999:1\n0 7:1\n' >> "$T/sparse.valid"
expect_ok "sparse indices with --valid" "$SMLOSS" train -q -d "$T/sparse.txt" --valid "$T/sparse.valid" -m "$T/sparse.model" --patience 3 --predictions "$T/sparse.train.pred"
expect_ok "predict the sparse model" "$SMLOSS" predict -m "$T/sparse.model" -d "$T/sparse.txt" -o "$T/sparse.pred"
expect_true "the same scores as in training" "cmp -s '$T/sparse.pred' '$T/sparse.train.pred'"
expect_ok "train from a new cache" "$SMLOSS" train -q -d "$T/sparse.txt" --cache "$T/sparse.cache" -m "$T/cached1.model" --hash-bits 12
expect_ok "train from the mapped cache" "$SMLOSS" train -q -d "$T/sparse.txt" --cache "$T/sparse.cache" -m "$T/cached2.model" --hash-bits 12
expect_true "the same model either way" "cmp -s '$T/cached1.model' '$T/cached2.model'"

# --- --hash-bits ---
for b in 3 16; do
    expect_ok "--hash-bits $b train" "$SMLOSS" train -q -d "$H" -m "$T/h$b.model" --hash-bits $b --predictions "$T/h$b.train.pred"
    expect_true "--hash-bits $b recorded with dim 2^$b" \
        "grep -qx 'hash_bits=$b' '$T/h$b.model' && grep -qx \"dim=\$((1 << $b))\" '$T/h$b.model'"
    expect_ok "--hash-bits $b predict" "$SMLOSS" predict -m "$T/h$b.model" -d "$H" -o "$T/h$b.pred"
    expect_true "--hash-bits $b: predict gives the training-time scores" "cmp -s '$T/h$b.pred' '$T/h$b.train.pred'"
    expect_ok "--hash-bits $b eval with the model" "$SMLOSS" eval -m "$T/h$b.model" -d "$H" --format tsv -o "$T/h$b.eval"
    expect_ok "--hash-bits $b eval of its predictions" "$SMLOSS" eval -p "$T/h$b.pred" -d "$H" --format tsv \
        --regions "$(sed -n 's/^regions=//p' "$T/h$b.model")" -o "$T/h$b.peval"
    expect_true "--hash-bits $b: eval hashes as training did" \
        "[ \"\$(grep -v '^info' '$T/h$b.eval')\" = \"\$(grep -v '^info' '$T/h$b.peval')\" ]"
done
# 3 bits put 13 features in 8 buckets: another model than without hashing
expect_ok "train without hashing" "$SMLOSS" train -q -d "$H" -m "$T/plain.model"
expect_true "8 buckets, at most 8 weights" "[ \$(sed -n 's/^weights=//p' '$T/h3.model') -le 8 ] && ! grep -q hash_bits '$T/plain.model'"
expect_ok "--hash-bits with mlp and --valid" "$SMLOSS" train -q -d "$T/sparse.txt" --valid "$T/sparse.valid" -m "$T/hm.model" \
    --hash-bits 20 --scorer mlp:3 --epochs 2 --predictions "$T/hm.train.pred"
expect_ok "predict the hashed mlp" "$SMLOSS" predict -m "$T/hm.model" -d "$T/sparse.txt" -o "$T/hm.pred"
expect_true "the hashed mlp predicts as in training" "cmp -s '$T/hm.pred' '$T/hm.train.pred'"
expect_ok "--hash-bits 30 on the largest index" sh -c "$LIMIT \"\$0\" train -q -d '$T/huge.txt' -m '$T/huge30.model' --hash-bits 30" "$SMLOSS"
expect_ok "predict with 2^30 buckets" "$SMLOSS" predict -m "$T/huge30.model" -d "$T/huge.txt"
for bad in 0 31 x; do
    expect_fail "--hash-bits $bad" 2 "--hash-bits" "$SMLOSS" train -d "$H" -m "$T/bad.model" --hash-bits $bad
done
finish
