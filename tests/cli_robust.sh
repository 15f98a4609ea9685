#!/bin/sh
# cli_robust.sh - mistakes that used to pass in silence: gzip input with
# bytes after its end, outputs that name an input, outputs checked only at
# the end of a run, links flat over the labels, default learning rates that
# diverge, stale group files beside the data, empty validation data.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
no_temp_files() { [ -z "$(find "$T" -name '*.tmp.*' | head -n 1)" ]; }

# --- gzip: members are read in turn, trailing bytes are an error ---
head -n 200 "$H" > "$T/a.txt"
tail -n +201 "$H" > "$T/b.txt"
gzip -c "$T/a.txt" > "$T/a.gz"
gzip -c "$T/b.txt" > "$T/b.gz"
cat "$T/a.gz" "$T/b.gz" > "$T/ab.gz"
expect_ok "concatenated gzip members train" "$SMLOSS" train -q -d "$T/ab.gz" -m "$T/ab.model" --epochs 2
expect_ok "the plain file trains" "$SMLOSS" train -q -d "$H" -m "$T/plain.model" --epochs 2
expect_true "every member's rows are read" "grep -q '^train_rows=506$' '$T/ab.model'"
expect_true "the same model as from the plain text" \
    "[ \$(diff '$T/ab.model' '$T/plain.model' | grep -c '^[<>]') -eq 2 ]"
n=$(wc -c < "$T/ab.gz" | tr -d ' ')
{ cat "$T/ab.gz"; echo "1 1:1"; } > "$T/trail.gz"
expect_fail "text after the gzip stream is an error at its offset" 3 \
    "trail.gz: data after the end of the gzip stream at byte offset $n that is not another gzip member" \
    "$SMLOSS" train -q -d "$T/trail.gz" -m "$T/t.model"
expect_true "...and no model" "[ ! -e '$T/t.model' ]"
expect_fail "on standard input too" 3 "<stdin>: data after the end of the gzip stream at byte offset $n" \
    sh -c "'$SMLOSS' predict -m '$T/plain.model' -d - < '$T/trail.gz'"
# zero padding to the end (tar's 10240-byte blocks) is skipped, as gzip -d does
{ cat "$T/a.gz"; head -c 10240 /dev/zero; } > "$T/zeros.gz"
expect_ok "zero padding after the gzip stream is skipped" \
    "$SMLOSS" predict -m "$T/plain.model" -d "$T/zeros.gz" -o "$T/zeros.pred"
expect_ok "...predicting as the plain text does" \
    "$SMLOSS" predict -m "$T/plain.model" -d "$T/a.txt" -o "$T/a.pred"
expect_true "...the same predictions" "cmp -s '$T/zeros.pred' '$T/a.pred'"
expect_ok "zero padding on standard input" \
    sh -c "'$SMLOSS' predict -m '$T/plain.model' -d - < '$T/zeros.gz' > '$T/zeros-stdin.pred'"
expect_true "...the same predictions" "cmp -s '$T/zeros-stdin.pred' '$T/a.pred'"
n=$(wc -c < "$T/a.gz" | tr -d ' ')
{ cat "$T/a.gz"; printf '\0\0\0\0x'; } > "$T/zeros-x.gz"
expect_fail "zero bytes then others after the gzip stream: an error" 3 \
    "zeros-x.gz: data after the end of the gzip stream at byte offset $n that is not another gzip member" \
    "$SMLOSS" predict -m "$T/plain.model" -d "$T/zeros-x.gz"
head -c 300 "$T/a.gz" > "$T/cut.gz"
expect_fail "a truncated member is still corrupt" 3 "cut.gz: corrupt gzip data: unexpected end of file" \
    "$SMLOSS" predict -m "$T/plain.model" -d "$T/cut.gz"

# --- an output that names an input is refused before any work ---
cp "$H" "$T/d.txt"
cp "$T/plain.model" "$T/m.model"
cp "$T/d.txt" "$T/d.keep"
cp "$T/m.model" "$T/m.keep"
mkdir -p "$T/sub"
ln -s ../d.txt "$T/sub/link"
refused() { # refused NAME REGEX ARGS...: status 2, the message, no file changed
    name=$1; regex=$2; shift 2
    expect_fail "$name" 2 "$regex" "$SMLOSS" "$@"
    expect_true "...and the inputs are intact ($name)" \
        "cmp -s '$T/d.txt' '$T/d.keep' && cmp -s '$T/m.model' '$T/m.keep'"
}
refused "train -d X -m X" "train: --model '.*d.txt' is the same file as --data '.*d.txt': it would be overwritten" \
    train -q -d "$T/d.txt" -m "$T/d.txt"
