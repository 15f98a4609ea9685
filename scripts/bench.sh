#!/bin/sh
# bench.sh - smloss against its peers, measured side by side in one run
# (make bench). Usage: sh scripts/bench.sh [--quick]
#
# Generates the workloads with a seeded generator (scripts/gen_bench.c) into
# build/bench/ (never committed):
#   letor   LETOR-like dense ranking text, 200k rows x 136 features, 50 rows/qid
#   sparse  sparse regression, 500k rows x 20 nonzeros of 1M features,
#           heavy-tailed label
# both also gzip-compressed (gzip -1). --quick uses a tenth of the rows.
# Runs each peer that is installed (xgboost CLI, scikit-learn, zlib's gzread
# alone) and prints one table: workload, measure, smloss figure, peer and its
# figure, ratio (higher is better for smloss), the goal, and the peak memory
# (RSS) of each process. Then runs every other scripts/bench_*.sh.
# Figures are wall-clock on a possibly busy machine: compare ratios, which are
# measured in the same run.
set -u
cd "$(dirname "$0")/.." || exit 2
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ $QUICK = 1 ]; then LETOR_ROWS=20000 SPARSE_ROWS=50000 EPOCHS=2
else LETOR_ROWS=200000 SPARSE_ROWS=500000 EPOCHS=5; fi
B=build/bench
mkdir -p "$B"
CC=${CC:-cc}
PY=/usr/bin/python3
SMLOSS=./smloss
[ -x "$SMLOSS" ] && [ -f build/release/libsmloss.a ] || { echo "bench.sh: run 'make' first (or 'make bench')" >&2; exit 2; }

# --- tools ---
build_tool() { # NAME SOURCE EXTRA...
    out=$B/$1; src=$2; shift 2
    if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ build/release/libsmloss.a -nt "$out" ]; then
        $CC -O2 -Isrc/lib -DWITH_CACHE -o "$out" "$src" "$@" || exit 1
    fi
}
build_tool gen_bench scripts/gen_bench.c -lm
build_tool gzread_bench scripts/gzread_bench.c -lz
build_tool bench_load scripts/bench_load.c build/release/libsmloss.a -lz -lm -pthread

# --- peers ---
HAVE_XGB=0 HAVE_SK=0 HAVE_TIME=0
command -v xgboost >/dev/null 2>&1 && HAVE_XGB=1
$PY -c 'import sklearn' >/dev/null 2>&1 && HAVE_SK=1
[ -x /usr/bin/time ] && HAVE_TIME=1
[ $HAVE_XGB = 1 ] || echo "peer missing: xgboost CLI (install: apt-get install xgboost)"
[ $HAVE_SK = 1 ] || echo "peer missing: scikit-learn (install: apt-get install python3-sklearn)"
[ $HAVE_TIME = 1 ] || echo "peak memory not measured: /usr/bin/time missing (install: apt-get install time)"

# run NAME CMD...: run with stdout in $B/NAME.out, stderr in $B/NAME.err, and
# the peak RSS in MB in $B/NAME.mem ("-" when unknown).
run() {
    name=$1; shift
    if [ $HAVE_TIME = 1 ]; then
        /usr/bin/time -f '%M' -o "$B/$name.kb" "$@" >"$B/$name.out" 2>"$B/$name.err"
        rc=$?
        awk '{ printf "%.0f\n", $1 / 1024 }' "$B/$name.kb" | tail -n 1 >"$B/$name.mem"
    else
        "$@" >"$B/$name.out" 2>"$B/$name.err"
        rc=$?
        echo - >"$B/$name.mem"
    fi
    [ $rc = 0 ] || { echo "bench.sh: $name failed (exit $rc): $(head -c 300 "$B/$name.err")" >&2; }
    return $rc
}
mem() { cat "$B/$1.mem" 2>/dev/null || echo -; }
field() { awk -v f="$2" '{ print $f }' "$B/$1.out" | tail -n 1; } # NAME FIELD
calc() { awk "BEGIN { printf \"%.${2:-2}f\", ($1) }"; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }'; }
fastest() { # NAME CMD...: run CMD 3 times; print the smallest first field of its output
    best=
    for rep in 1 2 3; do run "$@" || return 1; best=$(min "$best" "$(field "$1" 1)"); done
    echo "$best"
}

