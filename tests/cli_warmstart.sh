#!/bin/sh
# cli_warmstart.sh - train --init (continue a saved model) and --save-every
# (checkpoints that survive an interrupted run).
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale

# mse MODEL DATA: the mean squared error of MODEL's scores on DATA.
mse() {
    "$SMLOSS" predict -q -m "$1" -d "$2" -o "$T/mse.pred" &&
        cut -d' ' -f1 "$2" | paste -d' ' - "$T/mse.pred" |
        awk '{ d = $2 - $1; s += d * d; n++ } END { printf "%.10g\n", s / n }'
}

expect_ok "train 3 epochs" "$SMLOSS" train -q -d "$H" -m "$T/a.model" --epochs 3
expect_ok "continue 3 more (--init)" "$SMLOSS" train -q -d "$H" -i "$T/a.model" -m "$T/b.model" --epochs 3
a=$(mse "$T/a.model" "$H"); b=$(mse "$T/b.model" "$H")
expect_true "more epochs from the model do not lose ($b <= $a)" "awk 'BEGIN { exit !($b <= $a * 1.0001) }'"
expect_true "more epochs change the model" "! cmp -s '$T/a.model' '$T/b.model'"
# a tiny rate barely moves it: the start is the model, not the best constant
expect_ok "--init with a tiny rate" "$SMLOSS" train -q -d "$H" -i "$T/a.model" -m "$T/c.model" --epochs 1 -l 1e-12
c=$(mse "$T/c.model" "$H")
expect_true "tiny rate keeps the model's error ($c vs $a)" "awk 'BEGIN { d = $c - $a; exit !(d < 1e-6 * $a && d > -1e-6 * $a) }'"
fresh=$(mse "$T/a.model" "$H")
expect_ok "a fresh 1-epoch model" "$SMLOSS" train -q -d "$H" -m "$T/f.model" --epochs 1 -l 1e-12
f=$(mse "$T/f.model" "$H")
expect_true "a fresh model at that rate is far worse ($f vs $fresh)" "awk 'BEGIN { exit !($f > 2 * $fresh) }'"
# the model's regions, loss and label transform carry over unless given
expect_ok "train with regions and a loss" "$SMLOSS" train -q -d "$H" -m "$T/r.model" --epochs 2 \
    --regions 20,35 --loss 'lin:w=0.05+sigmoid:a=0.3,c=35' --label-transform log
expect_ok "continue it" "$SMLOSS" train -q -d "$H" -i "$T/r.model" -m "$T/r2.model" --epochs 2
expect_true "regions carried over" "grep -q '^regions=20,35' '$T/r2.model'"
expect_true "loss carried over" "grep -q '^loss=lin:w=0.05+sigmoid:a=0.3,c=35' '$T/r2.model'"
expect_true "label transform carried over" "grep -q '^label_transform=log' '$T/r2.model'"
expect_ok "fine-tune with another loss" "$SMLOSS" train -q -d "$H" -i "$T/r.model" -m "$T/r3.model" --epochs 1 --loss lin
expect_true "the new loss is recorded" "grep -q '^loss=lin' '$T/r3.model' && ! grep -q '^loss=lin:w=0.05' '$T/r3.model'"
# an MLP and a multi-class model continue too
expect_ok "mlp" "$SMLOSS" train -q -d "$H" -m "$T/m.model" --scorer mlp:4 --epochs 2
expect_ok "mlp --init" "$SMLOSS" train -q -d "$H" -i "$T/m.model" -m "$T/m2.model" --epochs 2
expect_true "mlp shape carried over" "grep -q '^hidden=4' '$T/m2.model'"
D=$DATA/sklearn-digits/digits.libsvm
head -n 300 "$D" > "$T/digits"
grep -v '^0 ' "$T/digits" | head -n 100 > "$T/digits-no0"
expect_ok "multiclass" "$SMLOSS" train -q -d "$T/digits" -m "$T/k.model" --objective multiclass --epochs 2
expect_ok "multiclass --init on rows without class 0" "$SMLOSS" train -q -d "$T/digits-no0" -i "$T/k.model" -m "$T/k2.model" --epochs 1
grep '^classes=' "$T/k.model" > "$T/k.classes"; grep '^classes=' "$T/k2.model" > "$T/k2.classes"
expect_true "the model's classes are kept" "[ -s '$T/k.classes' ] && cmp -s '$T/k.classes' '$T/k2.classes'"

