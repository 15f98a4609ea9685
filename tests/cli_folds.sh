#!/bin/sh
# cli_folds.sh - train --folds K: cross-validation tables for regression,
# ranking and classes, no model unless -m, and the errors.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
R=$DATA/lightgbm-rank/rank.train
D=$DATA/sklearn-digits/digits.libsvm

mkdir "$T/run" && cd "$T/run" || exit 2
expect_ok "housing, 5 folds" "$SMLOSS" train -q -d "$H" --folds 5 --regions 20,35 --epochs 5
cp "$T/out" "$T/housing.cv"
expect_true "no model written without -m" "[ -z \"\$(ls)\" ]"
expect_true "a column per fold" "grep -q '^figure.*fold 5 *mean *std$' '$T/housing.cv'"
expect_true "every row held out once" "[ \$(awk '/^held-out rows/ { print \$3 + \$4 + \$5 + \$6 + \$7 }' '$T/housing.cv') -eq 506 ]"
for fig in 'RMSE (-inf, 20)' 'RMSE [20, 35)' 'RMSE [35, inf)' 'RMSE all' 'MAE (-inf, 20)' 'MAE all'; do
    expect_true "figure '$fig'" "grep -q -F '$fig ' '$T/housing.cv'"
done
# the mean and std columns are those of the fold columns (to the printed digits)
expect_true "mean and std of the folds" "awk '/^RMSE all/ { m = (\$3 + \$4 + \$5 + \$6 + \$7) / 5; s = 0
    for (i = 3; i <= 7; i++) s += (\$i - m) ^ 2; s = sqrt(s / 4)
    exit !(m - \$8 < 1e-3 && \$8 - m < 1e-3 && s - \$9 < 1e-3 && \$9 - s < 1e-3) }' '$T/housing.cv'"
expect_true "errors are sane (RMSE all between 3 and 8)" "awk '/^RMSE all/ { exit !(\$8 > 3 && \$8 < 8) }' '$T/housing.cv'"
expect_ok "the same seed again" "$SMLOSS" train -q -d "$H" --folds 5 --regions 20,35 --epochs 5
expect_true "same seed, same table" "cmp -s '$T/out' '$T/housing.cv'"
expect_ok "another seed" "$SMLOSS" train -q -d "$H" -v 5 --regions 20,35 --epochs 5 --seed 2
expect_true "another seed, other folds" "! cmp -s '$T/out' '$T/housing.cv'"

# --format tsv: one tidy table of 4 fields, the same figures as the text table
expect_ok "--format tsv" "$SMLOSS" train -q -d "$H" --folds 5 --regions 20,35 --epochs 5 --format tsv
cp "$T/out" "$T/housing.tsv"
expect_true "tsv header" "[ \"\$(head -n 1 '$T/housing.tsv')\" = \"\$(printf 'table\\trow\\tcolumn\\tvalue')\" ]"
expect_true "tsv: 4 fields a line" "awk -F '\t' 'NF != 4 { exit 1 }' '$T/housing.tsv'"
expect_true "tsv: held-out rows are integers summing to the rows" "awk -F '\t' '\$1 == \"fold\" { if (\$4 !~ /^[0-9]+\$/) exit 1; n += \$4 } END { exit n != 506 }' '$T/housing.tsv'"
expect_true "tsv: 5 folds, mean and std per figure" "[ \$(grep -c -P '^cv\tRMSE all\t' '$T/housing.tsv') -eq 7 ]"
expect_true "tsv: mean as in the text table" "[ \"\$(awk -F '\t' '\$2 == \"RMSE all\" && \$3 == \"mean\" { printf \"%.4f\", \$4 }' '$T/housing.tsv')\" = \"\$(awk '/^RMSE all/ { print \$8 }' '$T/housing.cv')\" ]"
expect_true "tsv: the seed and the units" "grep -q -P '^info\tall\tseed\t1\$' '$T/housing.tsv' && grep -q -P '^info\tall\tfolds_of\trows\$' '$T/housing.tsv'"
expect_ok "--format json" "$SMLOSS" train -q -d "$H" --folds 5 --regions 20,35 --epochs 5 --format json
expect_true "json: one object" "head -n 1 '$T/out' | grep -q -x '{' && tail -n 1 '$T/out' | grep -q -x '}'"
expect_true "json: held-out rows sum to the rows" "sed -n 's/^  \"held_out_rows\": \\[\\(.*\\)\\],\$/\\1/p' '$T/out' | tr ',' '\\n' | awk '{ n += \$1 } END { exit n != 506 }'"
expect_true "json: a figure per text row" "[ \$(grep -c '{\"name\": ' '$T/out') -eq \$(awk 'NR > 3' '$T/housing.cv' | wc -l) ]"
expect_fail "--format of another name" 2 "--format" "$SMLOSS" train -q -d "$H" --folds 3 --format xml

# with -m: the model of all the data, as without --folds
expect_ok "--folds with -m" "$SMLOSS" train -q -d "$H" --folds 3 --epochs 5 -m "$T/cv.model"
expect_ok "plain training" "$SMLOSS" train -q -d "$H" --epochs 5 -m "$T/plain.model"
expect_true "-m writes the all-data model" "cmp -s '$T/cv.model' '$T/plain.model'"

# ranking: whole queries, NDCG@k
expect_ok "listwise, 3 folds" "$SMLOSS" train -q -d "$R" --objective listwise -v 3 --epochs 3
expect_true "whole queries" "grep -q 'whole queries' '$T/out'"
expect_true "NDCG@10 per fold" "grep -q '^NDCG@10 ' '$T/out'"
expect_true "no region errors for ranking" "! grep -q '^RMSE' '$T/out'"
expect_true "NDCG in (0, 1]" "awk '/^NDCG@10/ { exit !(\$5 > 0 && \$5 <= 1) }' '$T/out'"

# classes: accuracy
head -n 600 "$D" > "$T/digits"
expect_ok "multiclass, 3 folds" "$SMLOSS" train -q -d "$T/digits" --objective multiclass -v 3 --epochs 5
expect_true "accuracy over 0.8" "awk '/^accuracy/ { exit !(\$5 > 0.8 && \$5 <= 1) }' '$T/out'"

# errors
expect_fail "1 fold" 2 "--folds" "$SMLOSS" train -q -d "$H" --folds 1
printf '1 1:1\n2 1:2\n3 1:3\n' > "$T/three"
expect_fail "more folds than rows" 2 "4 folds need at least 4 rows" "$SMLOSS" train -q -d "$T/three" --folds 4
expect_fail "with --valid" 2 "no --valid" "$SMLOSS" train -q -d "$H" --folds 3 --valid "$H"
expect_fail "no -m nor --folds" 2 "--model are required" "$SMLOSS" train -q -d "$H"
expect_fail "--predictions without -m" 2 "need --model" "$SMLOSS" train -q -d "$H" --folds 3 -p "$T/p"
finish
