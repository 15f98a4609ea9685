#!/bin/sh
# cli_completion.sh - the bash completion that 'smloss completion bash'
# generates from the option tables: valid bash, and it completes the
# commands, each command's long options and the choices of a value.
. "$(dirname "$0")/lib.sh"

expect_ok "generate" "$SMLOSS" completion bash
cp "$T/out" "$T/smloss.bash"
expect_fail "only bash" 2 "completion bash" "$SMLOSS" completion zsh
if ! command -v bash >/dev/null 2>&1; then
    skip "bash is not installed: the generated script is not run"
    finish
    exit $?
fi
expect_ok "valid bash" bash -n "$T/smloss.bash"

# complete WORD...: the candidates bash offers for the last word of
# "smloss WORD...", one a line, sorted.
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=(smloss "$@"); COMP_CWORD=$#; _smloss
             printf "%s\n" "${COMPREPLY[@]}" | sort' complete "$T/smloss.bash" "$@"
}
has() { # has WORD CANDIDATES
    printf '%s\n' "$2" | grep -q -x -F -- "$1"
}

got=$(complete_words "")
for cmd in train predict eval link completion; do
    expect_true "command $cmd" "has $cmd \"\$got\""
done
got=$(complete_words completion "")
expect_true "completion completes to bash" "has bash \"\$got\""
got=$(complete_words tr)
expect_true "a prefix completes to its command" "[ \"\$got\" = train ]"

# every long option of every command, as its --help lists them
for cmd in train predict eval link; do
    complete_words "$cmd" -- > "$T/offered"
    "$SMLOSS" "$cmd" --help |
        sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' | sort -u > "$T/listed"
    expect_true "$cmd: options found in --help" "[ \$(wc -l < '$T/listed') -ge 4 ]"
    missing=$(comm -23 "$T/listed" "$T/offered" | tr '\n' ' ')
    expect_true "$cmd: every option completes (missing: $missing)" "[ -z '$missing' ]"
done
got=$(complete_words train --ob)
expect_true "a prefix completes to its option" "[ \"\$got\" = --objective ]"

# choices of a value, from the names tables
got=$(complete_words train --objective "")
for v in pointwise pairwise listwise multiclass; do
    expect_true "train --objective $v" "has $v \"\$got\""
done
got=$(complete_words train --optimizer ad)
expect_true "train --optimizer ad -> adagrad adam" "[ \"\$(echo \$got)\" = 'adagrad adam' ]"
got=$(complete_words eval --format "")
expect_true "eval --format json" "has json \"\$got\""
got=$(complete_words predict --output-type "")
expect_true "predict --output-type probs" "has probs \"\$got\""
# a number completes to nothing; a file name to files
got=$(complete_words train --epochs "")
expect_true "train --epochs: no candidates" "[ -z \"\$got\" ]"
: > "$T/housing.train"
for words in "train -d" "train --valid" "predict --cache" "eval --cache" "eval --per-query" \
    "eval -p" "train -i"; do
    got=$(cd "$T" && complete_words $words hous)
    expect_true "$words: file names" "has housing.train \"\$got\""
done
# --opt=value, as one word (COMP_WORDBREAKS without '=') and as bash splits it
got=$(complete_words eval --format=ts)
expect_true "eval --format=ts -> --format=tsv" "[ \"\$got\" = --format=tsv ]"
got=$(complete_words eval --format = ts)
expect_true "eval --format = ts -> tsv" "[ \"\$got\" = tsv ]"
got=$(complete_words eval --format =)
expect_true "eval --format = (just typed) -> every format" "[ \"\$(echo \$got)\" = 'json text tsv' ]"
got=$(cd "$T" && complete_words train --data=hous)
expect_true "train --data=hous -> --data=housing.train" "[ \"\$got\" = --data=housing.train ]"
got=$(complete_words train --epochs=)
expect_true "train --epochs=: no candidates" "[ -z \"\$got\" ]"
# the values of --metric and of eval --target
got=$(complete_words train --metric "")
for v in objective ndcg err map mrr accuracy top1-agreement; do
    expect_true "train --metric $v" "has $v \"\$got\""
done
got=$(complete_words train --metric=nd)
expect_true "train --metric=nd -> --metric=ndcg" "[ \"\$got\" = --metric=ndcg ]"
got=$(complete_words eval --target "")
expect_true "eval --target: matched and prob only" "[ \"\$(echo \$got)\" = 'matched prob' ]"
got=$(complete_words eval --duplicates "")
expect_true "eval --duplicates: error last sum" "[ \"\$(echo \$got)\" = 'error last sum' ]"
finish
