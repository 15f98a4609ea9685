#!/bin/sh
# gen_letor.sh - a seeded LETOR-like ranking set on stdout, for benchmarks.
#   sh scripts/gen_letor.sh [ROWS [FEATURES [SEED]]]     (20000 136 1)
# Queries of 20..180 rows (qid:N), FEATURES dense features numbered from 1
# (as in MSLR-WEB: most are nonzero in every row; about 1 in 10 is 0 and left
# out), values in [0, 1) with 4 digits; graded relevance 0..4 from a nonlinear
# function of a few features plus noise. Same arguments, same file (per awk).
rows=${1:-20000}
features=${2:-136}
seed=${3:-1}
exec awk -v n="$rows" -v d="$features" -v seed="$seed" 'BEGIN {
    srand(seed)
    qid = 0; left = 0
    for (r = 0; r < n; r++) {
        if (left == 0) { qid++; left = 20 + int(rand() * 161) }
        left--
        line = ""
        for (j = 1; j <= d; j++) {
            x[j] = rand() < 0.1 ? 0 : int(rand() * 10000) / 10000
            if (x[j] != 0) line = line sprintf(" %d:%.4f", j, x[j])
        }
        t = 3 * x[1] * x[2] + 2 * (x[3] - 0.5) ^ 2 + x[4] + 0.5 * rand()
        grade = int(t * 4 / 3.5); if (grade > 4) grade = 4
        printf "%d qid:%d%s\n", grade, qid, line
    }
}'
