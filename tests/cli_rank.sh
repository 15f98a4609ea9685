#!/bin/sh
# cli_rank.sh - ranking end to end on the bundled LightGBM data: group files
# (explicit and found beside the data), the same data with inline qids, the
# error paths, the ranking report in every format, --per-query, and early
# stopping restoring the best epoch.
. "$(dirname "$0")/lib.sh"
R=$DATA/lightgbm-rank
cp "$R/rank.train" "$R/rank.train.query" "$R/rank.test" "$R/rank.test.query" "$T/"
cp "$R/rank.train" "$T/nogroups.train"
# The qid form of the same data: query g's rows get qid:g.
qidify() { awk 'NR == FNR { for (i = 0; i < $1; i++) q[++n] = FNR; next }
                { $1 = $1 " qid:" q[FNR]; print }' "$1.query" "$1"; }
qidify "$T/rank.train" > "$T/qid.train"
qidify "$T/rank.test" > "$T/qid.test"
weights() { sed -n '/^bias=/,$p' "$1"; }

# --- groups: found beside the data, explicit, or inline qid ---
expect_ok "listwise with DATA.query beside" "$SMLOSS" train -d "$T/rank.train" -m "$T/a.model" --objective listwise --l2 1e-3
expect_true "says which group file it used" "grep -q 'using the query groups in .*rank.train.query' '$T/err'"
expect_ok "listwise quiet" "$SMLOSS" train -q -d "$T/rank.train" -m "$T/a2.model" --objective listwise --l2 1e-3
expect_true "-q silences the group message" "[ ! -s '$T/err' ]"
expect_ok "listwise with --group" "$SMLOSS" train -q -d "$T/nogroups.train" --group "$R/rank.train.query" -m "$T/b.model" --objective listwise --l2 1e-3
expect_true "explicit group file trains the same weights" "weights '$T/a.model' > '$T/wa'; weights '$T/b.model' > '$T/wb'; cmp -s '$T/wa' '$T/wb'"
expect_ok "listwise on qid data" "$SMLOSS" train -q -d "$T/qid.train" -m "$T/c.model" --objective listwise --l2 1e-3
expect_true "qid data trains the same weights" "weights '$T/c.model' > '$T/wc'; cmp -s '$T/wa' '$T/wc'"
expect_true "model records objective, temperature, target" \
    "grep -qx 'objective=listwise' '$T/a.model' && grep -qx 'temperature=1' '$T/a.model' && grep -qx 'target=matched' '$T/a.model'"
expect_ok "listwise by sgd" "$SMLOSS" train -q -d "$T/rank.train" -m "$T/sgd.model" --objective listwise --epochs 1
expect_true "ranking batch is one query" "grep -qx 'batch=1' '$T/sgd.model'"
expect_ok "pairwise soft, T=0.5" "$SMLOSS" train -q -d "$T/rank.train" -m "$T/p.model" --objective pairwise --target soft --temperature 0.5 --loss lin+sigmoid:a=3,c=2.5 --l2 1e-3
expect_true "model records the soft target and T" "grep -qx 'target=soft' '$T/p.model' && grep -qx 'temperature=0.5' '$T/p.model'"
expect_ok "pairwise sampled" "$SMLOSS" train -q -d "$T/rank.train" -m "$T/s1.model" --objective pairwise --max-pairs 8 --solver sgd
expect_ok "pairwise sampled again" "$SMLOSS" train -q -d "$T/rank.train" -m "$T/s2.model" --objective pairwise --max-pairs 8 --solver sgd
expect_true "sampled pairs are seeded: same model" "cmp -s '$T/s1.model' '$T/s2.model' && grep -qx 'max_pairs=8' '$T/s1.model'"
expect_ok "listwise gain target" "$SMLOSS" train -q -d "$T/rank.train" -m "$T/g.model" --objective listwise --target gain --l2 1e-3

# --- errors ---
expect_fail "ranking without groups" 3 "needs query groups: add qid:N to every row, or give a group file" \
    "$SMLOSS" train -q -d "$T/nogroups.train" -m "$T/x.model" --objective pairwise
head -n 10 "$R/rank.train.query" > "$T/short.query"
expect_fail "group counts not summing to the rows" 3 "short.query: the group sizes sum to [0-9]+ but .* has 3005 rows" \
    "$SMLOSS" train -q -d "$T/nogroups.train" --group "$T/short.query" -m "$T/x.model" --objective listwise
printf '3\n0\n' > "$T/zero.query"
expect_fail "empty group" 3 "zero.query:2:1: group size must be a positive integer" \
    "$SMLOSS" train -q -d "$T/nogroups.train" --group "$T/zero.query" -m "$T/x.model" --objective listwise
printf '1 qid:7 1:1\n0 qid:7 1:2\n2 qid:8 1:1\n1 qid:7 1:3\n' > "$T/reappear.txt"
expect_fail "qid reappearing names both lines" 3 "reappear.txt:4:3: qid 7 reappears.*first seen at line 1" \
    "$SMLOSS" train -q -d "$T/reappear.txt" -m "$T/x.model" --objective listwise
expect_fail "group file for qid data" 2 "has qid: on its rows" \
    "$SMLOSS" train -q -d "$T/qid.train" --group "$R/rank.train.query" -m "$T/x.model" --objective listwise
expect_fail "gain target is listwise only" 2 "pairwise objective takes --target hard or soft" \
    "$SMLOSS" train -q -d "$T/rank.train" -m "$T/x.model" --objective pairwise --target gain
expect_fail "target for pointwise" 2 "--target applies to the pairwise, listwise" \
    "$SMLOSS" train -q -d "$T/rank.train" -m "$T/x.model" --target hard
expect_fail "max-pairs is pairwise only" 2 "--max-pairs applies to the pairwise objective only" \
    "$SMLOSS" train -q -d "$T/rank.train" -m "$T/x.model" --objective listwise --max-pairs 4
expect_fail "temperature 0" 2 "--temperature 0 is out of range" \
    "$SMLOSS" train -q -d "$T/rank.train" -m "$T/x.model" --objective listwise --temperature 0
expect_fail "bad metric" 2 "unknown metric 'auc'" \
    "$SMLOSS" train -q -d "$T/rank.train" -m "$T/x.model" --valid "$T/rank.test" --metric auc
expect_fail "metric without --valid" 2 "need validation data" \
    "$SMLOSS" train -q -d "$T/rank.train" -m "$T/x.model" --metric ndcg@10
expect_true "failed runs write no model" "[ ! -e '$T/x.model' ]"

# --- eval: ranking report ---
expect_ok "eval grouped data" "$SMLOSS" eval -q -d "$T/rank.test" -m "$T/a.model"
for m in ndcg@1 ndcg@3 ndcg@5 ndcg@10 err@10 map mrr; do
    expect_true "text report has $m" "grep -q '^$m ' '$T/out'"
done
expect_true "text report states the conventions" \
    "grep -q 'ties: equal scores are ordered pessimistically' '$T/out' && grep -q 'relevant when y > 0' '$T/out' && grep -q 'counts as 1' '$T/out'"
expect_true "region-pair table: 10 pairs of 5 regions and all" \
    "[ \$(sed -n '/^pairwise ordering accuracy/,\$p' '$T/out' | grep -c '^\\[\\|^(\\|^all') -eq 11 ]"
expect_ok "eval json" "$SMLOSS" eval -q -d "$T/rank.test" -m "$T/a.model" --format json
# A JSON check in sh (make check-peers parses it with python): brackets
# balanced outside strings, no bare nan/inf, the ranking keys.
expect_true "json is balanced and has the ranking" \
    "awk '{ gsub(/\"[^\"]*\"/, \"\"); o += gsub(/[{[]/, \"&\"); c += gsub(/[]}]/, \"&\") } END { exit !(o == c && o > 0) }' '$T/out' && ! sed 's/\"[^\"]*\"//g' '$T/out' | grep -Eqi 'nan|inf' && grep -q '\"ndcg@10\": 0\\.' '$T/out' && grep -q '\"region_pairs\"' '$T/out'"
if [ -x /usr/bin/python3 ]; then
    expect_true "json parses (python3 -m json.tool)" "/usr/bin/python3 -m json.tool '$T/out' > /dev/null"
else
    skip "/usr/bin/python3 not found: json checked by the sh test only"
fi
expect_ok "eval tsv" "$SMLOSS" eval -q -d "$T/rank.test" -m "$T/a.model" --format tsv
expect_true "tsv metric rows" "awk -F'\t' '\$1 == \"ranking\" && \$2 == \"map\" && \$3 == \"queries\" && \$4 == 50 { ok = 1 } END { exit !ok }' '$T/out'"
expect_ok "eval qid data, per query" "$SMLOSS" eval -q -d "$T/qid.test" -m "$T/a.model" --format tsv --per-query "$T/pq.tsv"
expect_true "qid data gives the same metrics" "grep '^ranking	ndcg@10	value' '$T/out' > '$T/n1'; '$SMLOSS' eval -q -d '$T/rank.test' -m '$T/a.model' --format tsv | grep '^ranking	ndcg@10	value' | cmp -s - '$T/n1'"
expect_true "per-query file: header and 50 queries keyed by qid" \
    "[ \$(wc -l < '$T/pq.tsv') -eq 51 ] && head -n 1 '$T/pq.tsv' | grep -q '^qid	rows	ndcg@1' && sed -n 2p '$T/pq.tsv' | grep -q '^1	12	'"
expect_true "per-query mean is the reported mean" \
    "m=\$(awk -F'\t' 'NR > 1 { s += \$6 } END { printf \"%.12f\", s / (NR - 1) }' '$T/pq.tsv'); awk -F'\t' -v m=\$m '{ d = \$4 - m; exit !(d < 5.1e-7 && d > -5.1e-7) }' '$T/n1'"
expect_ok "eval options" "$SMLOSS" eval -q -d "$T/rank.test" -m "$T/a.model" --cutoffs 2,7 --metric-gain linear --relevance-threshold 2 --no-relevant skip
expect_true "options show in the report" \
    "grep -q '^ndcg@7 ' '$T/out' && grep -q 'gain y (linear)' '$T/out' && grep -q 'relevant when y > 2' '$T/out' && grep -q 'is skipped' '$T/out'"
expect_ok "every query skipped: undefined means" "$SMLOSS" eval -q -d "$T/rank.test" -m "$T/a.model" --relevance-threshold 10 --no-relevant skip --format json
expect_true "undefined means are null in json" "grep -q '\"map\": null, \"mrr\": null' '$T/out' && grep -q '\"relevant_queries\": 0' '$T/out'"
expect_ok "... NaN in tsv" "$SMLOSS" eval -q -d "$T/rank.test" -m "$T/a.model" --relevance-threshold 10 --no-relevant skip --format tsv
expect_true "undefined means are NaN in tsv" "grep -q '^ranking	map	value	NaN$' '$T/out'"
expect_fail "bad cutoffs" 2 "--cutoffs: cutoff '0'" "$SMLOSS" eval -q -d "$T/rank.test" -m "$T/a.model" --cutoffs 0,3
expect_fail "repeated cutoff" 2 "--cutoffs: cutoff 3 is given twice" "$SMLOSS" eval -q -d "$T/rank.test" -m "$T/a.model" --cutoffs 3,5,3
expect_fail "per-query without groups" 2 "has no query groups" "$SMLOSS" eval -q -d "$T/nogroups.train" -m "$T/a.model" --per-query "$T/x.tsv"
expect_ok "eval without groups has no ranking part" "$SMLOSS" eval -q -d "$T/nogroups.train" -m "$T/a.model"
expect_true "no ranking section" "! grep -q 'ranking metrics' '$T/out'"

# --- early stopping keeps the best epoch ---
expect_ok "early stopping" "$SMLOSS" train -d "$T/rank.train" --valid "$T/rank.test" -m "$T/es.model" \
    --objective listwise --lr 3 --lr-schedule constant --epochs 40 --metric ndcg@10 --patience 4
best=$(sed -n 's/^best_epoch=//p' "$T/es.model")
ran=$(sed -n 's/^epochs_run=//p' "$T/es.model")
expect_true "model records metric, best epoch and score" \
    "grep -qx 'stop_metric=ndcg@10' '$T/es.model' && [ -n '$best' ] && grep -q '^best_score=0\\.' '$T/es.model'"
expect_true "stopped patience epochs after the best" "[ '$ran' -eq \$(($best + 4)) ] || [ '$ran' -eq 40 ]"
expect_true "the epoch table shows the metric" "grep -q 'ndcg@10' '$T/err'"
expect_true "best score is the best epoch's ndcg@10 in the table" \
    "awk -v b='$best' '\$1 == b { print \$5 }' '$T/err' > '$T/bs'; sed -n 's/^best_score=//p' '$T/es.model' | awk '{ printf \"%.8g\\n\", \$1 }' | cmp -s - '$T/bs'"
expect_ok "train exactly the best epoch's number of epochs" "$SMLOSS" train -q -d "$T/rank.train" -m "$T/best.model" \
    --objective listwise --lr 3 --lr-schedule constant --epochs "$best"
expect_true "early stopping kept the best epoch's weights" "weights '$T/es.model' > '$T/w1'; weights '$T/best.model' > '$T/w2'; cmp -s '$T/w1' '$T/w2'"
"$SMLOSS" predict -m "$T/es.model" -d "$T/rank.test" -o "$T/es.pred"
"$SMLOSS" predict -m "$T/best.model" -d "$T/rank.test" -o "$T/best.pred"
expect_true "and predicts what the best epoch predicts" "cmp -s '$T/es.pred' '$T/best.pred'"
expect_ok "early stopping on the objective" "$SMLOSS" train -q -d "$T/rank.train" --valid "$T/rank.test" -m "$T/eo.model" --objective pairwise --patience 2 --epochs 5
expect_true "objective is the default metric" "grep -qx 'stop_metric=objective' '$T/eo.model'"

finish