ROWS_FMT="%-16s %-26s %10s  %-22s %10s %7s  %-8s %7s %7s\n"
TABLE=$B/table.txt
printf "$ROWS_FMT" workload measure smloss peer peer ratio goal "mem MB" "peer MB" >"$TABLE"
row() { printf "$ROWS_FMT" "$@" >>"$TABLE"; }

# --- data ---
gen() { # KIND ROWS SEED [gz] -> path (with gz: also FILE.gz)
    f=$B/$1-$2.txt
    if [ ! -s "$f" ]; then
        echo "generating $f" >&2
        "$B/gen_bench" "$1" "$2" "$3" >"$f.part" && mv "$f.part" "$f" || exit 1
    fi
    if [ "${4:-}" = gz ] && [ ! -s "$f.gz" ]; then
        { gzip -1 -c "$f" >"$f.gz.part" && mv "$f.gz.part" "$f.gz"; } || exit 1
    fi
    echo "$f"
}
LETOR=$(gen letor $LETOR_ROWS 1 gz)
SPARSE=$(gen sparse $SPARSE_ROWS 2 gz)

# --- parsing, gzip, cache, memory ---
for W in letor sparse; do
    if [ $W = letor ]; then F=$LETOR; else F=$SPARSE; fi
    bytes=$(wc -c <"$F")
    mb=$(calc "$bytes / 1e6" 1)
    echo "== $W: $F ($mb MB)" >&2
    run sm_parse_$W "$B/bench_load" "$F" 0 || continue
    t=$(field sm_parse_$W 1); rows=$(field sm_parse_$W 2); nnz=$(field sm_parse_$W 3)
    sm_mbs=$(calc "$bytes / 1e6 / $t" 0)
    if [ $HAVE_XGB = 1 ]; then
        printf 'task = train\n' >"$B/xgb.conf"
        # one cheap gblinear round: the CLI needs one; its log times the load alone
        if run xgb_$W xgboost "$B/xgb.conf" "data=$F?format=libsvm" num_round=1 booster=gblinear \
            nthread=0 verbosity=3 "model_out=$B/xgb.model"; then
            xt=$(sed -n 's/.*Loading data: \([0-9.e+-]*\) sec.*/\1/p' "$B/xgb_$W.err" | head -n 1)
            [ -n "$xt" ] && row "$W" "text parse MB/s" "$sm_mbs" "xgboost CLI load" "$(calc "$bytes / 1e6 / $xt" 0)" \
                "$(calc "$xt / $t")" ">= 1.5" "$(mem sm_parse_$W)" "$(mem xgb_$W)"
        fi
    fi
    if [ $HAVE_SK = 1 ] && run sk_load_$W $PY scripts/bench_peers.py load "$F"; then
        st=$(field sk_load_$W 1)
        row "$W" "text parse MB/s" "$sm_mbs" "sklearn load_svmlight" "$(calc "$bytes / 1e6 / $st" 0)" \
            "$(calc "$st / $t")" ">= 8" "$(mem sm_parse_$W)" "$(mem sk_load_$W)"
    fi
    # gzip: MB/s of uncompressed text against inflating alone, both the
    # fastest of 3 (a few seconds each, and the most sensitive to a busy
    # machine: smloss inflates on one core while the other parses)
    if gt=$(fastest sm_gz_$W "$B/bench_load" "$F.gz" 0) &&
        zt=$(fastest gzread_$W "$B/gzread_bench" "$F.gz"); then
        row "$W.gz" "gzip input MB/s" "$(calc "$bytes / 1e6 / $gt" 0)" "zlib gzread alone" \
            "$(calc "$bytes / 1e6 / $zt" 0)" "$(calc "$zt / $gt")" ">= 0.8" "$(mem sm_gz_$W)" "$(mem gzread_$W)"
    fi
    # cache: the first run writes it, the next ones map it; smloss against
    # itself, so both sides are the fastest of 3
    rm -f "$B/$W.cache"
    if run sm_cache_build_$W "$B/bench_load" "$F" 0 "$B/$W.cache" &&
        ct=$(fastest sm_cache_$W "$B/bench_load" "$F" 0 "$B/$W.cache") &&
        pt=$(fastest sm_reparse_$W "$B/bench_load" "$F" 0); then
        row "$W" "cache reload s" "$ct" "text parse (smloss)" "$pt" "$(calc "$pt / $ct" 1)" ">= 5" \
            "$(mem sm_cache_$W)" "$(mem sm_parse_$W)"
        # bytes a value: the rows held in memory (compact rows, dataset.h:
        # a row of every feature i .. j keeps one index) and the cache file,
        # against the sparse layout's 8 a nonzero and 16 a row
        sparse_b=$(calc "(8 * $nnz + 16 * $rows + 8) / $nnz")
        held_b=$(calc "$(field sm_parse_$W 4) / $nnz")
        cache_b=$(calc "$(wc -c <"$B/$W.cache") / $nnz")
        goal=-; [ $W = letor ] && goal="<= 4.5"
        row "$W" "B/value in memory" "$held_b" "sparse layout" "$sparse_b" "$(calc "$sparse_b / $held_b")" \
            "$goal" - -
        row "$W" "B/value in the cache" "$cache_b" "sparse layout" "$sparse_b" "$(calc "$sparse_b / $cache_b")" \
            "$goal" - -
    fi
    # memory: peak RSS per nonzero beyond 16 bytes per row (label + offset)
    smb=$(awk -v kb="$(cat "$B/sm_parse_$W.kb" 2>/dev/null || echo 0)" -v r="$rows" -v n="$nnz" \
        'BEGIN { printf "%.1f", (kb * 1024 - 16 * r) / n }')
    xb=-; xr=-
    if [ -s "$B/xgb_$W.kb" ]; then
        xb=$(awk -v kb="$(cat "$B/xgb_$W.kb")" -v r="$rows" -v n="$nnz" 'BEGIN { printf "%.1f", (kb * 1024 - 16 * r) / n }')
        xr=$(calc "$xb / $smb")
    fi
    row "$W" "peak RSS B/nnz (+16 B/row)" "$smb" "xgboost CLI" "$xb" "$xr" "<= 10" "$(mem sm_parse_$W)" "$(mem xgb_$W)"
