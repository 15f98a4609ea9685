#!/bin/sh
# cli_multiclass.sh - the multi-class objectives end to end on the bundled
# digits (classes 0..9): train, predict (class, scores, probs), eval's class
# report, distillation from a teacher's scores, early stopping, thread-count
# determinism, and every bad input located with no model left behind.
. "$(dirname "$0")/lib.sh"
DIGITS=$DATA/sklearn-digits/digits.libsvm
awk 'NR % 5 != 0' "$DIGITS" > "$T/train.txt"
awk 'NR % 5 == 0' "$DIGITS" > "$T/test.txt"
cut -d' ' -f1 "$T/test.txt" > "$T/test.labels"

# ---- train, predict, eval ----
expect_ok "train multiclass linear" \
    "$SMLOSS" train -q -d "$T/train.txt" -m "$T/lin.model" --objective multiclass --epochs 30
expect_true "model records the classes" "grep -q -x 'classes=0,1,2,3,4,5,6,7,8,9' '$T/lin.model'"
expect_true "model records outputs, target, temperature" \
    "grep -q -x 'outputs=10' '$T/lin.model' && grep -q -x 'target=matched' '$T/lin.model' && grep -q -x 'temperature=1' '$T/lin.model'"
expect_ok "predict classes (default)" "$SMLOSS" predict -m "$T/lin.model" -d "$T/test.txt" -o "$T/pred.class"
expect_true "a class a line, one line a row" \
    "[ \$(wc -l < '$T/pred.class') -eq \$(wc -l < '$T/test.txt') ] && ! grep -q -v -x -E '[0-9]' '$T/pred.class'"
acc=$(paste "$T/pred.class" "$T/test.labels" | awk '$1 == $2 { c++ } END { printf "%.17g", c / NR }')
expect_true "held-out accuracy above 0.9 (got $acc)" "awk 'BEGIN { exit !($acc > 0.9) }'"
expect_ok "predict scores" "$SMLOSS" predict -m "$T/lin.model" -d "$T/test.txt" --output-type scores -o "$T/pred.scores"
expect_true "K scores a line" "awk 'NF != 10 { exit 1 }' '$T/pred.scores'"
expect_ok "predict probs to stdout" "$SMLOSS" predict -m "$T/lin.model" -d "$T/test.txt" --output-type probs -o -
cp "$T/out" "$T/pred.probs"
expect_true "probs: K a line, each line sums to 1" \
    "awk 'NF != 10 { exit 1 } { s = 0; for (i = 1; i <= NF; i++) { if (\$i < 0) exit 1; s += \$i } if (s < 1 - 1e-9 || s > 1 + 1e-9) exit 1 }' '$T/pred.probs'"
expect_true "probs' argmax is the predicted class" \
    "awk '{ b = 1; for (i = 2; i <= NF; i++) if (\$i > \$b) b = i; print b - 1 }' '$T/pred.probs' | cmp -s - '$T/pred.class'"
expect_ok "predict --output-type probs to /dev/null" \
    "$SMLOSS" predict -m "$T/lin.model" -d "$T/test.txt" --output-type probs -o /dev/null

expect_ok "eval class report" "$SMLOSS" eval -m "$T/lin.model" -d "$T/test.txt"
expect_true "the text report shows accuracy and the confusion matrix" \
    "grep -q '^accuracy ' '$T/out' && grep -q '^confusion matrix' '$T/out'"
expect_ok "eval tsv" "$SMLOSS" eval -m "$T/lin.model" -d "$T/test.txt" --format tsv -o "$T/report.tsv"
# summary_value FILE NAME: a summary figure of a TSV class report
summary_value() { awk -F'\t' -v n="$2" '$1 == "summary" && $2 == "all" && $3 == n { print $4 }' "$1"; }
# a class only in the test data (9): its rows are errors, as liblinear counts them
awk '$1 != 9' "$T/train.txt" > "$T/train-no9.txt"
expect_ok "train without class 9" \
    "$SMLOSS" train -q -d "$T/train-no9.txt" -m "$T/no9.model" --objective multiclass --epochs 5
expect_ok "eval with class 9 in the data exits 0" \
    "$SMLOSS" eval -q -m "$T/no9.model" -d "$T/test.txt" --format tsv -o "$T/no9.tsv"
nines=$(grep -c '^9 ' "$T/test.txt")
expect_true "class 9 is listed as not in the model with its $nines rows" \
    "[ $nines -gt 0 ] && grep -q -x -F \"\$(printf 'not_in_model\t9\trows\t%s' $nines)\" '$T/no9.tsv'"
