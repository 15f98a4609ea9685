# repro_lib.sh - shared pieces of the experiment scripts (scripts/exp_*.sh), POSIX sh.
# Source it: . "$(dirname "$0")/repro_lib.sh"
#   ROOT, SMLOSS, RESULTS      the checkout, the binary, where results go
#   folds FILE K DIR           K interleaved folds of FILE: DIR/train.F and DIR/test.F
#   mean_std                   stdin "key value" lines -> "key mean std n" (sample std)
#   have_gnuplot               true when gnuplot can draw PNGs; else says so once
#   plot FILE.gp               run a gnuplot script if gnuplot is there
#   train_model ARGS...        smloss train; a refused run (no minimum) or one that
#                              stopped short of the optimum is noted
#   refused_runs SCORER        the refused runs, for the Markdown tables
#   train_length, seeds_of     a scorer's training length and seeds (linear: to the optimum)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SMLOSS=${SMLOSS:-$ROOT/smloss}
RESULTS=${RESULTS:-$ROOT/results}
export LC_ALL=C

[ -x "$SMLOSS" ] || { echo "$0: $SMLOSS is missing: run 'make' first" >&2; exit 1; }

folds() {
    mkdir -p "$3"
    awk -v k="$2" -v dir="$3" '
        !/^[ \t]*(#|$)/ { f = n++ % k
            for (i = 0; i < k; i++) print > (dir "/" (i == f ? "test." : "train.") i) }' "$1"
}

mean_std() {
    awk '{ n[$1]++; s[$1] += $2; q[$1] += $2 * $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
         END { for (i = 1; i <= k; i++) { key = order[i]; m = s[key] / n[key]
                 v = n[key] > 1 ? (q[key] - n[key] * m * m) / (n[key] - 1) : 0
                 printf "%s %.6g %.6g %d\n", key, m, (v > 0 ? sqrt(v) : 0), n[key] } }'
}

GNUPLOT_SAID=
have_gnuplot() {
    if command -v gnuplot >/dev/null 2>&1 && gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then
        return 0
    fi
    if command -v gnuplot >/dev/null 2>&1 && gnuplot -e 'set terminal png' >/dev/null 2>&1; then
        return 0
    fi
    [ -n "$GNUPLOT_SAID" ] || echo "gnuplot with PNG output not found: skipping the pictures (apt-get install gnuplot-nox)" >&2
    GNUPLOT_SAID=1
    return 1
}

# The PNG terminal gnuplot has: pngcairo when built with cairo, else png.
png_terminal() {
    if gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then
        echo "pngcairo size 900,540 font 'Sans,11'"
    else
        echo "png size 900,540"
    fi
}

plot() {
    have_gnuplot || return 0
    gnuplot "$1"
}

