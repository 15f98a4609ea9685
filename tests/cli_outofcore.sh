#!/bin/sh
# cli_outofcore.sh - data larger than the memory budget: a cache of tens of
# MB under --memory 4M is streamed, and says so; the peak anonymous memory
# (sampled from /proc) stays under the budget while the in-memory run's does
# not; L-BFGS gives the in-memory model's bytes; SGD is deterministic for any
# --threads and near the in-memory objective (pointwise, listwise,
# multi-class, weights, --valid; a multi-class run also holds its rows' K
# targets and scores); predict and eval stream too; a cache
# truncated during an epoch ends the run with status 3 (a read that comes
# short, not a SIGBUS) and the previous model intact; bad --memory values
# are usage errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../scripts/peak_anon.sh"
if ! grep -q '^RssAnon:' /proc/self/status 2>/dev/null; then
    skip "needs RssAnon in /proc/PID/status (Linux >= 4.5)"
    finish
    exit
fi
R=$DATA/lightgbm-rank/rank
# eight copies of the LETOR sample (a 18 MB cache) and of its queries
for i in 1 2 3 4 5 6 7 8; do cat "$R.train"; done > "$T/r.txt"
for i in 1 2 3 4 5 6 7 8; do cat "$R.train.query"; done > "$T/r.txt.query"
awk '{ print 1 + NR % 3 }' "$T/r.txt" > "$T/r.w"
# a query's rows share its weight (ranking): the weight of the query's number
awk 'NR == FNR { for (i = 0; i < $1; i++) print 1 + FNR % 3; next }' "$T/r.txt.query" > "$T/rq.w"
for i in $(seq 30); do
    cat "$DATA/sklearn-digits/digits.libsvm"; done > "$T/d.txt"
BUDGET_KB=4096
# A sanitizer's shadow memory and quarantine are anonymous memory of their
# own: where --version cannot run in 300 MB of address space (ASan), the
# budget is not asserted (the rest is).
if (ulimit -v 300000 && "$SMLOSS" --version) >/dev/null 2>&1; then
    under_budget() { [ "$(cat "$T/peak")" -lt "$1" ]; }
    over_budget() { [ "$1" -gt "$BUDGET_KB" ]; }
else
    skip "no assertion on the peak anonymous memory: '$SMLOSS --version' does not run under ulimit -v 300000"
    under_budget() { true; }
    over_budget() { true; }
fi
last_objective() { awk '$1 ~ /^[0-9]+$/ { v = $2 } END { print v }' "$1"; }
# |a / b - 1| <= tol
close_to() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a / b - 1; exit !(d <= t && -d <= t) }'; }
# Run CMD... as expect_ok does, sampling its RssAnon (kB) every 10 ms into
# $T/peak: the anonymous memory, without the cache's pages.
sampled() {
    name=$1; shift
    "$@" >"$T/out" 2>"$T/err" &
    if peak_anon $! > "$T/peak"; then pass; else fail "$name" "exit $? from: $*" "stderr: $(head -c 600 "$T/err")"; fi
}

# --- the caches, and the budget's messages ---
expect_ok "writing the caches" "$SMLOSS" train -q -d "$T/r.txt" --cache "$T/r.cache" -m "$T/x.model" --max-iter 1
expect_ok "digits' cache" "$SMLOSS" train -q -d "$T/d.txt" --cache "$T/d.cache" -m "$T/x.model" \
    --objective multiclass --l2 1e-3 --max-iter 1
expect_true "the caches are tens of MB" "[ \$(wc -c < '$T/r.cache') -gt 15000000 ] && [ \$(wc -c < '$T/d.cache') -gt 10000000 ]"
expect_ok "text over the budget" "$SMLOSS" train -d "$T/r.txt" -m "$T/x.model" --max-iter 1 --memory 4M
expect_true "is held in memory, with a warning pointing at --cache" \
    "grep -q 'warning: .*r.txt holds .* MB in memory, over the memory budget of 4 MB (--memory): with --cache FILE the next runs stream it' '$T/err'"
expect_ok "a cache within the budget" "$SMLOSS" train -d "$T/r.txt" --cache "$T/r.cache" -m "$T/x.model" --max-iter 1 --memory 1G
expect_true "is not streamed" "! grep -q 'streaming' '$T/err'"