expect_ok "predict of the model without 9" \
    "$SMLOSS" predict -m "$T/no9.model" -d "$T/test.txt" -o "$T/no9.class"
acc9=$(paste "$T/no9.class" "$T/test.labels" | awk '$1 == $2 { c++ } END { printf "%.17g", c / NR }')
eval9=$(summary_value "$T/no9.tsv" accuracy)
expect_true "its accuracy ($eval9) counts the rows of 9 wrong ($acc9)" \
    "awk 'BEGIN { d = $eval9 - $acc9; exit !(d < 5.1e-7 && d > -5.1e-7 && $acc9 <= 1 - $nines / $(wc -l < "$T/test.txt")) }'"
expect_true "the text report lists class 9" \
    "'$SMLOSS' eval -q -m '$T/no9.model' -d '$T/test.txt' | grep -A2 -x 'not in the model (its rows count as errors)' | grep -q -E '^9 +$nines\$'"

eval_acc=$(summary_value "$T/report.tsv" accuracy)
expect_true "eval's accuracy ($eval_acc) is predict's ($acc)" \
    "awk 'BEGIN { d = $eval_acc - $acc; exit !(d < 5.1e-7 && d > -5.1e-7) }'"
# the confusion matrix of eval against the pairs (label, predicted class) of predict
paste "$T/test.labels" "$T/pred.class" | sort | uniq -c | awk '{ print $2, $3, $1 }' | sort > "$T/pairs.predict"
awk -F'\t' '$1 == "confusion" && $4 > 0 { print $2, $3, $4 + 0 }' "$T/report.tsv" | sort > "$T/pairs.eval"
expect_true "eval's confusion matrix is predict's classes" \
    "[ -s '$T/pairs.eval' ] && cmp -s '$T/pairs.predict' '$T/pairs.eval'"
expect_ok "eval json with --cutoffs and --bands" \
    "$SMLOSS" eval -m "$T/lin.model" -d "$T/test.txt" --format json --cutoffs 1,3 --bands 1,3
expect_true "json has the top-3 accuracy" "grep -q '\"top_3_accuracy\"' '$T/out'"

expect_ok "train multiclass-pointwise on class labels" \
    "$SMLOSS" train -q -d "$T/train.txt" -m "$T/pw.model" --objective multiclass-pointwise
expect_ok "eval multiclass-pointwise" "$SMLOSS" eval -m "$T/pw.model" -d "$T/test.txt"

# ---- distillation: a teacher MLP's scores as a linear student's targets ----
expect_ok "train teacher mlp" "$SMLOSS" train -q -d "$T/train.txt" -m "$T/teacher.model" \
    --objective multiclass --scorer mlp:16 --epochs 20
expect_ok "teacher scores on train" "$SMLOSS" predict -m "$T/teacher.model" -d "$T/train.txt" \
    --output-type scores -o "$T/teacher.train"
expect_ok "teacher scores on test" "$SMLOSS" predict -m "$T/teacher.model" -d "$T/test.txt" \
    --output-type scores -o "$T/teacher.test"
expect_ok "train student on --targets" "$SMLOSS" train -q -d "$T/train.txt" \
    --targets "$T/teacher.train" -m "$T/student.model" --objective multiclass \
    --loss 'lin:w=0.2+sigmoid:a=1,c=-3' --epochs 20
expect_true "student records the classes of the labels" \
    "grep -q -x 'classes=0,1,2,3,4,5,6,7,8,9' '$T/student.model'"
expect_ok "eval student --targets" "$SMLOSS" eval -m "$T/student.model" -d "$T/test.txt" \
    --targets "$T/teacher.test"
cp "$T/out" "$T/student.report"
expect_ok "eval student --targets (tsv)" "$SMLOSS" eval -m "$T/student.model" -d "$T/test.txt" \
    --targets "$T/teacher.test" --format tsv -o "$T/student.tsv"
agree=$(summary_value "$T/student.tsv" top1_agreement)
expect_true "top-1 agreement with the teacher above 0.85 (got $agree)" \
    "[ -n '$agree' ] && awk 'BEGIN { exit !($agree > 0.85) }'"
expect_true "eval --targets shows the band order accuracy" "grep -q 'by target rank band' '$T/student.report'"
expect_ok "multiclass-pointwise student on --targets" "$SMLOSS" train -q -d "$T/train.txt" \
    --targets "$T/teacher.train" -m "$T/pws.model" --objective multiclass-pointwise --epochs 5

