#!/bin/sh
# big-pipe.sh - show that a data stream larger than 4 GiB parses: a generated
# libsvm file of GIB gibibytes (default 4.5) is streamed through a pipe into
# `smloss train -d -` and again into `smloss eval -d -`, never stored on disk;
# the script checks that both saw every row. With `gzip` as the second
# argument the stream is gzip-compressed (level 1) on the way.
# Not part of `make check`: it takes minutes and ~2 GB of memory.
# Usage: scripts/big-pipe.sh [GIB] [gzip]
set -eu
cd "$(dirname "$0")/.."
GIB=${1:-4.5}
COMPRESS=${2:-}
SMLOSS=${SMLOSS:-./smloss}
W=$(mktemp -d "${TMPDIR:-/tmp}/smloss-big.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM

# One block of 1000 rows of 100 features with long (exactly parsed) values;
# the stream repeats it. Lines have a fixed width, so sizes are exact.
awk 'BEGIN {
    for (r = 0; r < 1000; r++) {
        line = sprintf("%3d", r % 50)
        for (j = 1; j <= 100; j++)
            line = line sprintf(" %03d:0.%028d", j, (r * 7919 + j * 104729) % 1000000007)
        print line
    }
}' > "$W/block"
block_bytes=$(wc -c < "$W/block")
blocks=$(awk -v g="$GIB" -v b="$block_bytes" 'BEGIN { n = g * 1073741824 / b; print (n == int(n)) ? n : int(n) + 1 }')
rows=$((blocks * 1000))
bytes=$((blocks * block_bytes))
echo "stream: $rows rows, $bytes bytes ($(awk -v b=$bytes 'BEGIN { printf "%.2f", b / 1073741824 }') GiB) through a pipe${COMPRESS:+, gzip -1}"

stream() {
    i=0
    while [ $i -lt "$blocks" ]; do cat "$W/block"; i=$((i + 1)); done |
        if [ "$COMPRESS" = gzip ]; then gzip -1 -c; else cat; fi
}

start=$(date +%s)
stream | "$SMLOSS" train -d - -m "$W/big.model" --epochs 1 -q
echo "train: $(( $(date +%s) - start )) s"
trained=$(sed -n 's/^train_rows=//p' "$W/big.model")
start=$(date +%s)
stream | "$SMLOSS" eval -d - -m "$W/big.model" --format tsv -o "$W/report.tsv" -q
echo "eval: $(( $(date +%s) - start )) s"
evaluated=$(awk -F'\t' '$1 == "region" && $2 == "all" && $3 == "rows" { printf "%d", $4 }' "$W/report.tsv")
echo "rows: generated $rows, trained on $trained, evaluated $evaluated"
[ "$trained" = "$rows" ] || { echo "big-pipe: train saw $trained rows, not $rows" >&2; exit 1; }
[ "$evaluated" = "$rows" ] || { echo "big-pipe: eval saw $evaluated rows, not $rows (see the report)" >&2; cat "$W/report.tsv" >&2; exit 1; }
echo "big-pipe: OK"
