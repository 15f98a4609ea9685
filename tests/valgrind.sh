#!/bin/sh
# valgrind.sh - smloss under valgrind, for `make check-valgrind`, which sets
# SMLOSS to this script and SMLOSS_REAL to the binary. Any invalid access,
# use of uninitialised memory or leak (definite, indirect or possible) makes
# the command exit with status 99, which no test expects.
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    "${SMLOSS_REAL:?set SMLOSS_REAL to the smloss binary}" "$@"
