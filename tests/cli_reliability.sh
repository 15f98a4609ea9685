#!/bin/sh
# cli_reliability.sh - nothing is lost or half-written when a run fails:
# divergence (non-finite or exploding objective) stops training with status 5
# and no model; a run killed by SIGINT/SIGTERM dies by the signal (the shell
# sees 128+N), keeps the previous output and leaves no temporary file; write
# errors (/dev/full) on every output of every command give status 4.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
"$SMLOSS" train -q --epochs 2 -d "$H" -m "$T/prev.model" || fail "train the reference model"
cp "$T/prev.model" "$T/keep.model"

no_temp_files() { [ -z "$(find "$T" -name '*.tmp.*' | head -n 1)" ]; }

# --- divergence ---
expect_fail "non-finite gradient stops training" 5 \
    "training diverged in epoch 1: the gradient is not finite at .*housing_scale:[0-9]+ \(label [-0-9.e+]+, score .*\) with loss 'exp:a=1,c=0,w=1'" \
    "$SMLOSS" train -q -d "$H" -m "$T/keep.model" --loss exp:a=1 --lr 10
expect_true "a diverged run keeps the previous model" "cmp -s '$T/keep.model' '$T/prev.model'"
expect_fail "link overflowing on the labels stops before training" 5 \
    "training diverged at the starting point: the loss is not finite at .*housing_scale:1 .*with loss 'exp:a=40,c=0,w=1'" \
    "$SMLOSS" train -q -d "$H" -m "$T/new.model" --loss exp:a=40
expect_true "a diverged run writes no model" "[ ! -e '$T/new.model' ]"
expect_fail "an exploding but finite objective stops training" 5 \
    "training diverged in epoch [0-9]+: the training objective [-0-9.e+]+ is over 10000 times the one at the start of training \([0-9.e+-]+\); the largest loss is at .*housing_scale:[0-9]+ .*with loss 'lin:w=1'" \
    "$SMLOSS" train -q -d "$H" -m "$T/keep.model" --lr 5
expect_true "an exploding run keeps the previous model" "cmp -s '$T/keep.model' '$T/prev.model'"
expect_ok "a stable large step is not mistaken for an explosion" "$SMLOSS" train -q -d "$H" -m "$T/lr3.model" --lr 3
expect_fail "explosion with predictions requested writes neither" 5 "diverged" \
    "$SMLOSS" train -q -d "$H" -m "$T/new.model" --lr 5 --predictions "$T/new.pred"
expect_true "no model and no predictions after divergence" "[ ! -e '$T/new.model' ] && [ ! -e '$T/new.pred' ]"
expect_true "no temporary files after failed runs" no_temp_files

# --- killed by a signal mid-training ---
# A run that would take very long; it is killed once its first epoch line is
# on stderr (training has started), however long that takes to appear.
# A shell starts background jobs with SIGINT ignored, and smloss keeps an
# ignored signal ignored (as nohup needs), so SIGINT is tested only where
# env(1) can restore its default (coreutils' --default-signal).
default_signal() { # default_signal SIG: a command prefix that un-ignores SIG
    if env --default-signal="$1" true 2>/dev/null; then echo "env --default-signal=$1"; fi
}
start_training() { # start_training PREFIX...: a long run in the background, $pid
    cp "$T/prev.model" "$T/keep.model"
    : > "$T/kill.err"
    "$@" "$SMLOSS" train -d "$H" -m "$T/keep.model" --epochs 1000000 \
        --predictions "$T/keep.pred" 2>"$T/kill.err" &
    pid=$!
    i=0 # wait for the first epoch line: training has started
    while [ "$(grep -c '^ *[0-9]' "$T/kill.err")" -lt 1 ] && [ $i -lt 600 ]; do
        sleep 0.1; i=$((i + 1))
    done
}
stop_training() { # stop_training SIGNAL: send it, wait, set $got
    kill -s "$1" "$pid"
    wait "$pid" 2>/dev/null # (no "Terminated" from the shell)
    got=$?
}
kill_mid_training() { # kill_mid_training SIGNAL WANT_STATUS
    start_training $(default_signal "$1")
    stop_training "$1"
    if [ "$got" -eq "$2" ]; then pass; else fail "SIG$1 mid-training: exit $got, want $2"; fi
    expect_true "SIG$1 keeps the previous model" "cmp -s '$T/keep.model' '$T/prev.model'"
    expect_true "SIG$1 writes no predictions" "[ ! -e '$T/keep.pred' ]"
    expect_true "SIG$1 leaves no temporary file" no_temp_files
}
if [ -n "$(default_signal INT)" ]; then
    kill_mid_training INT 130
