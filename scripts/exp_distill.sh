#!/bin/sh
# exp_distill.sh - Experiment 4: distilling an MLP ranker into a linear scorer.
#
# A teacher, an MLP trained with the listwise objective on data/lightgbm-rank,
# scores every training and test row. A linear student learns those scores
# (the teacher's scores replace the labels): pointwise, with the square loss
# or a link that is steep where the teacher's scores are high (the top of the
# lists), and listwise with the teacher's soft target softmax(f(teacher)/T),
# with f = lin or a selective transform. Reported on the test queries: how
# well the student agrees with the teacher at the top of each list — the share
# of queries whose top row is the teacher's top row, the overlap of the top-5
# sets, and NDCG@5/10 with the teacher's scores as linear gains; the students
# are trained to the optimum (the teacher once, seed 1). Output:
# $RESULTS/distill/.
. "$(dirname "$0")/repro_lib.sh"

OUT=$RESULTS/distill
WORK=$OUT/work
DATA=$ROOT/data/lightgbm-rank
rm -rf "$OUT"
mkdir -p "$WORK"

if ! "$SMLOSS" train --help 2>&1 | grep -q 'mlp:'; then
    echo "exp_distill: this smloss has no MLP scorer: skipping experiment 4" >&2
    exit 0
fi

# The teacher and its scores, which become the student's labels.
train_model -q -d "$DATA/rank.train" -m "$WORK/teacher.model" --objective listwise \
    --scorer mlp:64,32 --epochs 40 --seed 1
for part in train test; do
    "$SMLOSS" predict -q -m "$WORK/teacher.model" -d "$DATA/rank.$part" -o "$WORK/teacher.$part.pred"
    awk 'NR == FNR { s[FNR] = $1; next } { $1 = s[FNR]; print }' \
        "$WORK/teacher.$part.pred" "$DATA/rank.$part" > "$WORK/student.$part"
    cp "$DATA/rank.$part.query" "$WORK/student.$part.query"
done
# The top decile of the teacher's training scores: where the selective links are steep.
top=$(sort -g "$WORK/teacher.train.pred" | awk '{ a[NR] = $1 } END { printf "%.3g", a[int(0.9 * NR)] }')
spread=$(sort -g "$WORK/teacher.train.pred" | awk '{ a[NR] = $1 } END { printf "%.3g", a[int(0.9 * NR)] - a[int(0.1 * NR)] }')
# A sigmoid window about a quarter of the spread wide; a gentler exp (its slope
# grows by e^2 across the spread).
a=$(awk -v s="$spread" 'BEGIN { printf "%.3g", 8 / s }')
b=$(awk -v s="$spread" 'BEGIN { printf "%.3g", 2 / s }')

# objective|link, as the student is trained.
STUDENTS="pointwise|lin
pointwise|lin:w=0.1+sigmoid:a=$a,c=$top
pointwise|lin:w=0.1+exp:a=$b,c=$top
listwise|lin
listwise|lin:w=0.1+sigmoid:a=$a,c=$top"

: > "$WORK/raw"
echo "$STUDENTS" | while IFS='|' read -r objective loss; do
    train_model -q -d "$WORK/student.train" -m "$WORK/student.model" --objective "$objective" \
        --loss "$loss" --l2 1e-3 || continue
    "$SMLOSS" predict -q -m "$WORK/student.model" -d "$WORK/student.test" -o "$WORK/student.pred"
    # Agreement at the top, query by query (group sizes from the .query file).
    paste "$WORK/teacher.test.pred" "$WORK/student.pred" | awk -v sizes="$WORK/student.test.query" \
        -v key="linear|$objective|$loss" '
        function flush(   i, j, t, s, tb, sb, k, hit) {
            if (n == 0) return
            tb = 1; sb = 1
            for (i = 2; i <= n; i++) { if (T[i] > T[tb]) tb = i; if (S[i] > S[sb] || (S[i] == S[sb] && T[i] < T[sb])) sb = i }
            top1 += (T[sb] == T[tb]); queries++
            k = n < 5 ? n : 5; hit = 0
            for (i = 1; i <= n; i++) { rt = 0; rs = 0
                for (j = 1; j <= n; j++) { rt += (T[j] > T[i]); rs += (S[j] > S[i] || (S[j] == S[i] && T[j] < T[i])) }
                hit += (rt < k && rs < k) }
            overlap += hit / k; n = 0 }
        BEGIN { while ((getline g < sizes) > 0) size[++ng] = g; q = 1 }
        { T[++n] = $1; S[n] = $2; if (n == size[q]) { flush(); q++ } }
        END { flush(); print key "|top1", top1 / queries; print key "|top5_overlap", overlap / queries }' \
        >> "$WORK/raw"
    "$SMLOSS" eval -q -d "$WORK/student.test" -p "$WORK/student.pred" --metric-gain linear \
        --cutoffs 5,10 --format tsv > "$WORK/report"
    awk -F'\t' -v key="linear|$objective|$loss" '$1 == "ranking" && $3 == "value" && ($2 == "ndcg@5" || $2 == "ndcg@10") { print key "|" $2, $4 }' \
        "$WORK/report" >> "$WORK/raw"
done
mean_std < "$WORK/raw" | tr '|' ' ' | tr ' ' '\t' > "$OUT/distill.tsv"

STATS="top1 top5_overlap ndcg@5 ndcg@10"
HEADS="top-1_agreement top-5_overlap NDCG@5 NDCG@10"
{
    echo "# Experiment 4: distillation"
    echo
    echo "Teacher: \`--scorer mlp:64,32 --objective listwise\`, 40 epochs, seed 1, on data/lightgbm-rank."
    echo "Student: a linear scorer trained on the teacher's scores to the optimum (\`--l2 1e-3\`, without"
    echo "which the objective is too flat for L-BFGS to converge in its 1000 iterations; default options)."
    echo "Selective links are steep at the teacher's top decile, c = $top (sigmoid: a = 8 / the 10-90%"
    echo "spread of the teacher's scores = $a; exp: a = 2 / spread = $b). Agreement with the teacher on the test queries; NDCG uses the"
    echo "teacher's scores as linear gains. Generated by \`scripts/exp_distill.sh\`."
    echo
    md_metric_table "$OUT/distill.tsv" linear "$STATS" "$HEADS" "objective, link"
    refused_runs linear
} > "$OUT/distill.md"
{
    echo "**Distillation** (a linear student of an MLP ranker; agreement with the teacher on test queries):"
    echo
    md_metric_table "$OUT/distill.tsv" linear "$STATS" "$HEADS" "objective, link"
    refused_runs linear
} > "$OUT/headline.md"
rm -f "$WORK"/*.model
echo "experiment 4 (distillation): $OUT/distill.md"
