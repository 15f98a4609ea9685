# torch_peer_lib.sh - what the PyTorch-peer benchmarks (bench_mlp.sh,
# bench_multiclass.sh) share, POSIX sh. Source it after setting PY.
#   peak_mb FILE.time      peak resident memory in MB from a GNU time report ("?" without)
#   timed OUT ERR CMD...   run CMD, stdout/stderr to OUT/ERR, GNU time's report to ERR.time
#   best                   the largest of the numbers on stdin
#   have_torch             1 when $PY imports torch, else 0
peak_mb() { awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024; found = 1 } END { if (!found) printf "?" }' "$1"; }
timed() {
    out=$1 err=$2; shift 2
    if [ -x /usr/bin/time ]; then /usr/bin/time -v -o "$err.time" "$@" > "$out" 2> "$err"
    else "$@" > "$out" 2> "$err"; : > "$err.time"; fi
}
best() { sort -g | tail -n 1; }
have_torch=1
"$PY" -c 'import torch' 2>/dev/null || have_torch=0
