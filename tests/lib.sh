# lib.sh - helpers for the end-to-end CLI suites (tests/cli_*.sh), POSIX sh.
#
# Each suite: `. "$(dirname "$0")/lib.sh"`, then calls `check NAME CMD...` style
# helpers, then `finish`. SMLOSS is the binary under test, DATA the bundled data,
# T a scratch directory removed at exit.
#   expect_ok NAME CMD...              exit status 0
#   expect_fail NAME STATUS REGEX CMD...  exit status STATUS and stderr matching REGEX
#   expect_true NAME CMD...            any shell condition (for comparisons)
# Output of the last command: $T/out, $T/err.
set -u
: "${SMLOSS:=$(cd "$(dirname "$0")/.." && pwd)/smloss}"
: "${DATA:=$(cd "$(dirname "$0")/.." && pwd)/data}"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
SUITE=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/smloss-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); }
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL $SUITE: $1" >&2
    shift
    [ $# -gt 0 ] && printf '  %s\n' "$@" >&2
    return 0
}

expect_ok() {
    name=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then pass; else
        fail "$name" "exit $? from: $*" "stderr: $(head -c 600 "$T/err")"; fi
}

expect_fail() {
    name=$1; want=$2; regex=$3; shift 3
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name" "exit $got, want $want from: $*" "stderr: $(head -c 600 "$T/err")"
    elif ! grep -E -q -- "$regex" "$T/err"; then
        fail "$name" "stderr does not match /$regex/" "stderr: $(head -c 600 "$T/err")"
    else pass; fi
}

expect_true() {
    name=$1; shift
    if eval "$@"; then pass; else fail "$name" "condition false: $*"; fi
}

skip() { echo "SKIP $SUITE: $*" >&2; }

finish() {
    echo "$SUITE: $PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
