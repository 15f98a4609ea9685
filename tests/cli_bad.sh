#!/bin/sh
# cli_bad.sh - the malformed-input corpus through the command line. Every case
# in tests/bad/KIND/ is NAME.expect (line 1: exit status, line 2: an extended
# regex the message must match, optional line 3: the command's arguments) and,
# for most kinds, the input NAME.txt. Without a line 3 the kind's default
# command is used:
#   reader   train -q -d @FILE@ -m @OUT@     (also checked in-process by test_libsvm)
#   model    predict -m @FILE@ -d @DATA@
#   link     link --loss @TEXT@              (@TEXT@: the contents of NAME.txt)
#   groups   train -q -d @DATA@ --group @FILE@ -m @OUT@
#   options  (always a line 3)
# Placeholders: @FILE@ the case's .txt, @DATA@ bundled housing data, @MODEL@ a
# model trained on it, @OUT@ an output path that must not exist afterwards,
# @DIR@ a directory, @MISSING@ a path that does not exist, @EMPTY@ an empty
# file, @SCRATCH@ a scratch directory. Each case must fail with its status and
# message on stderr, print nothing on stdout, create no @OUT@ and leave no
# temporary file anywhere in the scratch directories.
. "$(dirname "$0")/lib.sh"
H=$DATA/libsvm-housing-scale/housing_scale
mkdir -p "$T/dir" "$T/scratch" "$T/work"
: > "$T/empty"
"$SMLOSS" train -q --epochs 2 -d "$H" -m "$T/good.model" || fail "train the reference model"

default_args() { # sets args for kinds with a default command
    case $1 in
    reader) args='train -q -d @FILE@ -m @OUT@' ;;
    model) args='predict -m @FILE@ -d @DATA@' ;;
    link) args='link --loss "@TEXT@"' ;;
    groups) args='train -q -d @DATA@ --group @FILE@ -m @OUT@' ;;
    esac
}

# Replace the placeholders; values are quoted for the `eval` below.
expand() {
    printf '%s\n' "$1" | sed -e "s|@FILE@|'$2'|g" -e "s|@DATA@|'$H'|g" \
        -e "s|@MODEL@|'$T/good.model'|g" -e "s|@OUT@|'$T/work/out'|g" -e "s|@DIR@|'$T/dir'|g" \
        -e "s|@MISSING@|'$T/missing'|g" -e "s|@EMPTY@|'$T/empty'|g" -e "s|@SCRATCH@|'$T/scratch'|g"
}

run_case() { # run_case KIND NAME (lib.sh's helpers set $name: not used here)
    kind=$1; case_name=$2; dir=$TESTS_DIR/bad/$kind
    { read -r want; read -r regex; read -r args; } < "$dir/$case_name.expect"
    [ -n "$args" ] || default_args "$kind" # options: empty = no arguments at all
    args=$(expand "$args" "$dir/$case_name.txt")
    case $args in *@TEXT@*)
        text=$(cat "$dir/$case_name.txt")
        # @TEXT@ sits inside double quotes; link specs hold no quote or '$'.
        args=$(printf '%s\n' "$args" | awk -v t="$text" '{ sub(/@TEXT@/, t); print }') ;;
    esac
    eval "set -- $args"
    expect_fail "$kind/$case_name" "$want" "$regex" "$SMLOSS" "$@"
    if [ -s "$T/out" ]; then fail "$kind/$case_name: wrote to stdout" "$(head -c 200 "$T/out")"; fi
    if [ -e "$T/work/out" ]; then fail "$kind/$case_name: left an output file"; rm -f "$T/work/out"; fi
    for left in "$T"/work/.*.tmp.* "$T"/dir/.*.tmp.* "$T"/scratch/.*.tmp.*; do
        if [ -e "$left" ]; then fail "$kind/$case_name: left a temporary file" "$left"; rm -f "$left"; fi
    done
}

n=0
for kind in reader link model groups options; do
    for e in "$TESTS_DIR/bad/$kind"/*.expect; do
        [ -e "$e" ] || continue
        run_case "$kind" "$(basename "$e" .expect)"
        n=$((n + 1))
    done
done
expect_true "the corpus has cases" "[ $n -ge 100 ]"
finish
