#!/bin/sh
# cli_basic.sh - the command line end to end on the bundled data: help, train,
# predict, eval, link, reload exactness, determinism, stdin, gzip, outputs.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
awk 'NR % 5 != 0' "$H" > "$T/h.train"
awk 'NR % 5 == 0' "$H" > "$T/h.test"

# --- help, version, usage errors ---
expect_ok "--help" "$SMLOSS" --help
expect_true "--help lists commands" "grep -q 'train' '$T/out' && grep -q 'eval' '$T/out'"
expect_ok "--version" "$SMLOSS" --version
expect_true "--version prints version" "grep -Eq '^smloss [0-9]+\.[0-9]+\.[0-9]+$' '$T/out'"
for c in train predict eval link; do
    expect_ok "$c --help" "$SMLOSS" $c --help
    expect_true "$c --help has usage" "grep -q 'Usage: smloss $c' '$T/out'"
done
expect_fail "no command" 2 "Usage" "$SMLOSS"
expect_fail "unknown command" 2 "unknown command 'frobnicate'" "$SMLOSS" frobnicate
expect_fail "unknown option" 2 "unrecognized option|unknown" "$SMLOSS" train --frobnicate
# one mistake, one message: getopt's line and smloss's are not both printed
for c in train predict eval link; do
    expect_fail "$c --version: one message" 2 "^smloss $c: unrecognized option '--version'" "$SMLOSS" $c --version
    expect_true "$c --version: one error line" "[ \$(grep -vc '^Try' '$T/err') -eq 1 ]"
done
expect_fail "option without its value" 2 "^smloss train: option '--model' requires an argument" "$SMLOSS" train -d "$H" --model
expect_fail "short option without its value" 2 "^smloss predict: option '-d' requires an argument" "$SMLOSS" predict -m "$T/m" -d
expect_fail "unknown short option" 2 "^smloss eval: unrecognized option '-x'" "$SMLOSS" eval -x
expect_fail "unknown short option in a cluster" 2 "^smloss train: unrecognized option '-x'" "$SMLOSS" train --epochs=3 -xq
expect_fail "ambiguous prefix" 2 "^smloss train: ambiguous option '--va'" "$SMLOSS" train --va x
expect_fail "--beta2 1 says the range excludes 1" 2 "--beta2 1 is out of range \\[0, 0\\.999999999\\]" "$SMLOSS" train -d "$H" -m "$T/m" --beta2 1
expect_true "--help lists completion" "'$SMLOSS' --help | grep -q '^  completion '"
expect_ok "completion --help" "$SMLOSS" completion --help
expect_true "completion --help has usage" "grep -q 'Usage: smloss completion bash' '$T/out'"
expect_fail "missing --model" 2 "--data and --model are required" "$SMLOSS" train -d "$H"
expect_fail "bad --epochs" 2 "--epochs expects a whole number, got 'x'" "$SMLOSS" train -d "$H" -m "$T/m" --epochs x
expect_fail "--epochs 0" 2 "--epochs 0 is out of range" "$SMLOSS" train -d "$H" -m "$T/m" --epochs 0
expect_fail "bad --lr" 2 "--lr expects a number" "$SMLOSS" train -d "$H" -m "$T/m" --lr 1e
expect_fail "bad --optimizer" 2 "--optimizer must be one of sgd, momentum, adagrad, adam" "$SMLOSS" train -d "$H" -m "$T/m" --optimizer lbfgs
expect_fail "bad --loss" 2 "--loss: .*sigmod" "$SMLOSS" train -d "$H" -m "$T/m" --loss lin+sigmod:a=2
expect_fail "bad --regions" 2 "--regions" "$SMLOSS" train -d "$H" -m "$T/m" --regions 3,1
expect_fail "stray argument" 2 "unexpected argument 'extra'" "$SMLOSS" predict -m "$T/m" -d "$H" extra
expect_fail "missing data file" 4 "/nonexistent/x.txt" "$SMLOSS" train -d /nonexistent/x.txt -m "$T/m"
expect_fail "directory as data" 4 "$T" "$SMLOSS" train -d "$T" -m "$T/m"
printf '' > "$T/empty"
expect_fail "empty data" 3 "no data rows" "$SMLOSS" train -d "$T/empty" -m "$T/m"
expect_true "failed runs write no model" "[ ! -e '$T/m' ]"