refused "through a symlink" "--model '.*sub/link' is the same file as --data" \
    train -q -d "$T/d.txt" -m "$T/sub/link"
refused "through another spelling" "--model '.*sub/../d.txt' is the same file as --data" \
    train -q -d "$T/d.txt" -m "$T/sub/../d.txt"
refused "train --predictions DATA" "--predictions '.*' is the same file as --data" \
    train -q -d "$T/d.txt" -m "$T/new.model" --predictions "$T/d.txt"
refused "train --valid V -m V" "--model '.*' is the same file as --valid" \
    train -q -d "$H" -m "$T/d.txt" --valid "$T/d.txt"
refused "eval -o DATA" "eval: --output '.*' is the same file as --data" \
    eval -d "$T/d.txt" -m "$T/m.model" -o "$T/d.txt"
refused "eval --per-query MODEL" "eval: --per-query '.*' is the same file as --model" \
    eval -d "$DATA/lightgbm-rank/rank.test" -m "$T/m.model" --per-query "$T/m.model"
refused "eval -p P -o P" "eval: --output '.*' is the same file as --predictions" \
    eval -d "$T/d.txt" -p "$T/m.model" -o "$T/m.model"
refused "predict -o MODEL" "predict: --output '.*m.model' is the same file as --model" \
    predict -d "$T/d.txt" -m "$T/m.model" -o "$T/m.model"
expect_fail "predict -o the file on standard input" 2 "--data '-' \(standard input\)" \
    sh -c "'$SMLOSS' predict -m '$T/m.model' -d - -o '$T/d.txt' < '$T/d.txt'"
rm -f "$T/new.model" "$T/new.pred"
refused "--cache at the model path (neither there yet)" \
    "train: --model '.*new.model' and --cache '.*new.model' are the same file" \
    train -q -d "$H" -m "$T/new.model" --cache "$T/new.model"
refused "two outputs, two spellings" "--model '.*new.model' and --predictions '.*sub/../new.model' are the same file" \
    train -q -d "$H" -m "$T/new.model" --predictions "$T/sub/../new.model"
expect_true "...and nothing written" "[ ! -e '$T/new.model' ] && no_temp_files"
expect_ok "devices and standard output are outputs" sh -c \
    "'$SMLOSS' predict -m '$T/m.model' -d '$T/d.txt' -o /dev/null &&
     '$SMLOSS' predict -m '$T/m.model' -d '$T/d.txt' -o /dev/stdout > '$T/p1' &&
     '$SMLOSS' predict -m '$T/m.model' -d '$T/d.txt' -o - > '$T/p2' &&
     '$SMLOSS' eval -m '$T/m.model' -d /dev/stdin -o /dev/stdout < '$T/d.txt' > /dev/null"
expect_true "/dev/stdout redirected to a file is written there" \
    "cmp -s '$T/p1' '$T/p2' && [ \$(wc -l < '$T/p1') -eq 506 ]"

# --- outputs are opened before the work: a bad directory fails at once ---
printf '1 1:x\n' > "$T/bad.txt"
expect_fail "train -m into a missing directory: status 4 before the data is read" 4 \
    "$T/nodir/m.model: cannot create a file in its directory $T/nodir: " \
    "$SMLOSS" train -d "$T/bad.txt" -m "$T/nodir/m.model"
expect_fail "...and --predictions" 4 "nodir/p: cannot create" \
    "$SMLOSS" train -d "$T/bad.txt" -m "$T/m2.model" --predictions "$T/nodir/p"
expect_true "...which leaves no model and no temporary file" "[ ! -e '$T/m2.model' ] && no_temp_files"
expect_fail "predict -o into a missing directory" 4 "nodir/p: cannot create" \
    "$SMLOSS" predict -d "$T/bad.txt" -m "$T/nodir.model" -o "$T/nodir/p"
expect_fail "eval --per-query into a missing directory" 4 "nodir/q: cannot create" \
    "$SMLOSS" eval -d "$T/bad.txt" -m "$T/m.model" --per-query "$T/nodir/q"
