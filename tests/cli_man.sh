#!/bin/sh
# cli_man.sh - the manual pages: smloss(1) and smloss-losses(7) render without
# a warning (when groff and man are installed; skipped with a message
# otherwise), and smloss-losses(7) documents every link term, objective,
# target and label transform the command line accepts. Shipped files cite
# the manual page, not the developers' notes.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS_DIR/.." && pwd)
M1=$ROOT/man/smloss.1
M7=$ROOT/man/smloss-losses.7

expect_true "smloss-losses.7 exists" "[ -s '$M7' ]"

# --- rendering ---
if command -v groff >/dev/null 2>&1; then
    for page in "$M1" "$M7"; do
        name=$(basename "$page")
        expect_ok "$name renders with groff -man" groff -man -Tutf8 -ww -z "$page"
        expect_true "$name: no groff warning" "[ ! -s '$T/err' ]"
    done
else
    skip "groff not installed: the pages' rendering is not checked (Debian: groff-base)"
fi
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$M7" >"$T/m7.txt" 2>"$T/m7.err"
    expect_true "man -l smloss-losses.7 prints the page" \
        "grep -q 'SMLOSS-LOSSES(7)' '$T/m7.txt' && grep -q 'COMPUTING THE DIVERGENCE' '$T/m7.txt'"
    expect_true "man -l smloss-losses.7: nothing on stderr" "[ ! -s '$T/m7.err' ]"
    MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$M1" >"$T/m1.txt" 2>/dev/null
    expect_true "smloss(1) refers to smloss-losses(7)" "grep -q 'smloss-losses(7)' '$T/m1.txt'"
else
    skip "man not installed: man -l is not tried (Debian: man-db)"
fi

# --- every name the command line accepts is documented ---
# documented: NAME as a word of the page (".B NAME", "NAME:key=...", ...)
documented() { grep -Eq "(^|[^a-z0-9])$1([^a-z0-9]|\$)" "$M7"; }
check_names() { # WHAT NAME...
    what=$1; shift
    [ $# -gt 0 ] || { fail "$what: no names found to check"; return; }
    for n in "$@"; do
        expect_true "$what '$n' is in smloss-losses.7" "documented '$n'"
    done
}
# link terms: from the spec table of 'smloss link --help' and from the
# parser's own list (the message for an unknown term)
"$SMLOSS" link --help >"$T/link-help" 2>&1
help_terms=$(sed -n '/^Link spec/,/^$/p' "$T/link-help" | sed -n 's/^  \([a-z][a-z0-9]*\)\([: ].*\)\{0,1\}$/\1/p')
"$SMLOSS" link --loss no_such_term >/dev/null 2>"$T/link-err"
parser_terms=$(sed -n 's/.*(terms: \(.*\)).*/\1/p' "$T/link-err" | tr -d ',')
# shellcheck disable=SC2086
check_names "link term (link --help)" $help_terms
# shellcheck disable=SC2086
check_names "link term (parser)" $parser_terms
# choices of train: the list in the message for an unknown value
choices() { # OPTION: the names after "must be one of"
    "$SMLOSS" train -d /dev/null -m "$T/none" "$1" no_such_value 2>&1 >/dev/null |
        sed -n 's/.*must be one of \(.*\), got .*/\1/p' | tr -d ','
}
# shellcheck disable=SC2046
check_names "objective" $(choices --objective)
# shellcheck disable=SC2046
check_names "target" $(choices --target)
# shellcheck disable=SC2046
check_names "label transform" $(choices --label-transform)

# --- shipped files cite the manual page, not the developers' notes ---
if grep -rn -e 'LOSSES\.md' -e '\.\./shared' "$ROOT/src" "$ROOT/man" "$ROOT/README.md" \
    "$ROOT/scripts" >"$T/cites" 2>/dev/null; then
    fail "shipped files cite LOSSES.md or ../shared" "$(head -5 "$T/cites")"
else
    pass
fi
finish