# --- L-BFGS: streamed in the budget, the in-memory model's bytes ---
sampled "L-BFGS in memory" "$SMLOSS" train -d "$T/r.txt" --cache "$T/r.cache" -m "$T/lm.model" --max-iter 8
mem_peak=$(cat "$T/peak")
sampled "L-BFGS streamed" "$SMLOSS" train -d "$T/r.txt" --cache "$T/r.cache" -m "$T/ls.model" --max-iter 8 --memory 4M
expect_true "streaming said, with the sizes and the budget's source" \
    "grep -q 'streaming .*r.txt from the cache .*r.cache: the cache.s 17.* MB exceed the memory budget of 4 MB (--memory)' '$T/err'"
expect_true "the streamed peak anonymous memory is under the budget" under_budget $BUDGET_KB
expect_true "and the in-memory run's is not (the transposed copy)" over_budget "$mem_peak"
expect_true "the same model bytes" cmp -s "$T/lm.model" "$T/ls.model"
expect_ok "listwise L-BFGS streamed" "$SMLOSS" train -q -d "$T/r.txt" --cache "$T/r.cache" -m "$T/lls.model" \
    --objective listwise --l2 1e-3 --max-iter 5 --memory 4M
expect_ok "in memory" "$SMLOSS" train -q -d "$T/r.txt" --cache "$T/r.cache" -m "$T/llm.model" \
    --objective listwise --l2 1e-3 --max-iter 5
expect_true "the same model bytes (listwise)" cmp -s "$T/llm.model" "$T/lls.model"

# --- SGD: blocks and a bounded shuffle ---
sgd() { # NAME MODEL THREADS MEMORY OPTIONS...
    n=$1 m=$2 th=$3 mem=$4; shift 4
    sampled "$n" "$SMLOSS" train -d "$T/r.txt" --cache "$T/r.cache" -m "$T/$m" --solver sgd \
        --threads "$th" $mem "$@"
}
sgd "SGD pointwise in memory" pm.model 1 "" --epochs 3
pm=$(last_objective "$T/err")
sgd "SGD pointwise streamed, 1 thread" ps1.model 1 "--memory 4M" --epochs 3
expect_true "streamed peak under the budget (SGD)" under_budget $BUDGET_KB
ps=$(last_objective "$T/err")
sgd "SGD pointwise streamed, 2 threads" ps2.model 2 "--memory 4M" --epochs 3
expect_true "deterministic for any --threads" cmp -s "$T/ps1.model" "$T/ps2.model"
expect_true "another order than in memory" "! cmp -s '$T/pm.model' '$T/ps1.model'"
expect_true "objective within 2% of the in-memory run's" close_to "$ps" "$pm" 0.02
sgd "SGD streamed with another budget" ps8.model 1 "--memory 8M" --epochs 3
expect_true "the blocks follow the budget" "! cmp -s '$T/ps1.model' '$T/ps8.model'"

sgd "SGD listwise in memory" lm.model 1 "" --objective listwise --epochs 3
lm=$(last_objective "$T/err")
sgd "SGD listwise streamed" ls1.model 1 "--memory 4M" --objective listwise --epochs 3
ls=$(last_objective "$T/err")
sgd "SGD listwise streamed, 2 threads" ls2.model 2 "--memory 4M" --objective listwise --epochs 3
expect_true "listwise deterministic" cmp -s "$T/ls1.model" "$T/ls2.model"
expect_true "listwise objective within 2%" close_to "$ls" "$lm" 0.02

sgd "weighted, valid, in memory" wm.model 1 "" --weights "$T/r.w" --valid "$R.test" --epochs 2
wm=$(last_objective "$T/err")
sgd "weighted, valid, streamed" ws.model 1 "--memory 4M" --weights "$T/r.w" --valid "$R.test" --epochs 2
# the budget streams the training data; what is held besides: the weights
# and labels (8 bytes a row each) and the validation data, parsed into
# memory (16 bytes a row, 8 a nonzero)
held_kb=$(awk -v rows="$(wc -l < "$T/r.txt")" '{ nnz += NF - 1 } END {
    print int((16 * rows + 16 * NR + 8 * nnz) / 1024) }' "$R.test")
expect_true "with weights and --valid: streamed, under the budget and what is held besides" \
    "grep -q streaming '$T/err' && under_budget $((BUDGET_KB + held_kb))"
expect_true "weighted objective within 2%" close_to "$(last_objective "$T/err")" "$wm" 0.02
expect_true "the validation column is filled" "awk '\$1 == 2 && \$3 != \"-\" { ok = 1 } END { exit !ok }' '$T/err'"
sgd "query weights, listwise, streamed" wls.model 1 "--memory 4M" --weights "$T/rq.w" \
    --objective listwise --epochs 1