# ---- determinism, early stopping ----
expect_ok "threads 1" "$SMLOSS" train -q -d "$T/train.txt" -m "$T/t1.model" --objective multiclass --threads 1 --epochs 5
expect_ok "threads 3" "$SMLOSS" train -q -d "$T/train.txt" -m "$T/t3.model" --objective multiclass --threads 3 --epochs 5
expect_true "--threads 1 and 3: the same model bytes" "cmp -s '$T/t1.model' '$T/t3.model'"
head -n 1000 "$T/train.txt" > "$T/tr.txt"
tail -n +1001 "$T/train.txt" > "$T/va.txt"
expect_ok "early stopping on accuracy" "$SMLOSS" train -q -d "$T/tr.txt" --valid "$T/va.txt" \
    -m "$T/es.model" --objective multiclass --metric accuracy --patience 2 --epochs 40
expect_true "the model records the metric and best epoch" \
    "grep -q -x 'stop_metric=accuracy' '$T/es.model' && grep -q '^best_epoch=' '$T/es.model'"
best=$(sed -n 's/^best_score=//p' "$T/es.model")
expect_ok "eval of the kept epoch" "$SMLOSS" eval -m "$T/es.model" -d "$T/va.txt" --format tsv \
    -o "$T/es.tsv"
es_acc=$(summary_value "$T/es.tsv" accuracy)
expect_true "its validation accuracy ($es_acc) is best_score ($best)" \
    "[ -n '$best' ] && awk 'BEGIN { d = $es_acc - $best; exit !(d < 5.1e-7 && d > -5.1e-7) }'"
head -n 1000 "$T/teacher.train" > "$T/tr.t"
tail -n +1001 "$T/teacher.train" > "$T/va.t"
expect_ok "early stopping on top1-agreement" "$SMLOSS" train -q -d "$T/tr.txt" --targets "$T/tr.t" \
    --valid "$T/va.txt" --valid-targets "$T/va.t" -m "$T/es2.model" --objective multiclass \
    --metric top1-agreement --patience 2
expect_fail "with --targets, --valid needs --valid-targets" 2 'valid-targets' \
    "$SMLOSS" train -q -d "$T/tr.txt" --targets "$T/tr.t" --valid "$T/va.txt" -m "$T/x.model" \
    --objective multiclass
expect_fail "--metric ndcg@3 refused for multiclass" 2 'accuracy' \
    "$SMLOSS" train -q -d "$T/tr.txt" --valid "$T/va.txt" -m "$T/x.model" --objective multiclass \
    --metric ndcg@3

# ---- bad inputs: located, exit 3, no model ----
bad_train() { # NAME REGEX ARGS...: exit 3, the message, no model file
    name=$1; regex=$2; shift 2
    rm -f "$T/bad.model"
    expect_fail "$name" 3 "$regex" "$SMLOSS" train -q -m "$T/bad.model" --objective multiclass "$@"
    expect_true "$name: no model written" "[ ! -e '$T/bad.model' ]"
}
printf '0 1:1\n2 1:2\n1.5 1:3\n' > "$T/nonint.txt"
bad_train "non-integer class label" 'nonint\.txt:3:1: class label must be an integer' -d "$T/nonint.txt"
printf '0 1:1\n1 1:2\nx 1:3\n' > "$T/word.txt"
bad_train "a word as a class label" 'word\.txt:3:1: label is not a number' -d "$T/word.txt"
printf '0 1:1\n1 1:2\n2.5 1:3\n' > "$T/va_bad.txt"
bad_train "non-integer validation label" 'va_bad\.txt:3:1: class label must be an integer' \
    -d "$T/tr.txt" --valid "$T/va_bad.txt"
# 2^53 + 1 reads as 2^53: the two would be one class, so neither is one
printf '9007199254740991 1:1\n9007199254740992 1:2\n9007199254740993 1:3\n' > "$T/big53.txt"
bad_train "a class label of 2^53 refused" 'big53\.txt:2:1: class label must be an integer of magnitude below 2\^53' -d "$T/big53.txt"
printf '0 1:1\n0 1:2\n' > "$T/single.txt"
bad_train "a single class" "single\\.txt:1: this row and every row after it have the class 0: .*at least 2 classes" -d "$T/single.txt"
printf '0 1:1\n1 1:2\n12 1:3\n' > "$T/va_unseen.txt"
bad_train "a validation class not in training" 'va_unseen\.txt:3:1: class 12 was not seen' \
    -d "$T/tr.txt" --valid "$T/va_unseen.txt"
head -n 4 "$T/tr.txt" > "$T/four.txt"
printf '1 2 3\n1 2 3\n1 x 3\n1 2 3\n' > "$T/tg_word.txt"
bad_train "a target that is not a number" 'tg_word\.txt:3:3: target is not a number' \
    -d "$T/four.txt" --targets "$T/tg_word.txt"