expect_fail "the message names the directory" 4 "nodir/m.model: cannot create a file in its directory .*/nodir: No such file" \
    "$SMLOSS" train -d "$T/bad.txt" -m "$T/nodir/m.model"
if [ "$(id -u)" -ne 0 ]; then
    mkdir -p "$T/ro" && chmod 555 "$T/ro"
    expect_fail "a directory that is not writable" 4 "ro/m: cannot create a file in its directory .*/ro: Permission denied" \
        "$SMLOSS" train -d "$T/bad.txt" -m "$T/ro/m"
    chmod 755 "$T/ro"
elif [ -d /sys ] && ! touch /sys/smloss-probe 2>/dev/null; then
    # (as root a read-only directory is writable; /sys is not)
    expect_fail "a directory that is not writable (/sys)" 4 "/sys/m: cannot create a file in its directory /sys: " \
        "$SMLOSS" train -d "$T/bad.txt" -m /sys/m
else
    skip "running as root without a read-only /sys: a read-only directory is writable"
fi

# --- a symbolic link as an output: the link is kept, its target written ---
mkdir -p "$T/real" "$T/links"
cp "$T/m.model" "$T/real/l.model"
ln -s ../real/l.model "$T/links/l.model"
expect_ok "train -m a symbolic link" "$SMLOSS" train -q -d "$H" -m "$T/links/l.model" --epochs 1
expect_true "...the link is still a link" "[ -L '$T/links/l.model' ]"
expect_true "...and its target is the new model" "! cmp -s '$T/real/l.model' '$T/m.model' && grep -q '^epochs=1\$' '$T/real/l.model'"
expect_true "...with no temporary file in either directory" "[ \"\$(ls -A '$T/real')\" = l.model ] && [ \"\$(ls -A '$T/links')\" = l.model ]"
ln -s ../real/new.pred "$T/links/dangling"
expect_ok "predict -o a link to a file not yet there" "$SMLOSS" predict -m "$T/m.model" -d "$H" -o "$T/links/dangling"
expect_true "...makes the link's target" "[ -L '$T/links/dangling' ] && [ \$(wc -l < '$T/real/new.pred') -eq 506 ]"
ln -s loop1 "$T/links/loop2" && ln -s loop2 "$T/links/loop1"
expect_fail "a loop of links" 4 "loop1: too many levels of symbolic links" \
    "$SMLOSS" predict -m "$T/m.model" -d "$H" -o "$T/links/loop1"

# --- killed by SIGKILL: where Linux gives unnamed temporary files
# (O_TMPFILE), nothing is left behind ---
if [ "$(uname -s)" = Linux ] && [ -d /proc/self/fd ]; then
    mkdir -p "$T/k9"
    "$SMLOSS" train -q -d "$H" -m "$T/k9/m.model" --epochs 1000000 2>"$T/k9.err" &
    pid=$!
    sleep 1
    named=$(ls -A "$T/k9")
    kill -KILL $pid
    wait $pid 2>/dev/null
    status=$?
    expect_true "the run was killed while training (status $status)" "[ $status -eq 137 ]"
    expect_true "while training, no named temporary file ($named)" "[ -z '$named' ]"
    expect_true "after SIGKILL, nothing left" "[ -z \"\$(ls -A '$T/k9')\" ]"
else
    skip "not Linux: the temporary file is named, and SIGKILL leaves it"
fi

# --- a link flat over the labels is refused before training ---
expect_fail "a sigmoid centred far beyond the labels is refused" 2 \
    "the link 'sigmoid:a=0.3,c=35000,w=1' is flat over the labels: its slope on the label range \[5, 50\] is at most 0, under 1e-06 of its largest slope 0.075 \(at z = 35000\)" \
    "$SMLOSS" train -q -d "$H" -m "$T/flat.model" --loss sigmoid:a=0.3,c=35000
expect_true "...and writes no model" "[ ! -e '$T/flat.model' ]"
expect_fail "a pwl whose steep segment no label reaches" 2 "flat over the labels.*at z = 100\)" \
    "$SMLOSS" train -q -d "$H" -m "$T/flat.model" --loss pwl:knots=100,slopes=1e-7/1
expect_fail "an exp whose slope underflows on the labels" 2 "flat over the labels.*too small for its gradients" \
    "$SMLOSS" train -q -d "$H" -m "$T/flat.model" --loss exp:a=1,c=800