# --- multi-class ---
sampled "multiclass in memory" "$SMLOSS" train -d "$T/d.txt" --cache "$T/d.cache" -m "$T/dm.model" \
    --objective multiclass --solver sgd --epochs 2
dm=$(last_objective "$T/err")
sampled "multiclass streamed" "$SMLOSS" train -d "$T/d.txt" --cache "$T/d.cache" -m "$T/ds.model" \
    --objective multiclass --solver sgd --epochs 2 --memory 4M
# the rows' K targets and K scores stay in memory (16 bytes a row and
# class), and their labels (8 bytes a row)
rows_kb=$(($(wc -l < "$T/d.txt") * (10 * 16 + 8) / 1024))
expect_true "multiclass streamed under the budget plus the rows' targets and scores" \
    "grep -q streaming '$T/err' && under_budget $((BUDGET_KB + rows_kb))"
expect_true "multiclass objective within 5%" close_to "$(last_objective "$T/err")" "$dm" 0.05
expect_ok "multiclass L-BFGS streamed" "$SMLOSS" train -q -d "$T/d.txt" --cache "$T/d.cache" \
    -m "$T/dls.model" --objective multiclass --l2 1e-3 --max-iter 4 --memory 4M
expect_ok "in memory" "$SMLOSS" train -q -d "$T/d.txt" --cache "$T/d.cache" \
    -m "$T/dlm.model" --objective multiclass --l2 1e-3 --max-iter 4
expect_true "the same model bytes (multiclass)" cmp -s "$T/dlm.model" "$T/dls.model"

# --- predict and eval read the cache in the budget ---
expect_ok "predict in memory" "$SMLOSS" predict -q -m "$T/lm.model" -d "$T/r.txt" --cache "$T/r.cache" -o "$T/pm.txt"
sampled "predict streamed" "$SMLOSS" predict -m "$T/lm.model" -d "$T/r.txt" --cache "$T/r.cache" -o "$T/ps.txt" --memory 4M
expect_true "predict says it streams, same scores, under the budget" \
    "grep -q streaming '$T/err' && cmp -s '$T/pm.txt' '$T/ps.txt' && under_budget $BUDGET_KB"
expect_ok "eval in memory" "$SMLOSS" eval -q -m "$T/lm.model" -d "$T/r.txt" --cache "$T/r.cache" -o "$T/em.txt"
expect_ok "eval streamed" "$SMLOSS" eval -q -m "$T/lm.model" -d "$T/r.txt" --cache "$T/r.cache" -o "$T/es.txt" --memory 4M
expect_true "eval: the same report" cmp -s "$T/em.txt" "$T/es.txt"

# --- a cache truncated during an epoch ---
cp "$T/r.cache" "$T/t.cache"
echo "the previous model" > "$T/t.model"
rm -f "$T/err" # (the loop below must not read the last command's)
"$SMLOSS" train -d "$T/r.txt" --cache "$T/t.cache" -m "$T/t.model" --solver sgd --epochs 1000 \
    --memory 4M >"$T/out" 2>"$T/err" &
pid=$!
# truncate once the first epoch's line is out (the run is in an epoch)
i=0
while [ $i -lt 500 ] && ! grep -q '^ *1 ' "$T/err" && kill -0 "$pid" 2>/dev/null; do sleep 0.02; i=$((i + 1)); done
truncate -s 1000000 "$T/t.cache"
wait "$pid"
rc=$?
expect_true "a truncated cache ends the run with status 3" "[ $rc -eq 3 ]"
# found by a read that comes short (the epochs read with pread), not by a
# page fault's SIGBUS (whose handler says 'no output written')
expect_true "an error naming the data, from the reading" \
    "grep -q 'r.txt: the cache was truncated or changed while it was read (at byte [0-9]* of [0-9]*); stopped' '$T/err' && ! grep -q 'no output written' '$T/err'"
expect_true "the previous model intact" "[ \"\$(cat '$T/t.model')\" = 'the previous model' ]"
expect_true "no temporary file left" "[ \$(ls '$T' | grep -c '^t.model.') -eq 0 ]"

# --- bad values ---
expect_fail "--memory below 1M" 2 'memory takes a size of at least 1M' "$SMLOSS" train -d "$T/r.txt" -m "$T/x.model" --memory 100K
expect_fail "--memory not a size" 2 "not '4X'" "$SMLOSS" predict -m "$T/lm.model" -d "$T/r.txt" --memory 4X
expect_fail "--memory empty" 2 "not ''" "$SMLOSS" eval -m "$T/lm.model" -d "$T/r.txt" --memory ''
finish