# collect_regions MODEL DATA KEY RAW [STAT...]: evaluate MODEL on DATA and
# append "KEY|REGION|STAT value" lines to RAW for each region and "all"
# (default stats: rmse bias mae). Also leaves the report in $RAW.report.
collect_regions() {
    model=$1 data=$2 key=$3 raw=$4
    shift 4
    [ $# -gt 0 ] || set -- rmse bias mae
    "$SMLOSS" eval -q -d "$data" -m "$model" --format tsv > "$raw.report"
    for stat in "$@"; do
        awk -F'\t' -v key="$key" -v stat="$stat" \
            '$1 == "region" && $3 == stat { print key "|" $2 "|" stat, $4 }' "$raw.report" >> "$raw"
    done
}

# region_labels REPORT: "index<TAB>interval" per region of a TSV report.
region_labels() {
    awk -F'\t' '$1 == "info" && $3 ~ /^interval_/ { sub(/^interval_/, "", $3); print $3 "\t" $4 }' "$1"
}

# md_table TSV REGIONS SELECT...: a Markdown table of "mean ± std" cells from
# TSV lines "group... key region stat mean std n" (the last six fields), rows
# = key, columns = regions then "all", for the lines whose leading fields
# equal SELECT (e.g. "housing linear rmse" selects group housing/linear and stat rmse).
md_table() {
    tsv=$1 regions=$2
    shift 2
    awk -F'\t' -v sel="$*" -v regfile="$regions" '
        BEGIN { ns = split(sel, want, " ")
                while ((getline line < regfile) > 0) { split(line, p, "\t"); label[p[1]] = p[2]; nreg = p[1] + 1 } }
        { ok = 1; for (i = 1; i < ns; i++) if ($i != want[i]) ok = 0
          if (!ok || $(NF - 3) != want[ns]) next
          key = $(NF - 5)
          if (!(key in seen)) { seen[key] = 1; order[++n] = key }
          cell[key, $(NF - 4)] = sprintf("%.3f ± %.3f", $(NF - 2), $(NF - 1)) }
        END { printf "| loss |"; for (r = 0; r < nreg; r++) printf " %s |", label[r]; print " all |"
              printf "|---|"; for (r = 0; r <= nreg; r++) printf "---:|"; print ""
              for (i = 1; i <= n; i++) { k = order[i]; printf "| `%s` |", k
                  for (r = 0; r < nreg; r++) printf " %s |", cell[k, r]; printf " %s |\n", cell[k, "all"] } }' "$tsv"
}

# md_metric_table TSV SCORER "STAT..." ["HEADER..." [FIRST]]: a Markdown table of
# "mean ± std" cells from TSV lines "scorer key... stat mean std n", rows =
# key (fields 2 .. NF-4, shown as code; FIRST heads them, default "loss"),
# columns = the given stats, for the lines of SCORER.
md_metric_table() {
    awk -F'\t' -v scorer="$2" -v stats="$3" -v heads="${4:-$3}" -v first="${5:-loss}" '
        BEGIN { ns = split(stats, st, " "); split(heads, hd, " "); for (i = 1; i <= ns; i++) want[st[i]] = 1
                printf "| %s |", first; for (i = 1; i <= ns; i++) printf " %s |", hd[i]; print ""
                printf "|---|"; for (i = 1; i <= ns; i++) printf "---:|"; print "" }
        $1 == scorer && ($(NF - 3) in want) { key = "`" $2 "`"; for (i = 3; i <= NF - 4; i++) key = key " `" $i "`"
            if (!(key in seen)) { seen[key] = 1; order[++n] = key }
            cell[key, $(NF - 3)] = sprintf("%.3f ± %.3f", $(NF - 2), $(NF - 1)) }
        END { for (k = 1; k <= n; k++) { printf "| %s |", order[k]
                for (i = 1; i <= ns; i++) printf " %s |", ((order[k], st[i]) in cell) ? cell[order[k], st[i]] : ""
                print "" } }' "$1"
}

# train_model ARGS...: smloss train ARGS (with -m MODEL). When smloss refuses
# the run because its objective has no minimum, the run is listed in
# $OUT/refused ("scorer|objective|loss|why", once: later tries of the same
# run are refused at once) and it returns 1, so the caller skips it; any
# other failure stops the experiment. A run of the L-BFGS solver that stopped
# before it converged (at --max-iter) is listed in $RESULTS/unconverged,
# which reproduce.sh reports in the README, so no table claims an optimum
# that a run did not reach.
train_model() {
    model= scorer=linear objective=pointwise loss=lin
    for arg in "$@"; do
        case ${prev:-} in
        -m) model=$arg ;; --scorer) scorer=$arg ;; --objective) objective=$arg ;; --loss) loss=$arg ;;
        esac
        prev=$arg
    done
    prev=
    run="$scorer|$objective|$loss"
    touch "$OUT/refused"
    awk -F'|' -v run="$run" '$1 "|" $2 "|" $3 == run { found = 1 } END { exit !found }' "$OUT/refused" &&
        return 1
    if ! "$SMLOSS" train "$@" 2> "$OUT/train.err"; then
        grep -q 'has no minimum' "$OUT/train.err" || { cat "$OUT/train.err" >&2; exit 1; }
        # why, without the data file's name: the same words in any checkout
        sed -n 's/.*\(has no minimum[^;]*\);.*/\1/p' "$OUT/train.err" | head -n 1 |
            awk -v run="$run" '{ print run "|" $0 }' >> "$OUT/refused"
        return 1
    fi
    cat "$OUT/train.err" >&2
    case $(sed -n 's/^stop_reason=//p' "$model") in
    "" | converged) ;;
    *) echo "$(basename "$0" .sh): $scorer $objective $loss: stopped at --max-iter" >> "$RESULTS/unconverged" ;;
    esac
}

