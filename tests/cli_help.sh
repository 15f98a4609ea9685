#!/bin/sh
# cli_help.sh - the help and the manual against the sources: every name of a
# choice table (the *_names[] tables that parsing reads) shows in the --help
# paragraph of its option and in the manual, and every long option of a
# command (its struct option table) shows in its --help and in the manual.
# A name added to a table or an option added to a command fails here until
# the help and man/smloss.1 show it.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS_DIR/.." && pwd)
SRC=$ROOT/src/lib      # the engine: its tables of names
CLI_SRC=$ROOT/src/cli  # the command line: its option tables
MAN=$ROOT/man/smloss.1

# table_names FILE TABLE [FIELD]: the string literals of TABLE's initializer in
# FILE, one per line (with FIELD, only those of ".FIELD = ").
table_names() {
    awk -v table="$2" -v field="${3:-}" '
        !inside && index($0, table "[") && $0 ~ /\] = \{/ { inside = 1; $0 = substr($0, index($0, "{")) }
        inside {
            line = $0
            pat = field == "" ? "\"[^\"]*\"" : "\\." field " = \"[^\"]*\""
            while (match(line, pat)) {
                s = substr(line, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
                print s
                line = substr(line, RSTART + RLENGTH)
            }
            if (index($0, "};")) exit
        }' "$1"
}

# help_paragraph CMD OPTION: the lines of CMD's --help that describe OPTION
# (its line and the continuation lines indented under the descriptions).
help_paragraph() {
    "$SMLOSS" $1 --help | awk -v opt="$2" '
        /^ *(-[a-zA-Z], )?--[a-z]/ || /^[^ ]/ { on = 0 }
        /^ *(-[a-zA-Z], )?--[a-z]/ { n = split($0, w, /[ ,]+/); for (i = 1; i <= n; i++) if (w[i] == opt) on = 1 }
        on'
}

# man_paragraph OPTION: the manual's paragraphs (.TP to the next .TP, .SS or
# .SH) whose tag names OPTION; the manual spells its "--" as "\-\-".
man_paragraph() {
    awk -v opt="\\\\-\\\\-${1#--}" '
        /^\.(TP|SS|SH)/ { on = 0; tag = /^\.TP/; next }
        tag { tag = 0; on = index($0, opt " ") || substr($0, length($0) - length(opt) + 1) == opt }
        on' "$MAN"
}

has_word() { # has_word WORD TEXT
    printf '%s\n' "$2" | grep -q -w -F -- "$1"
}

# choices CMD OPTION FILE TABLE [FIELD]: every name of the table in the
# option's help and manual paragraphs ("default", a target that is no value,
# is left out).
choices() {
    cmd=$1; opt=$2; names=$(table_names "$SRC/$3" "$4" "${5:-}" | grep -v -x default)
    help=$(help_paragraph "$cmd" "$opt")
    man=$(man_paragraph "$opt")
    expect_true "$4: names found in src/lib/$3" "[ \$(printf '%s\n' \"\$names\" | wc -l) -ge 2 ]"
    expect_true "$cmd $opt: help paragraph found" "[ -n \"\$help\" ]"
    for choice in $names; do # (lib.sh's helpers set $name)
        expect_true "$cmd $opt --help shows '$choice' ($4)" "has_word '$choice' \"\$help\""
        expect_true "man smloss $opt shows '$choice' ($4)" "has_word '$choice' \"\$man\""
    done
}

choices train --label-transform dataset.c label_transform_names
choices train --objective objective.c objective_kind_names
# each objective's help line, from its row (objective_<kind>.c's .help): a
# line "NAME: " a kind, in the paragraph and no wider than 80 columns (the
# option's own line, which lists the names, aside)
help=$(help_paragraph train --objective)
for kind in $(table_names "$SRC/objective.c" objective_kind_names); do
    expect_true "train --objective --help has a line '$kind: ...'" \
        "printf '%s\n' \"\$help\" | grep -q '^ *$kind: [a-z]'"
done
expect_true "train --objective --help: no line over 80 columns" \
    "! printf '%s\n' \"\$help\" | sed 1d | grep -q '.\{81\}'"
choices train --target objective.c objective_target_names
choices train --activation mlp_shape.c activation_names
choices train --optimizer optim.c optim_kind_names
choices train --lr-schedule optim.c optim_schedule_names
choices train --scale train_config.c feature_scaling_names
choices train --metric rank_metrics.c rank_metric_names
# scorer kinds: the .name of each kind's operations table (scorer.h)
scorers=$(sed -n 's/^ *\.name = "\([a-z]*\)",$/\1/p' "$SRC"/*.c)
expect_true "scorer kinds found in src/lib/*.c" "[ \$(printf '%s\n' \"\$scorers\" | wc -l) -ge 2 ]"
help=$(help_paragraph train --scorer)
man=$(man_paragraph --scorer)
for choice in $scorers; do
    expect_true "train --scorer --help shows '$choice'" "has_word '$choice' \"\$help\""
    expect_true "man smloss --scorer shows '$choice'" "has_word '$choice' \"\$man\""
done
choices eval --label-transform dataset.c label_transform_names
choices eval --format report.c report_format_names
choices eval --metric-gain rank_metrics.c rank_gain_names
choices eval --no-relevant rank_metrics.c rank_no_relevant_names

# The link terms: in 'smloss link --help' and the manual's LINK SPECIFICATION.
terms=$(table_names "$SRC/link.c" term_table name)
expect_true "link terms found in src/lib/link.c" "[ \$(printf '%s\n' \"\$terms\" | wc -l) -ge 2 ]"
"$SMLOSS" link --help > "$T/link.help"
for term in $terms; do
    expect_true "link --help shows the term '$term'" "grep -q -E '^  $term(:| )' '$T/link.help'"
    expect_true "man smloss shows the term '$term'" "grep -q -x -F '.B $term' '$MAN'"
done

# Every long option of every command: in its --help and in the manual.
for cmd in train predict eval link; do
    # (the file that holds the command's option table)
    file=$(grep -l "^static const struct option ${cmd}_options" "$CLI_SRC"/*.c)
    opts=$(grep -o '{"[a-z0-9-]*", *[a-z]*_argument' $file | sed 's/{"\([^"]*\)".*/\1/')
    expect_true "${cmd}_options: options found" "[ \$(printf '%s\n' \"\$opts\" | wc -l) -ge 4 ]"
    "$SMLOSS" $cmd --help > "$T/$cmd.help"
    for opt in $opts; do
        expect_true "$cmd --help shows --$opt" "grep -q -E -- '--$opt([ ,]|\$)' '$T/$cmd.help'"
        expect_true "man smloss shows --$opt" "grep -q -F -- '\\-\\-$opt' '$MAN'"
    done
done
finish