done

# --- linear pointwise SGD, nonzeros per second, parse excluded ---
# smloss: the epoch table's cumulative seconds (training only, parse
# excluded). sklearn: SGDRegressor.fit alone. Same file, same epochs, one
# example per step for both (--batch 1), so like is compared with like. Each
# side's own setup inside training counts: for smloss the passes for the
# maxabs feature scales and the curvature-relative learning rate (sklearn
# neither scales features nor sets a rate from the data), the objective at
# the start (divergence check) and the exact one after the last epoch (the
# epochs before report the progressive one, as sklearn computes it); for
# sklearn its input checks. Each side trains SGD_REPEATS times and the
# fastest run counts (the machine may be shared: the fastest run is the one
# least disturbed, for both sides alike).
SGD_REPEATS=3
sm_train() { # NAME FILE [REPEATS]: train REPEATS (SGD_REPEATS) times, print nnz/s of the fastest
    best=
    for rep in $(seq "${3:-$SGD_REPEATS}"); do
        run "$1" "$SMLOSS" train -d "$2" -m "$B/$1.model" --epochs $EPOCHS --batch 1 --threads 0 \
            --cache "$B/$1.cache" || return 1
        secs=$(awk '$1 ~ /^[0-9]+$/ { s = $4 } END { print s }' "$B/$1.err")
        best=$(min "$best" "$secs")
    done
    nz=$("$B/bench_load" "$2" 0 "$B/$1.cache" | awk '{ print $3 }')
    calc "$nz * $EPOCHS / $best" 0
}
echo "== linear SGD on $SPARSE ($EPOCHS epochs, fastest of $SGD_REPEATS)" >&2
if sm_nzs=$(sm_train sm_sgd "$SPARSE"); then
    if [ $HAVE_SK = 1 ] && run sk_sgd $PY scripts/bench_peers.py sgd "$SPARSE" $EPOCHS $SGD_REPEATS; then
        sk_nzs=$(calc "$(field sk_sgd 3) * $EPOCHS / $(field sk_sgd 1)" 0)
        row sparse "SGD nnz/s per epoch" "$sm_nzs" "sklearn SGDRegressor" "$sk_nzs" \
            "$(calc "$sm_nzs / $sk_nzs")" ">= 3" "$(mem sm_sgd)" "$(mem sk_sgd)"
    else
        row sparse "SGD nnz/s per epoch" "$sm_nzs" "-" "-" "-" ">= 3" "$(mem sm_sgd)" "-"
    fi
fi

