#!/bin/sh
# run.sh - run every unit suite ($TEST_BIN_DIR/test_*, set by make check) and CLI suite (tests/cli_*.sh),
# then print the total as "N passed, N failed". Exit non-zero if anything failed.
# TEST_JOBS suites run at once (default: one per core; every suite keeps its
# files in a directory of its own); their summary lines are printed in the
# suites' order all the same.
cd "$(dirname "$0")/.." || exit 2
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
out_dir=$(mktemp -d "${TMPDIR:-/tmp}/smloss-run.XXXXXX") || exit 2
trap 'rm -rf "$out_dir"' EXIT
trap 'exit 130' INT TERM

suites=
for t in "${TEST_BIN_DIR:-tests/bin}"/test_* tests/cli_*.sh; do
    [ -e "$t" ] && suites="$suites $t"
done

# Each suite's output goes to OUT/N.out, its exit status to OUT/N.rc.
n=0
for t in $suites; do
    n=$((n + 1))
    printf '%s %s\n' "$n" "$t"
done | xargs -P "$jobs" -n 2 sh -c '
    case $2 in *.sh) sh "$2" ;; *) "$2" ;; esac > "$0/$1.out" 2>"$0/$1.err"
    echo $? > "$0/$1.rc"' "$out_dir"

total_pass=0
total_fail=0
broken=0
n=0
for t in $suites; do
    n=$((n + 1))
    rc=$(cat "$out_dir/$n.rc" 2>/dev/null || echo 127)
    cat "$out_dir/$n.err" >&2 2>/dev/null
    line=$(tail -n 1 "$out_dir/$n.out" 2>/dev/null)
    echo "$line"
    p=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then
        echo "BROKEN $t (exit $rc, no summary line)" >&2
        broken=$((broken + 1))
        continue
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "BROKEN $t (exit $rc)" >&2
        broken=$((broken + 1))
    fi
done
total_fail=$((total_fail + broken))
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
