#!/bin/sh
# run.sh - run every unit suite ($TEST_BIN_DIR/test_*, set by make check) and CLI suite (tests/cli_*.sh),
# then print the total as "N passed, N failed". Exit non-zero if anything failed.
cd "$(dirname "$0")/.." || exit 2
total_pass=0
total_fail=0
broken=0
for t in "${TEST_BIN_DIR:-tests/bin}"/test_* tests/cli_*.sh; do
    [ -e "$t" ] || continue
    case $t in *.sh) out=$(sh "$t") ;; *) out=$("$t") ;; esac
    rc=$?
    line=$(printf '%s\n' "$out" | tail -n 1)
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
