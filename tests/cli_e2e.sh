#!/bin/sh
# cli_e2e.sh - the acceptance of the foundation issue, end to end on the bundled
# real data: on held-out rows a high-region-selective link beats `lin` in the
# top region (housing; autoclaims with log labels); exact reloads and
# reproducible runs with selective links and label transforms; outputs to
# stdout and devices; failed runs leave existing files untouched and no
# temporary files behind. (cli_basic.sh covers the plain lin cases.)
. "$(dirname "$0")/lib.sh"

# column NAME REGION TSV: a figure of one region of `eval --format tsv`
# (counts as integers).
column() {
    awk -F'\t' -v name="$1" -v r="$2" '$1 == "region" && $2 == r && $3 == name {
        v = $4; if (v == int(v)) v = sprintf("%d", v); print v; found = 1 } END { exit !found }' "$3"
}
less_than() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }
# listing DIR: its entries on one line, to see that nothing was left behind
listing() { ls -A "$1" | tr '\n' ' '; }

# --- housing: a sigmoid centred on the top region (35) against lin ---
H=$DATA/libsvm-housing-scale/housing_scale
awk 'NR % 5 != 0' "$H" > "$T/h.train"
awk 'NR % 5 == 0' "$H" > "$T/h.test"
HSEL='lin:w=0.05+sigmoid:a=0.3,c=35'
expect_ok "housing: train lin" "$SMLOSS" train -q -d "$T/h.train" -m "$T/h.lin" --regions 20,35
expect_ok "housing: train selective" "$SMLOSS" train -q -d "$T/h.train" -m "$T/h.sel" \
    --regions 20,35 --loss "$HSEL" --predictions "$T/h.sel.train.pred"
expect_ok "housing: eval lin" "$SMLOSS" eval -d "$T/h.test" -m "$T/h.lin" --format tsv -o "$T/h.lin.tsv"
expect_ok "housing: eval selective" "$SMLOSS" eval -d "$T/h.test" -m "$T/h.sel" --format tsv -o "$T/h.sel.tsv"
held=$(wc -l < "$T/h.test")
expect_true "housing: report covers every held-out row" "[ \"\$(column rows all '$T/h.sel.tsv')\" -eq $held ]"
expect_true "housing: the top region has held-out rows" "[ \"\$(column rows 2 '$T/h.sel.tsv')\" -gt 0 ]"
expect_true "housing: report names the selective loss" "grep -q '^info	all	loss	lin:w=0.05+sigmoid:a=0.3,c=35' '$T/h.sel.tsv'"
h_lin=$(column rmse 2 "$T/h.lin.tsv")
h_sel=$(column rmse 2 "$T/h.sel.tsv")
expect_true "housing: selective top-region RMSE ($h_sel) < lin's ($h_lin)" "less_than '$h_sel' '$h_lin'"

# --- autoclaims, log of the claim: regions at the training quartiles, the
#     selective link centred on the upper quartile ---
A=$DATA/xgboost-autoclaims
Q=$(awk '{ print log($1) }' "$A/autoclaims.train" | sort -g |
    awk '{ v[NR] = $1 } END { printf "%.6f,%.6f,%.6f", v[int(NR / 4)], v[int(NR / 2)], v[int(3 * NR / 4)] }')