printf '1 2 3\n1 2 3\n1 2\n1 2 3\n' > "$T/tg_short.txt"
bad_train "a targets line with too few numbers" 'tg_short\.txt:3: 2 targets on the line, expected 3' \
    -d "$T/four.txt" --targets "$T/tg_short.txt"
printf '1 2 3\n1 2 3 4\n1 2 3\n1 2 3\n' > "$T/tg_long.txt"
bad_train "a targets line with too many numbers" 'tg_long\.txt:2:7: more than 3 targets' \
    -d "$T/four.txt" --targets "$T/tg_long.txt"
printf '1 2 3\n1 2 3\n1 2 3\n' > "$T/tg_few.txt"
bad_train "fewer target lines than rows" 'tg_few\.txt:3: the file ends after 3 lines of targets, for the 4 rows' \
    -d "$T/four.txt" --targets "$T/tg_few.txt"
printf '1 2 3\n1 2 3\n1 2 3\n1 2 3\n1 2 3\n' > "$T/tg_many.txt"
bad_train "more target lines than rows" 'tg_many\.txt:5: more lines of targets than the 4 rows' \
    -d "$T/four.txt" --targets "$T/tg_many.txt"
printf '.2 .8 0\n.5 .5 0\n.5 .4 0\n1 0 0\n' > "$T/tg_sum.txt"
bad_train "a prob line that does not sum to 1" 'tg_sum\.txt:3: probabilities sum to 0\.9' \
    -d "$T/four.txt" --targets "$T/tg_sum.txt" --target prob
printf '.2 .8 0\n.5 .5 0\n1.5 -.5 0\n1 0 0\n' > "$T/tg_neg.txt"
bad_train "a negative probability" 'tg_neg\.txt:3:5: a probability must be >= 0' \
    -d "$T/four.txt" --targets "$T/tg_neg.txt" --target prob
printf '.2 .8 0\n.5 .5 0\n.5 .5 0\n1 0 0\n' > "$T/tg_prob.txt"
expect_ok "prob targets that sum to 1" "$SMLOSS" train -q -d "$T/four.txt" --targets "$T/tg_prob.txt" \
    --target prob -m "$T/prob.model" --objective multiclass --epochs 2
expect_true "classes 0..K-1 when the labels are not K classes" \
    "grep -q -x 'classes=0,1,2' '$T/prob.model' && grep -q -x 'target=prob' '$T/prob.model'"

# ---- predict and eval refusals ----
printf '3 1:1\n1 1:2\n' > "$T/reg.txt"
expect_ok "train a one-output model" "$SMLOSS" train -q -d "$T/reg.txt" -m "$T/reg.model" --epochs 2
expect_fail "K = 1: predict --output-type class refused" 2 'needs a multi-class model' \
    "$SMLOSS" predict -m "$T/reg.model" -d "$T/reg.txt" --output-type class
expect_fail "K = 1: predict --output-type probs refused" 2 'needs a multi-class model' \
    "$SMLOSS" predict -m "$T/reg.model" -d "$T/reg.txt" --output-type probs
expect_ok "K = 1: predict --output-type scores" \
    "$SMLOSS" predict -m "$T/reg.model" -d "$T/reg.txt" --output-type scores
printf '0 1:1\n11 1:2\n11 1:3\n' > "$T/unseen.txt"
expect_ok "eval: a class not seen in training is no error" \
    "$SMLOSS" eval -m "$T/lin.model" -d "$T/unseen.txt" --format tsv
expect_true "... it is listed as not in the model with its rows" \
    "grep -q -x -F \"\$(printf 'not_in_model\t11\trows\t2')\" '$T/out'"
expect_true "... and said on stderr" "grep -q '2 rows of 1 classes the model lacks' '$T/err'"
printf '0 1:1\n1.5 1:2\n' > "$T/fraction.txt"
expect_fail "eval: a class label that is not an integer" 3 'fraction\.txt:2:1: class label must be an integer' \
    "$SMLOSS" eval -m "$T/lin.model" -d "$T/fraction.txt"
head -n 3 "$T/test.txt" > "$T/three.txt"
head -n 2 "$T/teacher.test" > "$T/two.t"
expect_fail "eval --targets with fewer lines than rows" 3 'two\.t:2: the file ends after 2 lines' \
    "$SMLOSS" eval -m "$T/lin.model" -d "$T/three.txt" --targets "$T/two.t"
expect_fail "eval --targets on a one-output model" 2 'multi-class' \
    "$SMLOSS" eval -m "$T/reg.model" -d "$T/reg.txt" --bands 1,3
