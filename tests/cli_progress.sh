#!/bin/sh
# cli_progress.sh - the progress line of every long step on a terminal (a pty
# from script(1)): how far, of what size, how fast, how long is left; never in
# a pipe or a file, nor with -q. SMLOSS_PROGRESS_AFTER=0 draws every report
# at once, so that a small file shows them all (cli_msg.h). The numbers of
# the line are tests/test_cli_msg.c's.
. "$(dirname "$0")/lib.sh"

if ! command -v script >/dev/null 2>&1 || ! script -qec true /dev/null >/dev/null 2>&1; then
    skip "script(1) cannot make a terminal: the progress line is checked by test_cli_msg only"
    finish
    exit
fi
export SMLOSS_PROGRESS_AFTER=0

# 150000 rows of 8 features: 13.5 MB of text, 5 MB of gzip (the reader
# tells every 4 MB), more rows than a piece of scoring (65536)
awk 'BEGIN { srand(7); for (i = 0; i < 150000; i++) { printf "%d", i % 5
    for (j = 1; j <= 8; j++) printf " %d:%.6f", j, rand(); printf "\n" } }' > "$T/big.txt"
gzip -c "$T/big.txt" > "$T/big.gz"
# the size of a file in MB, as the line shows it
mb() { wc -c < "$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }
TEXT_MB=$(mb "$T/big.txt")
GZ_MB=$(mb "$T/big.gz")

# on_tty NAME CMD: run the command line CMD (a string) on a terminal, which
# succeeds; its lines (each redrawing split off at its \r) in $T/lines
on_tty() {
    expect_ok "$1" script -qec "$2" /dev/null
    tr '\r' '\n' < "$T/out" > "$T/lines"
}
shows() { # shows NAME REGEX: a line of $T/lines matches
    expect_true "$1" "grep -a -q -E -- '$2' '$T/lines'"
}
RATE='[0-9.]+ [kMG]?B/s'

on_tty "train on plain text" "'$SMLOSS' train -d '$T/big.txt' -m '$T/m' --max-iter 4"
shows "reading: bytes of the file's size, rate, time left" \
    "reading $T/big.txt: [0-9.]+ of $TEXT_MB MB \\([0-9]+%\\), $RATE, [0-9]+ s left"
shows "L-BFGS: the iteration of at most max-iter and its pass" \
    'training by L-BFGS, iteration 1 of at most 4 \(pass 1\)'
shows "... then the objective, the gradient and the rate" \
    'training by L-BFGS, iteration [2-4] of at most 4 \(pass [0-9]+\): objective [0-9.e+-]+, largest \|gradient\| [0-9.e+-]+, [0-9.]+ iterations/s'
expect_true "... and the table's lines start clean (the line cleared first)" \
    "grep -a -q -E '^ +1 +[0-9.]+' '$T/lines'"

on_tty "train on gzip" "'$SMLOSS' train -d '$T/big.gz' -m '$T/m' --max-iter 1"
shows "gzip: the compressed bytes, of the file's size" \
    "reading $T/big.gz: [0-9.]+ of $GZ_MB MB \\([0-9]+%\\), $RATE"

on_tty "a cache built" "'$SMLOSS' predict -m '$T/m' -d '$T/big.txt' --cache '$T/c.bin' -o '$T/p'"
shows "... hashing the data" "cache $T/c.bin: hashing the data files: $TEXT_MB of $TEXT_MB MB \\(100%\\)"
shows "... checking what it writes" "cache $T/c.bin: checking it: [0-9.]+ of [0-9.]+ MB"
shows "... writing it, to its size" \
    "cache $T/c.bin: writing it: [0-9.]+ of $(mb "$T/c.bin") MB \\([0-9]+%\\)"
on_tty "a cache reused" "'$SMLOSS' predict -m '$T/m' -d '$T/big.txt' --cache '$T/c.bin' -o '$T/p'"
shows "... hashing the data to check it" "cache $T/c.bin: hashing the data files: $TEXT_MB of"
shows "... checking its arrays" "cache $T/c.bin: checking it: [0-9.]+ of [0-9.]+ MB \\(100%\\)"
expect_true "... not parsing the text" "! grep -a -q 'reading ' '$T/lines'"

on_tty "predict" "'$SMLOSS' predict -m '$T/m' -d '$T/big.txt' -o '$T/p'"
shows "scoring: rows in thousands, rate, time left" \
    "scoring $T/big.txt: 65.5 of 150.0 thousand rows \\(44%\\), [0-9.]+ (thousand |million )?rows/s, [0-9]+ s left"
shows "writing the predictions" "writing $T/p: 16.4 of 150.0 thousand rows \\(11%\\)"
expect_true "... the same predictions as in a pipe" \
    "'$SMLOSS' predict -q -m '$T/m' -d '$T/big.txt' | cmp -s - '$T/p'"

on_tty "eval" "'$SMLOSS' eval -m '$T/m' -d '$T/big.txt'"
shows "eval: scoring" "scoring $T/big.txt: 65.5 of 150.0 thousand rows"

# never with -q, never in a pipe or a file
on_tty "predict -q" "'$SMLOSS' predict -q -m '$T/m' -d '$T/big.txt' -o '$T/p'"
expect_true "... draws nothing" "! grep -a -q -E 'reading|scoring|writing' '$T/lines'"
on_tty "train -q" "'$SMLOSS' train -q -d '$T/big.txt' -m '$T/m' --max-iter 2"
expect_true "... draws nothing" "! grep -a -q -E 'reading|L-BFGS' '$T/lines'"
"$SMLOSS" train -d "$T/big.txt" -m "$T/m" --max-iter 2 --cache "$T/c2.bin" 2> "$T/err" | cat
"$SMLOSS" predict -m "$T/m" -d "$T/big.txt" -o "$T/p" 2>&1 | cat > "$T/piped"
"$SMLOSS" eval -m "$T/m" -d "$T/big.gz" 2>&1 | cat >> "$T/piped"
expect_true "stderr a file or a pipe: no progress, no carriage return" \
    "! grep -a -q -E 'reading|hashing|scoring|writing|L-BFGS' '$T/err' '$T/piped' && ! grep -q \"\$(printf '\\r')\" '$T/err' '$T/piped'"
expect_true "... the epoch table still there" "grep -q '^ *1 ' '$T/err'"

finish
