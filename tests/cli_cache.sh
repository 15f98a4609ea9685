#!/bin/sh
# cli_cache.sh - a damaged --cache is rebuilt, never trained on: bytes flipped
# anywhere in it, or the file cut short, and train still exits 0 with the
# model of the parsed data. And --cache never overwrites a file that is not a
# cache (the data, the --valid data, a model): exit 2 before any parsing,
# the file unchanged.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
cp "$H" "$T/h.txt"
train() { "$SMLOSS" train --epochs 2 -d "$T/h.txt" "$@"; }

# flip FILE OFFSET: complement the byte at OFFSET
flip() {
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "\\$(printf %o $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

expect_ok "train without cache" train -q -m "$T/m0"
expect_ok "train writes the cache" train -q -m "$T/m1" --cache "$T/c"
size=$(wc -c < "$T/c")
cp "$T/c" "$T/c.good"
# offsets: in the header (counts, layout, checksum), in the row offsets
# (from 576), the indices, the values, the labels (the last part)
for at in 60 100 200 448 600 3000 5000 $((size / 2)) $((size - 4000)) $((size - 200)); do
    cp "$T/c.good" "$T/c"
    flip "$T/c" "$at"
    expect_ok "train over a cache flipped at $at" train -m "$T/m" --cache "$T/c"
    expect_true "flip at $at: the cache is rebuilt, saying why" \
        "grep -q 'wrote cache .*/c (the cache.s .* damaged' '$T/err'"
    expect_true "flip at $at: the model of the parsed data" "cmp -s '$T/m0' '$T/m'"
    expect_true "flip at $at: the rebuilt cache is the good one" "cmp -s '$T/c.good' '$T/c'"
done
# several bytes at once, in the middle
cp "$T/c.good" "$T/c"
for at in 4100 4101 4102 9000 9001 20000; do flip "$T/c" "$at"; done
expect_ok "train over a cache with several bytes flipped" train -q -m "$T/m" --cache "$T/c"
expect_true "... the model of the parsed data" "cmp -s '$T/m0' '$T/m'"
for cut in $((size - 1)) $((size / 3)) 300 8; do
    head -c "$cut" "$T/c.good" > "$T/c"
    expect_ok "train over a cache cut to $cut bytes" train -m "$T/m" --cache "$T/c"
    expect_true "cut to $cut: rebuilt as truncated" "grep -q 'wrote cache .*(the cache file is truncated)' '$T/err'"
    expect_true "cut to $cut: the model of the parsed data" "cmp -s '$T/m0' '$T/m'"
done
expect_ok "predict over a damaged cache" sh -c "cp '$T/c.good' '$T/c' && printf 'xxxx' | dd of='$T/c' bs=1 seek=6000 conv=notrunc 2>/dev/null &&
    '$SMLOSS' predict -q -m '$T/m0' -d '$T/h.txt' --cache '$T/c' -o '$T/p1' && '$SMLOSS' predict -q -m '$T/m0' -d '$T/h.txt' -o '$T/p2'"
expect_true "... the predictions of the parsed data" "cmp -s '$T/p1' '$T/p2'"
: > "$T/empty"
expect_ok "an empty file becomes the cache" train -q -m "$T/m" --cache "$T/empty"
expect_true "... which is then a cache" "test -s '$T/empty'"

# --cache over files that are not caches
cp "$H" "$T/v.txt"
cp "$T/m0" "$T/model"
for what in data valid model; do
    case $what in data) f=$T/h.txt ;; valid) f=$T/v.txt ;; model) f=$T/model ;; esac
    cp "$f" "$T/before"
    expect_fail "--cache at the $what file" 2 "is not a smloss cache|is the same file as" \
        train -m "$T/m" --valid "$T/v.txt" --cache "$f"
    expect_true "the $what file is unchanged" "cmp -s '$T/before' '$f'"
done
expect_fail "--cache at the data: message" 2 "train: --cache '.*h.txt' is the same file as --data '.*h.txt': it would be overwritten" \
    train -m "$T/m" --cache "$T/h.txt"