# --- train, predict, reload exactness ---
expect_ok "train" "$SMLOSS" train -d "$T/h.train" -m "$T/a.model" --predictions "$T/a.train.pred"
expect_true "iteration table on stderr, one line an iteration" "grep -q '^ *iter  *train_obj' '$T/err' && [ \$(grep -c '^ *[0-9]' '$T/err') -eq \$(sed -n 's/^iterations=//p' '$T/a.model') ]"
expect_true "the default run says it converged" "grep -q 'lbfgs: converged after' '$T/err' && grep -qx 'stop_reason=converged' '$T/a.model' && grep -qx 'solver=lbfgs' '$T/a.model'"
expect_ok "train by sgd" "$SMLOSS" train -d "$T/h.train" -m "$T/sgd.model" --solver sgd
expect_true "sgd's epoch table on stderr" "grep -q '^ *epoch  *train_obj' '$T/err' && [ \$(grep -c '^ *[0-9]' '$T/err') -eq 20 ]"
expect_true "model magic" "head -n 1 '$T/a.model' | grep -qx 'smloss-model 1'"
expect_ok "predict on training data" "$SMLOSS" predict -m "$T/a.model" -d "$T/h.train" -o "$T/a.pred"
expect_true "reloaded model predicts exactly what training predicted" "cmp -s '$T/a.pred' '$T/a.train.pred'"
expect_true "one score per row" "[ \$(wc -l < '$T/a.pred') -eq \$(wc -l < '$T/h.train') ]"
expect_ok "train again" "$SMLOSS" train -q -d "$T/h.train" -m "$T/b.model"
expect_true "-q is quiet" "[ ! -s '$T/err' ]"
expect_true "rerun gives a byte-identical model" "cmp -s '$T/a.model' '$T/b.model'"
expect_ok "train other seed" "$SMLOSS" train -q -d "$T/h.train" -m "$T/c.model" --seed 7
expect_true "another seed gives another model" "! cmp -s '$T/a.model' '$T/c.model'"
expect_ok "predict to stdout" "$SMLOSS" predict -m "$T/a.model" -d "$T/h.train"
expect_true "stdout predictions equal file predictions" "cmp -s '$T/out' '$T/a.pred'"
expect_ok "predict -o /dev/null" "$SMLOSS" predict -m "$T/a.model" -d "$T/h.train" -o /dev/null
if [ -w /dev/full ]; then
    expect_fail "predict to /dev/full" 4 "write error" "$SMLOSS" predict -m "$T/a.model" -d "$T/h.train" -o /dev/full
    expect_fail "model to /dev/full" 4 "write error" "$SMLOSS" train -q -d "$T/h.train" -m /dev/full
    expect_fail "eval to /dev/full" 4 "write error|No space" "$SMLOSS" eval -d "$T/h.test" -m "$T/a.model" -o /dev/full
    expect_fail "stdout to /dev/full" 4 "write error" sh -c "'$SMLOSS' predict -m '$T/a.model' -d '$T/h.train' > /dev/full"
else
    skip "/dev/full not writable"
fi

# --- stdin and gzip give the same data ---
expect_ok "predict from stdin" sh -c "'$SMLOSS' predict -m '$T/a.model' -d - < '$T/h.train'"
expect_true "stdin predictions equal" "cmp -s '$T/out' '$T/a.pred'"
gzip -c "$T/h.train" > "$T/h.train.data"
expect_ok "predict from gzip (any name)" "$SMLOSS" predict -m "$T/a.model" -d "$T/h.train.data"
expect_true "gzip predictions equal" "cmp -s '$T/out' '$T/a.pred'"
expect_ok "predict from gzip on stdin" sh -c "'$SMLOSS' predict -m '$T/a.model' -d - < '$T/h.train.data'"
expect_true "gzip stdin predictions equal" "cmp -s '$T/out' '$T/a.pred'"
expect_ok "train from gzip stdin" sh -c "'$SMLOSS' train -q -d - -m '$T/g.model' < '$T/h.train.data'"
expect_true "gzip-trained model has the same weights" "! diff '$T/a.model' '$T/g.model' | grep -v train_data | grep -q '^[<>]'"
expect_true "gzip-trained model differs only in train_data" "[ \$(diff '$T/a.model' '$T/g.model' | grep -c '^[<>]') -eq 2 ]"

# --- the model file is checked when loaded ---
head -n 8 "$T/a.model" > "$T/trunc.model"
expect_fail "truncated model" 3 "trunc.model:[0-9]+: .*truncated" "$SMLOSS" predict -m "$T/trunc.model" -d "$T/h.test"
sed '1s/.*/smloss-model 9/' "$T/a.model" > "$T/v9.model"
expect_fail "unknown model version" 3 "unsupported model format version '9'" "$SMLOSS" predict -m "$T/v9.model" -d "$T/h.test"
expect_fail "data file as model" 3 "not an smloss model" "$SMLOSS" predict -m "$T/h.test" -d "$T/h.test"

