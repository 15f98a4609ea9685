#!/bin/sh
# cli_emphasize.sh - train --emphasize end to end on housing: the compiled
# loss on stderr and in the model, the region report's slope beside the
# weight asked for, link --emphasize, located errors; and the tidy TSV report.
. "$(dirname "$0")/lib.sh"

H=$DATA/libsvm-housing-scale/housing_scale
awk 'NR % 5 != 0' "$H" > "$T/h.train"
awk 'NR % 5 == 0' "$H" > "$T/h.test"

expect_ok "train --emphasize intervals" "$SMLOSS" train -d "$T/h.train" -m "$T/e.model" \
    --emphasize '(-inf,20)=0.2,[35,inf)=5' --regions 20,35 --epochs 5
expect_true "the compiled loss is shown on stderr" \
    "grep -q 'emphasize (-inf,20)=0.2,\[20,35)=1,\[35,inf)=5,width=2.25 compiles to --loss pwl:knots=' '$T/err'"
expect_true "the model records the spec and the compiled loss" \
    "grep -qx 'emphasize=(-inf,20)=0.2,\[20,35)=1,\[35,inf)=5,width=2.25' '$T/e.model' && grep -qx 'loss=pwl:knots=20/35,slopes=0.2/1/5,width=2.25,w=1' '$T/e.model'"
expect_ok "-q: nothing on stderr" "$SMLOSS" train -q -d "$T/h.train" -m "$T/q.model" --emphasize '[35,inf)=5' --epochs 2
expect_true "... nothing" "[ ! -s '$T/err' ]"
expect_ok "eval shows the slope beside the weight" "$SMLOSS" eval -d "$T/h.test" -m "$T/e.model"
expect_true "text report: h' and weight columns" "grep -q \"h'  weight\$\" '$T/out'"
expect_ok "eval tsv" "$SMLOSS" eval -d "$T/h.test" -m "$T/e.model" --format tsv -o "$T/e.tsv"
# h' of the region of the expensive houses: its labels are mostly inside the region
slope=$(awk -F'\t' '$1 == "region" && $2 == "2" && $3 == "slope" { print $4 }' "$T/e.tsv")
weight=$(awk -F'\t' '$1 == "region" && $2 == "2" && $3 == "weight" { print $4 }' "$T/e.tsv")
expect_true "top region: slope $slope near the weight $weight asked for" \
    "awk 'BEGIN { exit !($weight == 5 && $slope > 4.5 && $slope <= 5) }'"
expect_ok "bare weights: one per --regions region" "$SMLOSS" train -q -d "$T/h.train" -m "$T/b.model" \
    --emphasize '0.2,1,5,width=2.25' --regions 20,35 --epochs 5
expect_true "... the same model as the intervals" \
    "grep -v '^train_data=' '$T/b.model' | grep -v '^emphasize=' > '$T/b.m'; grep -v '^train_data=' '$T/e.model' | grep -v '^emphasize=' | cmp -s - '$T/b.m'"
expect_ok "without --regions the intervals are the regions" "$SMLOSS" train -q -d "$T/h.train" -m "$T/r.model" \
    --emphasize '[20,35)=2,[40,inf)=5' --epochs 2
expect_true "... regions=20,35,40 (given)" "grep -qx 'regions=20,35,40' '$T/r.model' && grep -qx 'regions_origin=given' '$T/r.model'"
expect_ok "a model without --emphasize has no such key" "$SMLOSS" train -q -d "$T/h.train" -m "$T/l.model" --epochs 2
expect_true "... and no emphasis columns" "! grep -q emphasize '$T/l.model'"

expect_fail "weight 0" 2 "--emphasize: column 10: weight must be a number > 0 in '\[35,inf)=0'" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --emphasize '[35,inf)=0'
expect_fail "overlap" 2 "column 11: the interval overlaps the one at column 1" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --emphasize '[20,40)=2,[35,inf)=3'
expect_fail "bare weights and regions disagree" 2 "2 weights for 3 label regions" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --emphasize 1,2 --regions 20,35
expect_fail "--emphasize and --loss" 2 "not both" \
    "$SMLOSS" train -d "$T/h.train" -m "$T/x.model" --emphasize 1,2 --loss lin
expect_true "no model from a failed run" "[ ! -e '$T/x.model' ]"

expect_ok "link --emphasize tabulates" "$SMLOSS" link --emphasize '(-inf,20)=0.2,[35,inf)=5' --from 0 --to 60 --steps 12
expect_true "slopes 0.2, 1, 5 in the regions" \
    "awk -F'\t' '\$1 == 10 && \$4 == 0.2 { a = 1 } \$1 == 25 && \$4 == 1 { b = 1 } \$1 == 50 && \$4 == 5 { c = 1 } END { exit !(a && b && c) }' '$T/out'"
expect_true "h increases" "awk -F'\t' '!/^#/ { if (n++ && \$2 <= h) bad = 1; h = \$2 } END { exit bad }' '$T/out'"
expect_fail "link: bare weights need regions" 2 "bare weights need label regions" \
    "$SMLOSS" link --emphasize 1,2

# ---- ranking and multi-class: the link is the score transform ----
cp "$DATA/lightgbm-rank/rank.train" "$DATA/lightgbm-rank/rank.train.query" "$T/"
expect_ok "listwise with --emphasize on the grades" \
    "$SMLOSS" train -d "$T/rank.train" -m "$T/r.model" --objective listwise --epochs 2 --emphasize '[3,inf)=4'