expect_fail "eval --regions on a multi-class model" 2 'region reports' \
    "$SMLOSS" eval -m "$T/lin.model" -d "$T/test.txt" --regions 3
expect_fail "eval -p of K scores a line is refused at the line" 3 \
    'pred\.scores:1:[0-9]+: a second number: a predictions file has one score a line .*-m' \
    "$SMLOSS" eval -p "$T/pred.scores" -d "$T/test.txt"
printf '0.5 tag\n1.5 tag\n2.5 0.5\n' > "$T/tagged.pred"
expect_fail "eval -p: text after a score is a tag, a second number is not" 3 'tagged\.pred:3:5: a second number' \
    "$SMLOSS" eval -p "$T/tagged.pred" -d "$T/three.txt"
expect_fail "eval -p with class options" 2 'multi-class model' \
    "$SMLOSS" eval -p "$T/pred.class" -d "$T/test.txt" --targets "$T/teacher.test"
# ---- the figures of a model's probabilities, recomputed from predict's probs ----
HEART=$DATA/libsvm-heart-scale/heart_scale
expect_ok "train a 2-class model (heart, labels -1/+1)" \
    "$SMLOSS" train -q -d "$HEART" -m "$T/heart.model" --objective multiclass --epochs 5
expect_ok "its probs" "$SMLOSS" predict -m "$T/heart.model" -d "$HEART" --output-type probs -o "$T/heart.probs"
expect_ok "eval json" "$SMLOSS" eval -m "$T/heart.model" -d "$HEART" --format json -o "$T/heart.json"
# json_figure NAME: a summary figure of the JSON report (numbers exact)
json_figure() { sed -n 's/.*"summary": {.*"'"$1"'": \([^,}]*\).*/\1/p' "$T/heart.json"; }
# y (1: the positive class +1) and p = P(+1), the second column
cut -d' ' -f1 "$HEART" | paste -d' ' - "$T/heart.probs" | awk '{ print ($1 > 0), $2, $3 }' > "$T/heart.yp"
# log-loss, Brier (both classes' squares), ROC AUC by every pair (ties 1/2)
want=$(awk '{ y[NR] = $1; p[NR] = $3; q = $1 ? $3 : $2; ll -= log(q < 1e-15 ? 1e-15 : q)
              b += 2 * ($3 - $1) ^ 2 }
    END { for (i = 1; i <= NR; i++) if (y[i]) for (j = 1; j <= NR; j++) if (!y[j]) {
              n++; a += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0 }
          printf "%.17g %.17g %.17g", ll / NR, b / NR, a / n }' "$T/heart.yp")
# average precision: by p descending, each run of equal p entering at once
ap=$(sort -g -r -k3 "$T/heart.yp" | awk '{ if (NR > 1 && $3 != last) { tp += rp; fp += rn; if (rp) s += rp * tp / (tp + fp); rp = rn = 0 }
        rp += $1; rn += !$1; pos += $1; last = $3 }
    END { tp += rp; fp += rn; if (rp) s += rp * tp / (tp + fp); printf "%.17g", s / pos }')
got="$(json_figure log_loss) $(json_figure brier) $(json_figure roc_auc) $(json_figure pr_auc)"
expect_true "log-loss, Brier, ROC AUC and PR AUC as recomputed ($got vs $want $ap)" \
    "echo '$got $want $ap' | awk '{ for (i = 1; i <= 4; i++) { d = \$i - \$(i + 4); if (d > 1e-12 || d < -1e-12) exit 1 } }'"
expect_true "the log-loss of a multiclass model with the lin link is its mean loss" \
    "[ '$(json_figure log_loss)' = '$(json_figure mean_loss)' ]"
expect_true "a model of 10 classes has log-loss and Brier, no AUC" \
    "'$SMLOSS' eval -q -m '$T/lin.model' -d '$T/test.txt' | grep -q '^brier ' && ! '$SMLOSS' eval -q -m '$T/lin.model' -d '$T/test.txt' | grep -q auc"
expect_fail "predict --output-type probs of a multiclass-pointwise model is refused" 2 \
    'not calibrated probabilities; train with --objective multiclass' \
    "$SMLOSS" predict -m "$T/pw.model" -d "$T/test.txt" --output-type probs -o "$T/pw.probs"
expect_true "... leaving no output" "test ! -e '$T/pw.probs'"
expect_true "a multiclass-pointwise model has no probabilities to report" \
    "! '$SMLOSS' eval -q -m '$T/pw.model' -d '$T/test.txt' | grep -q -e log_loss -e brier"

finish