# --- eval ---
expect_ok "eval text" "$SMLOSS" eval -d "$T/h.test" -m "$T/a.model"
expect_true "eval text names the loss and regions" "grep -q 'lin' '$T/out' && grep -qi 'quartile' '$T/out'"
expect_ok "eval json" "$SMLOSS" eval -d "$T/h.test" -m "$T/a.model" --format json
expect_true "json is one object" "head -c 1 '$T/out' | grep -q '{'"
expect_ok "eval tsv" "$SMLOSS" eval -d "$T/h.test" -m "$T/a.model" --format tsv --regions 20,35
expect_true "tsv has three regions" "[ \$(awk -F'\t' '\$1 == \"region\" && \$2 ~ /^[0-9]+\$/ && \$3 == \"rows\" { n++ } END { print n }' '$T/out') -eq 3 ]"
expect_true "tsv regions are numeric intervals" "awk -F'\t' '\$1 == \"region\" && \$2 == \"1\" && \$3 == \"lower\" && \$4 == 20 { ok = 1 } END { exit !ok }' '$T/out'"
"$SMLOSS" predict -m "$T/a.model" -d "$T/h.test" -o "$T/test.pred"
expect_ok "eval predictions file" "$SMLOSS" eval -d "$T/h.test" -p "$T/test.pred" --regions 20,35 --format tsv -o "$T/p.tsv"
expect_ok "eval model file" "$SMLOSS" eval -d "$T/h.test" -m "$T/a.model" --regions 20,35 --loss lin --format tsv -o "$T/m.tsv"
expect_true "eval -p equals eval -m" "[ -s '$T/p.tsv' ] && ! diff '$T/p.tsv' '$T/m.tsv' | grep -v -e model -e predictions | grep -q '^[<>]'"
head -n 3 "$T/test.pred" > "$T/short.pred"
expect_fail "prediction count mismatch" 3 "has 3 predictions but .* has 101 rows" "$SMLOSS" eval -d "$T/h.test" -p "$T/short.pred"
expect_fail "eval needs one source" 2 "exactly one of" "$SMLOSS" eval -d "$T/h.test"

# --- default regions where most labels tie: 180 zeros and 20 labels 1..20 ---
awk 'BEGIN { for (i = 0; i < 200; i++) printf "%d 1:%d\n", i % 10 == 3 ? i / 10 + 1 : 0, i % 7 }' > "$T/zeros.txt"
expect_ok "train on 90% zero labels" "$SMLOSS" train -q -d "$T/zeros.txt" -m "$T/zeros.model" --epochs 2
# the quartiles are all 0; split above the zeros at 1, then 1..20 at 10.5, then 1..10 at 5.5
expect_true "... four regions, the zeros alone in the first" \
    "grep -q -x 'regions=1,5.5,10.5' '$T/zeros.model' && grep -q -x 'regions_origin=tied-label-quartiles' '$T/zeros.model'"
expect_ok "eval reads the model's tied regions back" "$SMLOSS" eval -d "$T/zeros.txt" -m "$T/zeros.model"
expect_true "... and reports on them" "grep -q '^regions: *4, label quartiles, tied' '$T/out'"
expect_ok "eval -p chooses them the same way" "$SMLOSS" eval -d "$T/zeros.txt" -p "$T/zeros.txt" --format tsv
expect_true "... with 180, 5, 5 and 10 rows" \
    "awk -F'\t' '\$1 == \"region\" && \$3 == \"rows\" { printf \"%s=%d \", \$2, \$4 }' '$T/out' | grep -q -x '0=180 1=5 2=5 3=10 all=200 '"
expect_true "... and the text report says how they were chosen" \
    "'$SMLOSS' eval -d '$T/zeros.txt' -p '$T/zeros.txt' | grep -q 'tied labels kept together'"

# --- progress: on a terminal (a pty from script(1)) it says how far, with the
# rate and the time left; never in a pipe or with -q. (A run of about a second:
# the line shows after half a second.) ---
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    slow="'$SMLOSS' train -d '$T/h.train' -m '$T/slow.model' --epochs 150 --scorer mlp:64 --batch 1"
    script -qec "$slow" /dev/null > "$T/pty" 2>&1
    expect_true "a terminal shows the epochs' progress, rate and time left" \
        "tr '\r' '\n' < '$T/pty' | grep -a -q -E 'training, epoch [0-9]+: [0-9.]+ of 150 epochs \([0-9]+%\), [0-9.]+ epochs/s, [0-9]+ s left'"
    script -qec "$slow -q" /dev/null > "$T/pty" 2>&1
    expect_true "... not with -q" "! grep -a -q 'training, epoch' '$T/pty' && test -s '$T/slow.model'"
    sh -c "$slow" > "$T/out" 2> "$T/err"
    expect_true "... nor in a pipe" "! grep -a -q 'training, epoch' '$T/err' && grep -q epoch '$T/err'"