expect_true "listwise: compiled on the grades (spread 4, width 0.2)" \
    "grep -qx 'loss=pwl:knots=3,slopes=1/4,width=0.2,w=1' '$T/r.model' && grep -q '^objective=listwise' '$T/r.model'"
head -n 400 "$DATA/sklearn-digits/digits.libsvm" > "$T/digits.txt"
expect_ok "multiclass with --emphasize on the targets" \
    "$SMLOSS" train -d "$T/digits.txt" -m "$T/c.model" --objective multiclass --epochs 2 --emphasize '[0.5,inf)=3'
expect_true "multiclass: compiled on the 0..1 targets (width 0.05)" \
    "grep -qx 'loss=pwl:knots=0.5,slopes=1/3,width=0.05,w=1' '$T/c.model'"

# ---- the tidy TSV: one header, four fields a line, fixed decimals ----
expect_true "tsv: one header line, 4 fields on every line" \
    "awk -F'\t' 'NR == 1 && \$0 != \"table\trow\tcolumn\tvalue\" { bad = 1 } NR > 1 && \$1 == \"table\" { bad = 1 } NF != 4 { bad = 1 } END { exit bad }' '$T/e.tsv'"
expect_true "tsv: every value has 6 decimals (or NaN, inf; info rows the report's texts under row all; counts integers)" \
    "awk -F'\t' 'NR > 1 && !(\$1 == \"info\" ? \$2 == \"all\" && \$4 != \"\" : \$4 ~ /^-?[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]\$/ || \$4 ~ /^(NaN|inf|-inf)\$/ || ((\$3 == \"rows\" || \$1 == \"confusion\") && \$4 ~ /^[0-9]+\$/)) { bad = 1 } END { exit bad }' '$T/e.tsv'"
expect_true "tsv: counts are integers" "grep -q '^region	all	rows	[0-9]*\$' '$T/e.tsv'"
# ---- early stopping on the region that matters: --metric rmse:INTERVAL ----
awk 'NR % 5 == 1' "$T/h.train" > "$T/h.valid"
awk '{ print ($1 >= 35) ? 3 : 1 }' "$T/h.valid" > "$T/h.valid.w"
expect_ok "train --metric 'rmse:[35,inf)'" "$SMLOSS" train -d "$T/h.train" --valid "$T/h.valid" \
    -m "$T/es.model" --epochs 12 --metric 'rmse:[35,inf)' --patience 4 --emphasize '[35,inf)=5'
expect_true "the epoch table shows it" "grep -q -E '^ epoch .* rmse:\[35,inf\)  best\$' '$T/err'"
expect_true "the model records it" \
    "grep -q -x 'stop_metric=rmse:\[35,inf)' '$T/es.model' && grep -q '^best_score=' '$T/es.model'"
best_epoch=$(sed -n 's/^best_epoch=//p' "$T/es.model")
best=$(sed -n 's/^best_score=//p' "$T/es.model")
table=$(awk -v e="$best_epoch" '$1 == e { print $5 }' "$T/err")
expect_true "the table's figure at the best epoch ($table) is best_score ($best)" \
    "awk 'BEGIN { d = $table - $best; exit !(d < 5e-7 * $best && d > -5e-7 * $best) }'"
# eval's RMSE of the region [35, inf) on the validation data, exact in JSON
region_rmse() { tr -d '\n' < "$1" | sed -n 's/.*"interval": "\[35, inf)"[^}]*"rmse": \([^,]*\),.*/\1/p'; }
expect_ok "eval of the kept model on the validation data" \
    "$SMLOSS" eval -m "$T/es.model" -d "$T/h.valid" --regions 35 --format json -o "$T/es.json"
got=$(region_rmse "$T/es.json")
expect_true "best_score ($best) is eval's RMSE of [35, inf) ($got)" \
    "[ -n '$got' ] && awk 'BEGIN { d = $got - $best; exit !(d < 1e-9 * $best && d > -1e-9 * $best) }'"
expect_ok "weighted: --metric mae with --valid-weights" "$SMLOSS" train -q -d "$T/h.train" \
    --valid "$T/h.valid" --valid-weights "$T/h.valid.w" -m "$T/esw.model" --epochs 4 --metric mae
best=$(sed -n 's/^best_score=//p' "$T/esw.model")
expect_ok "eval with the weights" "$SMLOSS" eval -m "$T/esw.model" -d "$T/h.valid" \
    --weights "$T/h.valid.w" --format tsv -o "$T/esw.tsv"
got=$(awk -F'\t' '$1 == "region" && $2 == "all" && $3 == "mae" { print $4 }' "$T/esw.tsv")
expect_true "weighted best_score ($best) is eval's weighted MAE ($got, 6 decimals)" \
    "[ -n '$got' ] && awk 'BEGIN { d = $got - $best; exit !(d < 1e-6 && d > -1e-6) }'"
expect_fail "an interval with no validation row" 3 'no row with a label in its region' \
    "$SMLOSS" train -d "$T/h.train" --valid "$T/h.valid" -m "$T/m" --epochs 1 --metric 'rmse:[1000,inf)'
expect_fail "a bad interval" 2 "--metric: 'rmse:\[35\)', column 6: an interval is" \
    "$SMLOSS" train -d "$T/h.train" --valid "$T/h.valid" -m "$T/m" --metric 'rmse:[35)'
expect_fail "rmse on a multi-class objective" 2 'multi-class objectives stop early on' \
    "$SMLOSS" train -d "$DATA/sklearn-digits/digits.libsvm" --valid "$DATA/sklearn-digits/digits.libsvm" \
    -m "$T/m" --objective multiclass --metric rmse

finish