# mismatches: named, usage (2) or data (3)
expect_fail "other scorer" 2 "scorer is linear.*mlp:4" "$SMLOSS" train -q -d "$H" -i "$T/a.model" -m "$T/x.model" --scorer mlp:4
expect_fail "other width" 2 "scorer is mlp:4.*mlp:5" "$SMLOSS" train -q -d "$H" -i "$T/m.model" -m "$T/x.model" --scorer mlp:5
expect_fail "other hash bits" 2 "does not hash" "$SMLOSS" train -q -d "$H" -i "$T/a.model" -m "$T/x.model" -b 10
expect_fail "other label transform" 2 "label-transform log, not none" "$SMLOSS" train -q -d "$H" -i "$T/r.model" -m "$T/x.model" --label-transform none
expect_fail "one output to multiclass" 2 "1 output.*multi-class" "$SMLOSS" train -q -d "$H" -i "$T/a.model" -m "$T/x.model" --objective multiclass
printf '# new rows\n\n20 1:0.5 99:1\n21 2:1\n' > "$T/new.txt"
expect_fail "a feature the model lacks: its line" 3 "new.txt:3: feature 99 is not among the model's features" "$SMLOSS" train -q -d "$T/new.txt" -i "$T/a.model" -m "$T/x.model"
printf '11 1:1\n' > "$T/class11.txt"
expect_fail "a class the model lacks" 3 "class11.txt:1" "$SMLOSS" train -q -d "$T/class11.txt" -i "$T/k.model" -m "$T/x.model"
expect_fail "no such model" 4 "nope.model" "$SMLOSS" train -q -d "$H" -i "$T/nope.model" -m "$T/x.model"
expect_true "no model left by the failures" "[ ! -e '$T/x.model' ]"

# --save-every: the finished run's model is the final one (no checkpoint key)
expect_ok "--save-every 1" "$SMLOSS" train -q -d "$H" -m "$T/s.model" --epochs 3 --save-every 1
expect_ok "same run without" "$SMLOSS" train -q -d "$H" -m "$T/s0.model" --epochs 3
expect_true "checkpoints leave the final model as it would be" "cmp -s '$T/s.model' '$T/s0.model'"
expect_fail "--save-every 0" 2 "save-every" "$SMLOSS" train -q -d "$H" -m "$T/x.model" --save-every 0
if [ -w /dev/full ]; then
    expect_fail "a checkpoint on a full disk" 4 "checkpoint of epoch 1 was not written" "$SMLOSS" train -q -d "$H" -m /dev/full --epochs 3 --save-every 1
else
    skip "no /dev/full: a failing checkpoint write is not tested"
fi
expect_fail "--save-every to stdout" 2 "standard output" "$SMLOSS" train -q -d "$H" -m - --save-every 1

# killed after a checkpoint: the last one is a whole model, no temp file left
mkdir "$T/kill"
"$SMLOSS" train -q -d "$H" -m "$T/kill/k.model" --epochs 1000000 --save-every 1 2>"$T/kill.err" &
pid=$!
i=0
while [ ! -e "$T/kill/k.model" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $pid
wait $pid 2>/dev/null
status=$?
expect_true "the killed run dies of SIGTERM (status $status)" "[ $status -eq 143 ]"
expect_true "a checkpoint was written" "[ -s '$T/kill/k.model' ]"
expect_true "the checkpoint says its epoch" "grep -q '^checkpoint_epoch=[1-9]' '$T/kill/k.model'"
expect_ok "the checkpoint predicts" "$SMLOSS" predict -q -m "$T/kill/k.model" -d "$H" -o "$T/kill.pred"
expect_true "it scores every row" "[ \$(wc -l < '$T/kill.pred') -eq 506 ]"
expect_true "no temporary file left" "[ \"\$(ls '$T/kill')\" = k.model ]"
expect_ok "it can be continued in place" "$SMLOSS" train -q -d "$H" -i "$T/kill/k.model" -m "$T/kill/k.model" --epochs 1
expect_true "the continued model replaced it" "! grep -q '^checkpoint_epoch=' '$T/kill/k.model' && grep -q '^epochs=1\$' '$T/kill/k.model'"
finish