else
    skip "script(1) cannot make a terminal: progress is checked by test_cli_msg only"
fi

# --- a model of K = 3 outputs (a file as another tool or a later smloss writes it) ---
printf '%s\n' 'smloss-model 1' 'scorer=linear' 'objective=pointwise' 'loss=lin' 'dim=3' \
    'outputs=3' 'bias=1 2 3' 'weights=1' '1 0.5 -1 0.25' 'end' > "$T/k3.model"
printf '%s\n' '0 1:2 2:7' '0 0:1' > "$T/k3.data"
expect_ok "predict, 3 outputs" "$SMLOSS" predict -m "$T/k3.model" -d "$T/k3.data" --output-type scores
expect_true "3 scores a line" "printf '2 0 3.5\n1 2 3\n' | cmp -s - '$T/out'"
expect_ok "predict, 3 outputs: classes by default" "$SMLOSS" predict -m "$T/k3.model" -d "$T/k3.data"
expect_true "the class of the top score" "printf '2\n2\n' | cmp -s - '$T/out'"
expect_ok "eval of 3 outputs: the class report" "$SMLOSS" eval -m "$T/k3.model" -d "$T/k3.data" --format tsv
expect_true "without a multi-class objective, no mean loss" \
    "grep -q '^summary	all	accuracy	0.000000\$' '$T/out' && grep -q '^summary	all	mean_loss	NaN\$' '$T/out' && grep -q '^summary	all	classes	3\$' '$T/out'"

# --- train's epoch table for scripts: stdout, one table, stderr keeps the notes ---
expect_ok "epoch table, tsv" "$SMLOSS" train -d "$T/h.train" -m "$T/ep.model" --epochs 3 --valid "$T/h.test" --metric objective --format tsv
TAB=$(printf '\t')
expect_true "tsv: the header, 4 fields a line" "head -n 1 '$T/out' | grep -q -x 'table${TAB}row${TAB}column${TAB}value' && awk -F '\t' 'NF != 4 { exit 1 }' '$T/out'"
expect_true "tsv: 5 figures for each of 3 epochs" "[ \$(grep -c '^epoch${TAB}' '$T/out') -eq 15 ]"
expect_true "tsv: best is an integer epoch" "awk -F '\t' '\$3 == \"best\" && \$4 !~ /^[1-3]\$/ { exit 1 }' '$T/out'"
expect_true "tsv: no epoch table on stderr" "! grep -q train_obj '$T/err'"
expect_true "tsv: the metric in an info row laid out as the others" "grep -q -x 'info${TAB}all${TAB}metric${TAB}objective' '$T/out'"
expect_ok "epoch table, json" "$SMLOSS" train -d "$T/h.train" -m "$T/ep.model" --epochs 3 --format json
expect_true "json: one object of 3 epochs" "head -n 1 '$T/out' | grep -q -x '{' && tail -n 1 '$T/out' | grep -q -x '}' && [ \$(grep -c '\"epoch\": ' '$T/out') -eq 3 ] && grep -q '\"valid_obj\": null' '$T/out'"
expect_ok "epoch table, json, model on stdout: the table on stderr" "$SMLOSS" train -d "$T/h.train" -m - --epochs 2 --format json
expect_true "json on stderr, the model on stdout" "grep -q '^scorer=linear' '$T/out' && grep -q '\"epochs\": \\[' '$T/err'"
if [ -w /dev/full ]; then
    expect_fail "epoch table to a full disk" 4 "epoch table" sh -c "'$SMLOSS' train -d '$T/h.train' -m '$T/full.model' --epochs 2 --format tsv > /dev/full"
    expect_true "no model after a failed table" "[ ! -e '$T/full.model' ]"
fi

# --- link ---
expect_ok "link table" "$SMLOSS" link --loss sigmoid:a=2,c=1 --from -1 --to 3 --steps 4
expect_true "link rows" "[ \$(grep -vc '^#' '$T/out') -eq 5 ]"
expect_true "link at centre: h = 0.5, h' = a/4" "grep -q '^1	0.5	.*	0.5$' '$T/out'"
expect_fail "link bad spec" 2 "unknown key 'b'" "$SMLOSS" link --loss sigmoid:b=2
expect_fail "link bad range" 2 "greater than" "$SMLOSS" link --loss lin --from 2 --to 1

finish