expect_fail "--cache at the --valid file: message" 2 "train: --cache '.*v.txt' is the same file as --valid" \
    train -m "$T/m" --valid "$T/v.txt" --cache "$T/v.txt"
expect_fail "--cache at a model: message" 2 "model is not a smloss cache" train -m "$T/m" --cache "$T/model"
# refused before parsing: data that does not parse still gives the usage error
printf '1 1:1\n1 1:x\n' > "$T/bad.txt"
expect_fail "refused before the data is parsed" 2 "model is not a smloss cache" \
    "$SMLOSS" train -d "$T/bad.txt" -m "$T/m" --cache "$T/model"
expect_fail "predict --cache at a model" 2 "model is not a smloss cache" \
    "$SMLOSS" predict -m "$T/m0" -d "$T/h.txt" --cache "$T/model" -o "$T/p"
expect_fail "eval --cache at the data" 2 "eval: --cache '.*h.txt' is the same file as --data" \
    "$SMLOSS" eval -m "$T/m0" -d "$T/h.txt" --cache "$T/h.txt"
expect_true "the model is unchanged" "cmp -s '$T/model' '$T/m0'"

# a named pipe cannot be checked against a cache (its text is gone once
# read): refused before it is read, never a hang (timeout 20: the writer
# would wait for a second reader forever)
if command -v timeout >/dev/null 2>&1 && mkfifo "$T/ff" 2>/dev/null; then
    for cmd in "train -m $T/fm" "predict -m $T/m0" "eval -m $T/m0"; do
        (cat "$T/h.txt" > "$T/ff" &) # a writer for the pipe; gone once it is read
        expect_fail "${cmd%% *}: --cache with a pipe as data" 2 "ff: a cache needs a regular data file" \
            timeout 20 "$SMLOSS" $cmd -d "$T/ff" --cache "$T/ff.cache"
        expect_true "${cmd%% *}: no cache written from the pipe" "[ ! -e '$T/ff.cache' ]"
        timeout 5 cat "$T/ff" > /dev/null 2>&1 # let the writer go
    done
else
    skip "no timeout or mkfifo: --cache with a pipe"
fi

# compact rows (dataset.h): LETOR-like rows of every feature 1 .. 40 keep one
# index, in memory and in the cache (rows with a gap, every 9th, keep all):
# the same models and predictions from the text, the cache written and the
# cache mapped, and a cache under 2/3 of the sparse layout's 8 bytes a value
# and 16 a row (4 bytes a value and 28 a row: 5.2 a value here)
awk 'BEGIN { srand(7); for (r = 0; r < 300; r++) { printf "%d qid:%d", r % 5, int(r / 10) + 1
    for (j = 1; j <= 40; j++) if (r % 9 != 0 || j != 17) printf " %d:%.4f", j, rand() - 0.3
    print "" } }' > "$T/l.txt"
for obj in pointwise listwise; do
    rm -f "$T/l.cache"
    for from in text written mapped; do
        c=; [ $from = text ] || c="--cache $T/l.cache"
        expect_ok "$obj from the $from rows" \
            "$SMLOSS" train -q -d "$T/l.txt" --objective $obj --solver sgd --epochs 3 -m "$T/l-$from" $c
        expect_ok "$obj: predict from the $from rows" \
            "$SMLOSS" predict -q -m "$T/l-text" -d "$T/l.txt" -o "$T/lp-$from" $c
    done
    expect_true "$obj: the same model from the text and the cache" \
        "cmp -s '$T/l-text' '$T/l-written' && cmp -s '$T/l-text' '$T/l-mapped'"
    expect_true "$obj: the same predictions" "cmp -s '$T/lp-text' '$T/lp-written' && cmp -s '$T/lp-text' '$T/lp-mapped'"
done
expect_true "the cache: under 2/3 of the sparse layout" \
    "[ $(wc -c < "$T/l.cache") -lt $(((300 * 40 * 8 + 300 * 16) * 2 / 3)) ]"
finish