expect_fail "on the transformed labels" 2 "label range \[1.6[0-9]*, 3.9[0-9]*\]" \
    "$SMLOSS" train -q -d "$H" -m "$T/flat.model" --loss sigmoid:a=3,c=35 --label-transform log
expect_fail "a ranking objective's transform too" 2 "flat over the labels" \
    "$SMLOSS" train -q -d "$DATA/lightgbm-rank/rank.train" -m "$T/flat.model" --objective listwise \
    --loss sigmoid:a=3,c=40
for loss in 'lin:w=0.05+sigmoid:a=0.3,c=35' 'exp:a=1,c=500' 'lin:w=0.1+exp:a=1,c=80' \
            'sigmoid:a=0.3,c=70' 'pwl:knots=20/35,slopes=0.2/1/3'; do
    expect_ok "a link steep among the labels or scale-free ($loss)" \
        "$SMLOSS" train -q -d "$H" -m "$T/ok.model" --loss "$loss" --epochs 2
done

# --- the default learning rate does not diverge ---
# Each link family, steep, on each bundled regression data set with default
# options (before, sinh on housing and exp, sinh and sigmoid on the raw claim
# amounts diverged in epoch 1): the rate takes the link's slope over the label
# range into account.
A=$DATA/xgboost-autoclaims/autoclaims.train
for loss in 'lin:w=1000' 'sigmoid:a=30,c=35' 'exp:a=3,c=35' 'sinh:a=1,c=30' \
            'pwl:knots=20/35,slopes=0.01/1/100' 'lin:w=0.1+exp:a=0.3,c=15' 'sinh:a=0.3,c=10'; do
    expect_ok "housing trains with $loss at the default rate" \
        "$SMLOSS" train -q -d "$H" -m "$T/steep.model" --loss "$loss"
    expect_true "...without backing off ($loss)" "[ ! -s '$T/err' ]"
done
for loss in 'lin:w=1e-6' 'sigmoid:a=1,c=10000' 'exp:a=0.001,c=30000' 'sinh:a=0.005,c=5000' \
            'pwl:knots=2000/10000,slopes=0.01/1/100'; do
    expect_ok "raw claim amounts train with $loss at the default rate" \
        "$SMLOSS" train -q -d "$A" -m "$T/steep.model" --loss "$loss"
done
# Where that is not enough (one row a step), the run backs off: it starts
# again at half the rate, says so even with -q, and records it; the model is
# the one --lr with the final rate gives, on any number of threads.
expect_ok "one row a step with a steep sinh backs off" \
    "$SMLOSS" train -q -d "$H" -m "$T/back.model" --batch 1 --loss sinh:a=1,c=30 --threads 1
expect_true "it says so twice on stderr" \
    "[ \$(grep -c '^smloss: warning: training diverged in epoch [0-9]*: .*; training again from the start at half the learning rate' '$T/err') -eq 2 ]"
expect_true "the model records the halvings and the rate" \
    "grep -q '^lr_halvings=2\$' '$T/back.model' && grep -q '^lr=0.25\$' '$T/back.model'"
expect_ok "the same on three threads" \
    "$SMLOSS" train -q -d "$H" -m "$T/back3.model" --batch 1 --loss sinh:a=1,c=30 --threads 3
expect_true "same bytes" "cmp -s '$T/back.model' '$T/back3.model'"
expect_ok "--lr 0.25 from the start" \
    "$SMLOSS" train -q -d "$H" -m "$T/lr.model" --batch 1 --loss sinh:a=1,c=30 --lr 0.25
expect_true "gives the same model (but for lr_halvings)" \
    "grep -v '^lr_halvings=' '$T/back.model' | cmp -s - '$T/lr.model'"
expect_fail "a rate given with --lr is kept, and diverges" 5 \
    "training diverged in epoch 1: the gradient is not finite" \
    "$SMLOSS" train -q -d "$H" -m "$T/lr1.model" --batch 1 --loss sinh:a=1,c=30 --lr 1
expect_fail "a link overflowing on the labels is not the rate's: no back-off" 5 \
    "diverged at the starting point" "$SMLOSS" train -q -d "$H" -m "$T/lr1.model" --loss exp:a=40
expect_true "...and no warning" "! grep -q warning '$T/err'"

