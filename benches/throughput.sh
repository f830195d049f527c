#!/usr/bin/env bash
# Throughput of `racetrail scan` on a ~250 MB zap JSON access log.
#
#   benches/throughput.sh            # from any directory
#
# Builds racetrail and the gen_access_log example (release), generates the
# log once into $BENCH_DIR (kept between runs; regenerated when the
# generator binary is newer), warms the page cache, then times
# `racetrail scan --format json --quiet LOG > /dev/null` $BENCH_RUNS times
# and reports the median run: MB/s (MB = 10^6 bytes), peak RSS, and the
# memory beyond the mapped input per access.
#
# Environment:
#   BENCH_DIR        where the log lives        (default /tmp/racetrail-bench)
#   BENCH_BYTES      log size for the generator (default 250M)
#   BENCH_SEED       generator seed             (default 1)
#   BENCH_WORKERS    simulated request workers  (default 5)
#   BENCH_RUNS       timed runs                 (default 5)
#   BENCH_ARGS       extra `racetrail scan` arguments, e.g. "-j 1"
#   BENCH_FORMAT     json (default), console or logfmt: the same records
#                    re-encoded by benches/convert_formats.py
#   BENCH_SKIP_BUILD 1: use the binaries already built (e.g. while the tree
#                    does not compile)
#   CARGO_TARGET_DIR cargo's target directory   (default target/)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench_dir=${BENCH_DIR:-/tmp/racetrail-bench}
size=${BENCH_BYTES:-250M}
seed=${BENCH_SEED:-1}
workers=${BENCH_WORKERS:-5}
runs=${BENCH_RUNS:-5}
read -r -a extra <<<"${BENCH_ARGS:-}"
target=${CARGO_TARGET_DIR:-target}

racetrail=$target/release/racetrail
gen=$target/release/examples/gen_access_log
if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
    for bin in "$racetrail" "$gen"; do
        [[ -x $bin ]] || { echo "$bin not built (unset BENCH_SKIP_BUILD)" >&2; exit 2; }
    done
else
    echo "== build (release)" >&2
    cargo build --release --quiet --bin racetrail --example gen_access_log
fi

mkdir -p "$bench_dir"
log=$bench_dir/access-$size-seed$seed-w$workers.jsonl
if [[ ! -s $log || $gen -nt $log ]]; then
    echo "== generate $log" >&2
    "$gen" --bytes "$size" --seed "$seed" --workers "$workers" "$log.tmp"
    mv "$log.tmp" "$log"
fi
# BENCH_FORMAT=console|logfmt: the same records in zap's console encoding or
# as logfmt (benches/convert_formats.py, made once next to the JSON log).
format=${BENCH_FORMAT:-json}
if [[ $format != json ]]; then
    prefix=${log%.jsonl}
    converted=$prefix.$format.log
    if [[ ! -s $converted || $log -nt $converted ]]; then
        echo "== convert to console and logfmt" >&2
        python3 benches/convert_formats.py "$log" "$prefix"
    fi
    log=$converted
fi
bytes=$(wc -c <"$log")

echo "== warm page cache" >&2
cat "$log" >/dev/null

# racetrail exits 1 when it reports findings (the log has conflicts)
scan() {
    local rc=0
    "$racetrail" scan --format json --quiet ${extra[@]+"${extra[@]}"} "$log" || rc=$?
    if ((rc > 1)); then
        echo "racetrail scan failed with status $rc" >&2
        return "$rc"
    fi
}

# warm-up run, which also gives the summary counts
report=$bench_dir/report.json
scan >"$report"
if command -v jq >/dev/null; then
    read -r records accesses conflicts < <(jq -r \
        '"\([.inputs[].records] | add) \(.summary.accesses) \(.summary.conflicts)"' "$report")
else
    read -r records accesses conflicts < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(i["records"] for i in d["inputs"]), d["summary"]["accesses"], d["summary"]["conflicts"])
' "$report")
fi

timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
results=()
if [[ -x /usr/bin/time ]]; then
    have_rss=1
else
    have_rss=0
    echo "note: /usr/bin/time not found: timing with bash's time, peak RSS unavailable" >&2
fi
for ((i = 1; i <= runs; i++)); do
    if ((have_rss)); then
        rc=0
        t0=$(date +%s%N)
        /usr/bin/time -f '%M' -o "$timing" \
            "$racetrail" scan --format json --quiet ${extra[@]+"${extra[@]}"} "$log" >/dev/null || rc=$?
        t1=$(date +%s%N)
        if ((rc > 1)); then
            echo "racetrail scan failed with status $rc" >&2
            exit "$rc"
        fi
        # wall time in ms resolution (time's %e has 10 ms); GNU time puts
        # "Command exited with non-zero status 1" before the RSS line
        secs=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }')
        rss_kb=$(tail -n 1 "$timing")
    else
        TIMEFORMAT=%3R
        secs=$( { time scan >/dev/null; } 2>&1 )
        rss_kb=0
    fi
    printf '   run %d: %s s%s\n' "$i" "$secs" "$( ((have_rss)) && echo ", peak RSS $((rss_kb / 1024)) MiB")" >&2
    results+=("$secs $rss_kb")
done

median=$(printf '%s\n' "${results[@]}" | sort -n -k1,1 | sed -n "$(((runs + 1) / 2))p")
read -r secs rss_kb <<<"$median"

echo
echo "racetrail scan --format json --quiet${BENCH_ARGS:+ $BENCH_ARGS} ($(nproc) cores, median of $runs runs)"
awk -v bytes="$bytes" -v secs="$secs" -v rss_kb="$rss_kb" -v have_rss="$have_rss" \
    -v records="$records" -v accesses="$accesses" -v conflicts="$conflicts" -v input="$log" '
BEGIN {
    printf "  input       %s\n", input
    printf "  bytes       %d (%.1f MB)\n", bytes, bytes / 1e6
    printf "  records     %d\n", records
    printf "  accesses    %d\n", accesses
    printf "  conflicts   %d\n", conflicts
    printf "  seconds     %.3f\n", secs
    if (secs > 0) printf "  throughput  %.1f MB/s\n", bytes / 1e6 / secs
    if (have_rss) {
        rss = rss_kb * 1024
        printf "  peak RSS    %.1f MiB\n", rss / 1048576
        if (accesses > 0)
            printf "  beyond input (peak RSS - file size) / accesses: %.1f bytes/access (%.1f bytes/record)\n", \
                (rss - bytes) / accesses, (rss - bytes) / records
    } else {
        printf "  peak RSS    unavailable (no /usr/bin/time)\n"
    }
}'