# the same on the LETOR-like rows (compact: no peer; against the sparse
# workload's rate, in the same run)
echo "== linear SGD on $LETOR ($EPOCHS epochs, fastest of $SGD_REPEATS)" >&2
if sm_letor_nzs=$(sm_train sm_sgd_letor "$LETOR"); then
    row letor "SGD nnz/s per epoch" "$sm_letor_nzs" "smloss on sparse" "${sm_nzs:--}" \
        "$([ -n "${sm_nzs:-}" ] && calc "$sm_letor_nzs / $sm_nzs" || echo -)" "-" "$(mem sm_sgd_letor)" "-"
fi

# --- scaling: seconds per nonzero at 1x, 2x, 4x data (parse and SGD) ---
# 1x is the sparse workload itself, 2x and 4x the same generator with 2 and 4
# times the rows. Three rounds, each parsing and training once on every size
# in turn, so that a busy spell of the machine hits all sizes alike; each
# size keeps its fastest figures.
echo "== scaling" >&2
S1=$SPARSE; S2=$(gen sparse $((SPARSE_ROWS * 2)) 3); S4=$(gen sparse $((SPARSE_ROWS * 4)) 4)
keep_min() { eval "old=\${$1}"; eval "$1=$(min "$old" "$2")"; } # VAR VALUE
p1=; p2=; p4=; s1=; s2=; s4=
for rep in 1 2 3; do
    for m in 1 2 4; do
        eval "f=\$S$m"
        run scale_parse "$B/bench_load" "$f" 0 || break 2
        keep_min p$m "$(calc "$(field scale_parse 1) / $(field scale_parse 3) * 1e9" 3)"
        n=$(sm_train scale_sgd_$m "$f" 1) || break 2
        keep_min s$m "$(calc "1e9 / $n" 3)"
    done
done
pmin=; pmax=; tmin=; tmax=
for m in 1 2 4; do
    eval "f=\$S$m p=\$p$m s=\$s$m"
    [ -n "$p" ] && [ -n "$s" ] || continue
    # sklearn's SGD on the same files, for comparison: random-order SGD
    # slows down per nonzero once the data outgrows the caches, whoever runs it
    k=
    if [ $HAVE_SK = 1 ]; then
        if [ $m = 1 ] && [ -s "$B/sk_sgd.out" ]; then cp "$B/sk_sgd.out" "$B/scale_sk.out"
        else run scale_sk $PY scripts/bench_peers.py sgd "$f" $EPOCHS || break; fi
        k=$(calc "$(field scale_sk 1) / ($(field scale_sk 3) * $EPOCHS) * 1e9" 3)
        kmin=$(min "${kmin:-}" "$k"); kmax=$(max "${kmax:-}" "$k")
    fi
    echo "   ${m}x $f: parse $p ns/nnz, SGD $s ns/nnz${k:+ (sklearn $k)}" >&2
    pmin=$(min "$pmin" "$p"); pmax=$(max "$pmax" "$p")
    tmin=$(min "$tmin" "$s"); tmax=$(max "$tmax" "$s")
done
[ -n "$pmax" ] && row sparse "parse ns/nnz max/min 1-4x" "$pmax/$pmin" "-" "-" "$(calc "$pmax / $pmin")" "<= 1.2" "-" "-"
if [ -n "${kmax:-}" ]; then sk_scale=$(calc "$kmax / $kmin"); sk_name="sklearn's own max/min"
else sk_scale=-; sk_name=-; fi
[ -n "$tmax" ] && row sparse "SGD ns/nnz max/min 1-4x" "$tmax/$tmin" "$sk_name" "$sk_scale" "$(calc "$tmax / $tmin")" "<= 1.2" "-" "-"
rm -f "$B"/*.cache

echo
echo "smloss $($SMLOSS --version | awk 'NR == 1 { print $2 }') on $(nproc) cores; ratio = smloss speed / peer speed (memory: peer / smloss)"
[ $QUICK = 1 ] && echo "--quick: a smoke run of this script on a tenth of the rows; fixed start-up costs and the
0.01 s resolution of the epoch table dominate at these sizes, so its ratios are not the measurements"
cat "$TABLE"

# --- the other benchmarks (MLP, ranking, ...) ---
for s in scripts/bench_*.sh; do
    [ -f "$s" ] || continue
    echo
    echo "== $s"
    if [ $QUICK = 1 ]; then sh "$s" --quick; else sh "$s"; fi
done
