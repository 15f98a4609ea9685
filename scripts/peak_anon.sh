# peak_anon.sh - sourced by tests/cli_outofcore.sh and scripts/bench_outofcore.sh.
# peak_anon PID: wait for process PID (a child of this shell) while sampling
# its RssAnon (the anonymous memory, without mapped files' pages) every 10 ms;
# prints the peak in kB, returns its exit status.
peak_anon() {
    peak=0
    while kill -0 "$1" 2>/dev/null; do
        a=$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
        [ -n "$a" ] && [ "$a" -gt "$peak" ] && peak=$a
        sleep 0.01
    done
    echo "$peak"
    wait "$1"
}