Q3=${Q##*,}
ASEL="lin:w=0.05+sigmoid:a=2,c=$Q3"
for m in lin sel; do
    if [ $m = lin ]; then loss=lin; else loss=$ASEL; fi
    expect_ok "autoclaims: train $m" "$SMLOSS" train -q -d "$A/autoclaims.train" -m "$T/a.$m" \
        --label-transform log --regions "$Q" --loss "$loss" --predictions "$T/a.$m.train.pred"
    expect_ok "autoclaims: eval $m" "$SMLOSS" eval -d "$A/autoclaims.test" -m "$T/a.$m" --format tsv -o "$T/a.$m.tsv"
done
expect_true "autoclaims: the model's label transform is applied" "grep -q -x 'info	all	label_transform	log' '$T/a.sel.tsv'"
expect_true "autoclaims: report covers every test row" \
    "[ \"\$(column rows all '$T/a.sel.tsv')\" -eq $(wc -l < "$A/autoclaims.test") ]"
a_lin=$(column rmse 3 "$T/a.lin.tsv")
a_sel=$(column rmse 3 "$T/a.sel.tsv")
expect_true "autoclaims: selective top-region RMSE ($a_sel) < lin's ($a_lin)" "less_than '$a_sel' '$a_lin'"

# --- reloaded models predict exactly what training predicted ---
expect_ok "housing: predict with the reloaded selective model" "$SMLOSS" predict -m "$T/h.sel" -d "$T/h.train" -o "$T/h.sel.pred"
expect_true "housing: train --predictions = predict, byte for byte" "cmp -s '$T/h.sel.train.pred' '$T/h.sel.pred'"
expect_ok "autoclaims: predict with the reloaded model" "$SMLOSS" predict -m "$T/a.sel" -d "$A/autoclaims.train" -o "$T/a.sel.pred"
expect_true "autoclaims: train --predictions = predict, byte for byte" "cmp -s '$T/a.sel.train.pred' '$T/a.sel.pred'"
expect_true "predictions differ between links (the test can tell)" "! cmp -s '$T/a.sel.train.pred' '$T/a.lin.train.pred'"

# A short spec whose canonical form (stored in the model) is long: numbers
# like 9e14 print as 900000000000000. The model must reload as written. (The
# steep segments come first: a link flat over the labels is refused.)
LONG="pwl:knots=$(seq -s/ 1 31 | sed 's#[0-9][0-9]*#&e14#g'),slopes=$(seq -s/ 1 31 | sed 's#[0-9][0-9]*#9e14#g')/0.5"
expect_ok "train with a spec whose canonical form is long" "$SMLOSS" train -q -d "$T/h.train" -m "$T/h.long" \
    --loss "$LONG" --predictions "$T/h.long.train.pred"
expect_true "the stored spec is longer than the one given" "[ \$(grep '^loss=' '$T/h.long' | wc -c) -gt ${#LONG} ]"
expect_ok "reload it" "$SMLOSS" predict -m "$T/h.long" -d "$T/h.train" -o "$T/h.long.pred"
expect_true "it predicts what training predicted" "cmp -s '$T/h.long.train.pred' '$T/h.long.pred'"

# --- reproducible runs, seeds that matter ---
expect_ok "autoclaims: rerun" "$SMLOSS" train -q -d "$A/autoclaims.train" -m "$T/a.sel2" \
    --label-transform log --regions "$Q" --loss "$ASEL"
expect_true "same seed, byte-identical model" "cmp -s '$T/a.sel' '$T/a.sel2'"
expect_ok "autoclaims: other seed" "$SMLOSS" train -q -d "$A/autoclaims.train" -m "$T/a.sel3" \
    --label-transform log --regions "$Q" --loss "$ASEL" --seed 12345
expect_true "another seed, another model" "! cmp -s '$T/a.sel' '$T/a.sel3'"
expect_ok "adam rerun 1" "$SMLOSS" train -q -d "$T/h.train" -m "$T/h.adam1" --loss "$HSEL" --optimizer adam --batch 7 --seed 3
expect_ok "adam rerun 2" "$SMLOSS" train -q -d "$T/h.train" -m "$T/h.adam2" --loss "$HSEL" --optimizer adam --batch 7 --seed 3
expect_true "same seed, byte-identical model (adam, odd batch)" "cmp -s '$T/h.adam1' '$T/h.adam2'"

# --- outputs: '-' is stdout, devices are written directly ---
expect_ok "train -m -" "$SMLOSS" train -q -d "$T/h.train" -m - --regions 20,35 --loss "$HSEL"
expect_true "model on stdout = model file" "cmp -s '$T/out' '$T/h.sel'"
expect_ok "train --predictions -" "$SMLOSS" train -q -d "$T/h.train" -m /dev/null --regions 20,35 --loss "$HSEL" --predictions -
expect_true "predictions on stdout = predictions file" "cmp -s '$T/out' '$T/h.sel.train.pred'"
expect_ok "predict -o -" "$SMLOSS" predict -m "$T/h.sel" -d "$T/h.train" -o -
expect_true "predict -o - = predict -o FILE" "cmp -s '$T/out' '$T/h.sel.pred'"
expect_ok "eval -o -" "$SMLOSS" eval -d "$T/h.test" -m "$T/h.sel" --format tsv -o -
expect_true "eval -o - = eval -o FILE" "cmp -s '$T/out' '$T/h.sel.tsv'"
expect_ok "eval -o /dev/null" "$SMLOSS" eval -d "$T/h.test" -m "$T/h.sel" -o /dev/null
expect_true "eval -o /dev/null prints nothing" "[ ! -s '$T/out' ]"
if [ -w /dev/full ]; then
    expect_fail "train --predictions /dev/full" 4 "/dev/full: write error" \
        "$SMLOSS" train -q -d "$T/h.train" -m "$T/unused.model" --predictions /dev/full
    expect_true "a failed --predictions write leaves no model" "[ ! -e '$T/unused.model' ]"
    cp "$T/h.sel" "$T/kept.model"
    expect_fail "train over a model, --predictions /dev/full" 4 "/dev/full: write error" \
        "$SMLOSS" train -q -d "$T/h.train" -m "$T/kept.model" --seed 9 --predictions /dev/full
    expect_true "... leaves the previous model untouched" "cmp -s '$T/kept.model' '$T/h.sel'"
    expect_fail "eval -o /dev/full (json)" 4 "/dev/full: .*(write error|cannot write)" \
        "$SMLOSS" eval -d "$T/h.test" -m "$T/h.sel" --format json -o /dev/full
else
    skip "/dev/full not writable"
fi

# --- failures leave existing files untouched and nothing behind ---
W=$T/work
mkdir "$W"
cp "$T/h.sel" "$W/keep.model"
cp "$T/h.sel" "$W/m.model"
printf '24 1:0.5 2:x\n' > "$W/bad.txt"
before=$(listing "$W")
expect_fail "failed train: bad --loss" 2 "--loss: .*unknown term 'sigmod'" \
    "$SMLOSS" train -q -d "$T/h.train" -m "$W/m.model" --loss lin+sigmod:a=2
expect_fail "failed train: bad data" 3 "bad.txt:1:10: .*\"2:x\"" \
    "$SMLOSS" train -q -d "$W/bad.txt" -m "$W/m.model"
expect_fail "failed train: missing --valid file" 4 "/nonexistent/valid" \
    "$SMLOSS" train -q -d "$T/h.train" -m "$W/m.model" --valid /nonexistent/valid
expect_fail "failed train: diverged" 5 "diverged.*exp:a=50" \
    "$SMLOSS" train -q -d "$T/h.train" -m "$W/m.model" --loss exp:a=50 --lr 100
expect_true "failed trains leave the model untouched" "cmp -s '$W/m.model' '$W/keep.model'"
expect_true "failed trains leave no temporary file" "[ \"\$(listing '$W')\" = '$before' ]"
# A regular file that cannot be written in full: a file-size limit makes
# write(2) fail with EFBIG (SIGXFSZ ignored) part way through.
limited() { sh -c "trap '' XFSZ; ulimit -f 1; exec \"\$@\"" limited "$@"; }
expect_fail "model too large for the file-size limit" 4 "m.model: write error" \
    limited "$SMLOSS" train -q -d "$A/autoclaims.train" -m "$W/m.model" --seed 9
expect_true "the old model is still there, whole" "cmp -s '$W/m.model' '$W/keep.model'"
expect_fail "predictions too large for the file-size limit" 4 "p.txt: write error" \
    limited "$SMLOSS" predict -m "$T/a.sel" -d "$A/autoclaims.train" -o "$W/p.txt"
expect_fail "report too large for the file-size limit" 4 "r.json: .*(write error|cannot write)" \
    limited "$SMLOSS" eval -m "$T/a.sel" -d "$A/autoclaims.train" --format json -o "$W/r.json"
expect_true "failed writes leave nothing behind" "[ \"\$(listing '$W')\" = '$before' ]"

finish