else
    skip "env --default-signal is missing: SIGINT mid-training not tested"
fi
kill_mid_training TERM 143
kill_mid_training HUP 129
# Ignored on entry (nohup), SIGHUP stays ignored: the run goes on.
start_training sh -c 'trap "" HUP; exec "$@"' sh
kill -s HUP "$pid"
sleep 0.5
expect_true "an ignored SIGHUP does not stop training" "kill -0 $pid"
stop_training TERM
expect_true "...and SIGTERM then does" "[ $got -eq 143 ]"

# --- killed while an output is being written: the temporary file goes ---
# Many rows make writing the predictions take a while; the run is killed as
# soon as its temporary file appears. If it finishes first, nothing is shown.
awk 'BEGIN { for (i = 0; i < 400000; i++) printf "%d 1:%d 2:0.5\n", i % 7, i % 13 }' > "$T/big.txt"
echo "old predictions" > "$T/big.pred"
"$SMLOSS" predict -q -m "$T/prev.model" -d "$T/big.txt" -o "$T/big.pred" &
pid=$!
seen=
while kill -0 "$pid" 2>/dev/null; do
    if [ -n "$(find "$T" -name '.big.pred.tmp.*' | head -n 1)" ]; then seen=1; kill -TERM "$pid"; break; fi
done
wait "$pid" 2>/dev/null
got=$?
if [ -n "$seen" ]; then
    if [ "$got" -eq 143 ]; then pass; else fail "SIGTERM while writing: exit $got, want 143"; fi
    expect_true "SIGTERM while writing keeps the old file" "[ \"\$(cat '$T/big.pred')\" = 'old predictions' ]"
    expect_true "SIGTERM while writing removes the temporary file" no_temp_files
else
    skip "predict finished before its temporary file was seen; kill-while-writing not exercised"
fi

# --- a failed run keeps the previous output of every command ---
echo "old" > "$T/keep.out"
expect_fail "predict with bad data keeps the old output" 3 "bad.txt:1:" \
    sh -c "printf 'x 1:1\n' > '$T/bad.txt'; '$SMLOSS' predict -m '$T/prev.model' -d '$T/bad.txt' -o '$T/keep.out'"
expect_true "old predictions kept" "[ \"\$(cat '$T/keep.out')\" = old ]"
expect_fail "eval with a bad model keeps the old report" 3 "not an smloss model" \
    "$SMLOSS" eval -d "$H" -m "$T/bad.txt" -o "$T/keep.out"
expect_true "old report kept" "[ \"\$(cat '$T/keep.out')\" = old ]"

# --- write errors: every output of every command ---
echo 506 > "$T/one.group" # housing as one query, for the per-query ranking table
if [ -w /dev/full ]; then
    while IFS='|' read -r name args; do
        eval "set -- $args"
        expect_fail "$name to /dev/full" 4 "write error|No space left" "$SMLOSS" "$@"
    done <<EOF2
train --model|train -q -d '$H' -m /dev/full
train --predictions|train -q -d '$H' -m '$T/full.model' --predictions /dev/full
predict -o|predict -m '$T/prev.model' -d '$H' -o /dev/full
eval -o text|eval -d '$H' -m '$T/prev.model' -o /dev/full
eval -o json|eval -d '$H' -m '$T/prev.model' --format json -o /dev/full
eval -o tsv|eval -d '$H' -m '$T/prev.model' --format tsv -o /dev/full
eval --per-query|eval -d '$H' -m '$T/prev.model' --group '$T/one.group' -o '$T/r.txt' --per-query /dev/full
link -o|link --loss sigmoid:a=2 -o /dev/full
EOF2
    while IFS='|' read -r name args; do
        expect_fail "$name on stdout to /dev/full" 4 "write error|No space left" \
            sh -c "'$SMLOSS' $args > /dev/full"
    done <<EOF2
predict|predict -m '$T/prev.model' -d '$H'
eval|eval -d '$H' -m '$T/prev.model'
link|link --loss sigmoid:a=2
--help|--help
--version|--version
train --help|train --help
eval --help|eval --help
EOF2
else
    skip "/dev/full is not writable: write-error tests not run"
fi
expect_true "no temporary files at the end" no_temp_files
finish