# --- empty validation data, stale group files ---
: > "$T/empty.txt"
printf '# only a comment\n\n' > "$T/comments.txt"
expect_fail "an empty --valid file is refused, named" 3 \
    "empty.txt: no data rows in the validation data \(--valid\)" \
    "$SMLOSS" train -q -d "$H" -m "$T/v.model" --valid "$T/empty.txt"
expect_fail "...as one of comments only" 3 "comments.txt: no data rows in the validation data" \
    "$SMLOSS" train -q -d "$H" -m "$T/v.model" --valid "$T/comments.txt"
expect_true "...before training" "! grep -q '^ *1 ' '$T/err' && [ ! -e '$T/v.model' ]"
head -n 60 "$H" > "$T/s.txt"
tail -n 40 "$H" > "$T/sv.txt"
printf '7\n' > "$T/s.txt.query"      # stale: 7 rows, the data has 60
printf '3\n' > "$T/sv.txt.group"
expect_ok "a stale DATA.query does not break pointwise training" \
    "$SMLOSS" train -d "$T/s.txt" -m "$T/s.model" --valid "$T/sv.txt" --epochs 2
expect_true "...which does not read it" "! grep -q 'query groups' '$T/err'"
expect_fail "a ranking objective reads it, and it does not fit" 3 \
    "s.txt.query: the group sizes sum to 7 but .*s.txt has 60 rows" \
    "$SMLOSS" train -q -d "$T/s.txt" -m "$T/r.model" --objective listwise
expect_fail "so does a ranking metric of early stopping, on --valid" 3 \
    "sv.txt.group: the group sizes sum to 3 but .*sv.txt has 40 rows" \
    "$SMLOSS" train -q -d "$T/s.txt" -m "$T/r.model" --valid "$T/sv.txt" --metric ndcg@5
expect_fail "--group none: no group file, so no queries" 3 "needs query groups" \
    "$SMLOSS" train -q -d "$T/s.txt" -m "$T/r.model" --objective listwise --group none
expect_ok "eval: a stale group file beside the data is a warning" \
    "$SMLOSS" eval -d "$T/s.txt" -m "$T/s.model" -o "$T/s.eval"
expect_true "...naming it" \
    "grep -q 'warning: .*s.txt.query: the group sizes sum to 7 .*going on without query groups' '$T/err'"
expect_true "...and the report has no ranking metrics" "! grep -qi 'ndcg' '$T/s.eval'"
expect_ok "eval --group none: not read" \
    "$SMLOSS" eval -d "$T/s.txt" -m "$T/s.model" -o "$T/s2.eval" --group none
expect_true "...no warning, the same report" "[ ! -s '$T/err' ] && cmp -s '$T/s.eval' '$T/s2.eval'"
expect_fail "eval --per-query wants the groups: an error" 3 "s.txt.query: the group sizes sum to 7" \
    "$SMLOSS" eval -d "$T/s.txt" -m "$T/s.model" --per-query "$T/pq.tsv"
printf '20\n40\n' > "$T/s.txt.query"
expect_ok "a fitting group file beside the data still gives ranking metrics" \
    "$SMLOSS" eval -d "$T/s.txt" -m "$T/s.model" -o "$T/s3.eval"
expect_true "...announced" "grep -q 'using the query groups in .*s.txt.query' '$T/err' && grep -qi ndcg '$T/s3.eval'"
expect_ok "and a ranking objective trains with it" \
    "$SMLOSS" train -q -d "$T/s.txt" -m "$T/r.model" --objective listwise --epochs 2
expect_true "...on its two queries" "grep -q '^train_queries=2\$' '$T/r.model'"
printf '7\n' > "$T/s.txt.query"
expect_fail "eval of a ranking model wants the groups: an error" 3 "s.txt.query: the group sizes sum to 7" \
    "$SMLOSS" eval -d "$T/s.txt" -m "$T/r.model"

# --- an MLP over a huge index space: its inputs are the features that occur
# (2 of them here), not 2^31 (which took 16 TB of weights before compaction) ---
printf '1 1:1 2147483646:1\n2 2:1\n' > "$T/wide.txt"
expect_ok "an MLP over index 2^31-2 trains on the features that occur" \
    "$SMLOSS" train -q -d "$T/wide.txt" -m "$T/w.model" --scorer mlp:1024 --scale none
expect_true "its model names the original index" "grep -q '^2147483646 ' '$T/w.model'"

finish
