#!/bin/sh
# run.sh - run the libFuzzer targets (built by `make fuzz` into build/fuzz/) for
# SECONDS each, one after the other, on a seed corpus gathered from tests/ and
# data/. Usage: tests/fuzz/run.sh SECONDS [TARGET...]   (default: all targets)
# The growing corpora live in build/fuzz/corpus/TARGET; crashes are written to
# build/fuzz/crashes/ and make the script fail. Prints one summary line per
# target with its run time and number of executions.
# A crash, once fixed, becomes a regression test: copy its input into
# tests/fuzz/regress/TARGET/, which `make check` replays (tests/fuzz/replay.c).
# (cache: its inputs are made by a table instead, tests/fuzz/cache_regress.c:
# add a row that makes the image, then `make fuzz-regress-cache`.)
# FUZZ_BUILD_DIR runs copies of the targets kept elsewhere (a long run while
# the sources change); FUZZ_FRESH=1 starts from the seeds alone in a corpus
# of its own, build/fuzz/fresh-corpus (the smoke run of make check, whose time
# should not grow with an accumulated corpus). FUZZ_SEED=N fixes libFuzzer's
# random seed (the smoke run's is 1: CI explores the same inputs each time;
# a slower machine a prefix of them), else every run draws a new one.
cd "$(dirname "$0")/../.." || exit 2
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-reader reader_gzip link groups model checkpoint cache targets emphasize}
B=${FUZZ_BUILD_DIR:-build/fuzz}
C=$B/corpus
[ "${FUZZ_FRESH:-0}" = 1 ] && C=$B/fresh-corpus && rm -rf "$C"
mkdir -p "$B/crashes" "$B/seeds"

seed() { # seed TARGET FILE...: copy seeds into the target's corpus
    t=$1; shift
    mkdir -p "$C/$t"
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "$C/$t/seed-$(echo "$f" | tr '/' '_')"
    done
}

data_heads() { # small slices of every bundled data file
    for f in data/*/*; do
        case $f in *PROVENANCE*|*.query) continue ;; esac
        head -n 12 "$f" > "$B/seeds/head-$(basename "$f")"
        echo "$B/seeds/head-$(basename "$f")"
    done
}

for t in $targets; do
    seed "$t" tests/fuzz/regress/"$t"/* # the inputs that once failed come first
    case $t in
    reader)
        seed reader tests/bad/reader/*.txt $(data_heads) ;;
    reader_gzip)
        for f in $(data_heads) tests/bad/reader/label_multilabel.txt; do
            z=$B/seeds/gz-$(basename "$f").gz
            gzip -9 -c "$f" > "$z"; seed reader_gzip "$f" "$z"
        done
        seed reader_gzip tests/bad/reader/*.txt ;;
    link)
        mkdir -p "$B/seeds/link"
        for s in lin sigmoid:a=2,c=1 lin:w=0.05+sigmoid:a=3,c=3 exp:a=-0.5,c=2,w=3 \
                 sinh:a=1e-3 pwl:knots=1/2/3,slopes=1/4/2/8 pwl:slopes=2 lin+exp+sinh+pwl:slopes=1 \
                 sigmoid:a=1e+2,c=-2.5; do
            printf '%s' "$s" > "$B/seeds/link/$(printf '%s' "$s" | cksum | cut -d' ' -f1)"
        done
        seed link "$B"/seeds/link/* tests/bad/link/*.txt ;;
    targets) ;; # its regression inputs above are its seeds (a mode byte, then a file)
    checkpoint) ;; # its regression inputs above are its seeds (adam-housing: a whole checkpoint)
    emphasize) ;; # its regression inputs above are its seeds
    groups)
        seed groups data/lightgbm-rank/*.query tests/bad/groups/*.txt ;;
    model)
        if [ -x ./smloss ]; then
            mkdir -p "$B/seeds/model"
            for l in lin sigmoid:a=2,c=1 pwl:knots=0.5,slopes=1/3; do
                ./smloss train -q --epochs 1 -d data/libsvm-housing-scale/housing_scale \
                    --loss "$l" -m "$B/seeds/model/$(printf '%s' "$l" | cksum | cut -d' ' -f1)"
            done
            for s in mlp:3 mlp:2,2; do
                ./smloss train -q --epochs 1 -d data/libsvm-heart-scale/heart_scale \
                    --scorer "$s" -m "$B/seeds/model/$(printf '%s' "$s" | cksum | cut -d' ' -f1)"
            done
            seed model "$B"/seeds/model/*
        fi
        seed model tests/bad/model/*.txt ;;
    cache) # caches of slices of the bundled data (the cache is written as
           # the data is loaded, whatever the training then makes of it)
        if [ -x ./smloss ]; then
            mkdir -p "$B/seeds/cache"
            for f in $(data_heads); do
                c=$B/seeds/cache/$(basename "$f").cache
                rm -f "$c"
                ./smloss train -q --epochs 1 -d "$f" -m "$B/seeds/cache/model" --cache "$c" 2>/dev/null
                # and one keeping row weights (DATA.weight beside the data)
                awk '{ print NR % 3 }' "$f" > "$f.weight"
                rm -f "${c%.cache}.weighted.cache"
                ./smloss train -q --epochs 1 -d "$f" -m "$B/seeds/cache/model" \
                    --cache "${c%.cache}.weighted.cache" 2>/dev/null
                rm -f "$f.weight"
            done
            rm -f "$B/seeds/cache/model"
            seed cache "$B"/seeds/cache/*.cache
        fi ;;
    *) echo "run.sh: unknown fuzz target '$t'" >&2; exit 2 ;;
    esac
done

status=0
for t in $targets; do
    bin=$B/fuzz_$t
    if [ ! -x "$bin" ]; then echo "run.sh: $bin is not built (make fuzz)" >&2; exit 2; fi
    log=$B/fuzz_$t.log
    start=$(date +%s)
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -artifact_prefix="$B/crashes/$t-" "$C/$t" > "$log" 2>&1
    rc=$?
    end=$(date +%s)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ $rc -eq 0 ]; then
        echo "fuzz $t: $((end - start)) s, ${runs:-?} executions, no finding"
    else
        echo "fuzz $t: FAILED after $((end - start)) s (exit $rc); see $log and $B/crashes/" >&2
        grep -m 5 -E 'ERROR|invariant|SUMMARY|abort|does not' "$log" >&2
        status=1
    fi
done
exit $status