# refused_runs SCORER: the runs of SCORER that smloss refused, as Markdown
# list items after an empty line (nothing when there were none).
refused_runs() {
    [ -s "$OUT/refused" ] && awk -F'|' -v s="$1" '$1 == s { f = 1 } END { exit !f }' "$OUT/refused" ||
        return 0
    echo
    awk -F'|' -v scorer="$1" '$1 == scorer {
        printf "- `%s` `%s`: not in the table; smloss refuses it: the objective %s.\n", $2, $3, $4 }' "$OUT/refused"
}

# train_length SCORER EPOCHS: the options that say how long a run trains:
# none for a linear scorer, whose default solver (L-BFGS) trains to the
# optimum, and --epochs EPOCHS for an MLP (SGD; no optimum to reach).
train_length() { [ "$1" = linear ] || echo "--epochs $2"; }

# seeds_of SCORER N: the training seeds to average over: 1 .. N for an MLP
# (SGD draws its initial weights and batches from the seed), only 1 for a
# linear scorer (L-BFGS starts from zero: every seed gives the same model).
seeds_of() { if [ "$1" = linear ]; then echo 1; else seq "$2"; fi; }

# need_multiclass NAME: exit the experiment (successfully, with a note) when
# this smloss has no multi-class objective.
need_multiclass() {
    "$SMLOSS" train --help 2>&1 | grep -q 'multiclass' && return 0
    echo "$1: this smloss has no multi-class objective: skipping it" >&2
    exit 0
}

# teacher_logits MODEL DATA OUT: the model's K class scores of every row of
# DATA, shifted so that each row's top score is 0 (where the selective
# composite softmaxes of the experiments are steep), one row a line.
teacher_logits() {
    "$SMLOSS" predict -q -m "$1" -d "$2" --output-type scores |
        awk '{ m = $1; for (i = 2; i <= NF; i++) if ($i > m) m = $i
               for (i = 1; i <= NF; i++) printf "%s%.17g", (i > 1 ? " " : ""), $i - m; print "" }' > "$3"
}

# class_figures REPORT KEY: "KEY|NAME value" lines of the figures of a class
# report (`smloss eval --format tsv` of a multi-class model): accuracy,
# top_K_accuracy, macro_f1, top1 (agreement with the target), overlapK, ndcgK
# and band_H_L (order accuracy of target rank band H over band L, "2-3" as 23).
class_figures() {
    awk -F'\t' -v key="$2" '
        $1 == "summary" && $3 == "accuracy" { print key "|accuracy", $4 }
        $1 == "summary" && $3 == "top_k_accuracy" { print key "|top_" $2 "_accuracy", $4 }
        $1 == "summary" && $3 == "top1_agreement" { print key "|top1", $4 }
        $1 == "summary" && ($3 == "overlap" || $3 == "ndcg") { print key "|" $3 $2, $4 }
        $1 == "class" && $2 == "macro" && $3 == "f1" { print key "|macro_f1", $4 }
        $1 == "band_accuracy" { h = $2; l = $3; gsub("-", "", h); gsub("-", "", l); print key "|band_" h "_" l, $4 }' "$1"
}
