#!/usr/bin/env bash
# Happens-before mode on a 5M-event STD trace (16 threads): parse and
# analysis throughput, and peak RSS.
#
#   benches/hb.sh            # from any directory
#
# Builds the gen_std_trace example (release), generates the trace once into
# $BENCH_DIR (kept between runs; regenerated when the generator binary is
# newer), warms the page cache, then runs `gen_std_trace --analyze TRACE`
# $BENCH_RUNS times. That runs racetrail::formats::std_trace::parse and
# racetrail::replay::hb::analyze and prints their times; the report gives
# the median run's events per second for each, and its peak RSS.
#
# TODO(integration): once the CLI has `racetrail scan --mode hb FILE`, time
# that instead (as benches/throughput.sh does for `scan`), keeping the
# example's --analyze for the split into parse and analysis.
#
# Environment:
#   BENCH_DIR        where the trace lives        (default /tmp/racetrail-bench)
#   BENCH_EVENTS     events in the trace          (default 5M)
#   BENCH_THREADS    threads in the trace         (default 16)
#   BENCH_SEED       generator seed               (default 1)
#   BENCH_RUNS       timed runs                   (default 3)
#   BENCH_SKIP_BUILD 1: use the binary already built
#   CARGO_TARGET_DIR cargo's target directory     (default target/)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench_dir=${BENCH_DIR:-/tmp/racetrail-bench}
events=${BENCH_EVENTS:-5M}
threads=${BENCH_THREADS:-16}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-3}
target=${CARGO_TARGET_DIR:-target}

gen=$target/release/examples/gen_std_trace
if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
    [[ -x $gen ]] || { echo "$gen not built (unset BENCH_SKIP_BUILD)" >&2; exit 2; }
else
    echo "== build (release)" >&2
    cargo build --release --quiet --example gen_std_trace
fi

mkdir -p "$bench_dir"
if [[ $events == 5M && $threads == 16 && $seed == 1 ]]; then
    trace=$bench_dir/std-5M-16t.std
else
    trace=$bench_dir/std-$events-${threads}t-seed$seed.std
fi
if [[ ! -s $trace || $gen -nt $trace ]]; then
    echo "== generate $trace" >&2
    "$gen" --events "$events" --threads "$threads" --seed "$seed" -o "$trace.tmp"
    mv "$trace.tmp" "$trace"
fi
bytes=$(wc -c <"$trace")

echo "== warm page cache" >&2
cat "$trace" >/dev/null

out=$(mktemp)
timing=$(mktemp)
trap 'rm -f "$out" "$timing"' EXIT
field() { awk -v k="$1" '$1 == k { print $2 }' "$out"; }
have_rss=0
[[ -x /usr/bin/time ]] && have_rss=1
results=()
for ((i = 1; i <= runs; i++)); do
    if ((have_rss)); then
        /usr/bin/time -f '%M' -o "$timing" "$gen" --analyze "$trace" >"$out"
        rss_kb=$(tail -n 1 "$timing")
    else
        "$gen" --analyze "$trace" >"$out"
        rss_kb=0
    fi
    parse_s=$(field parse_seconds)
    hb_s=$(field hb_seconds)
    printf '   run %d: parse %s s, analysis %s s%s\n' "$i" "$parse_s" "$hb_s" \
        "$( ((have_rss)) && echo ", peak RSS $((rss_kb / 1024)) MiB")" >&2
    results+=("$(awk -v p="$parse_s" -v h="$hb_s" 'BEGIN { printf "%.4f", p + h }') $parse_s $hb_s $rss_kb")
done

median=$(printf '%s\n' "${results[@]}" | sort -n -k1,1 | sed -n "$(((runs + 1) / 2))p")
read -r _ parse_s hb_s rss_kb <<<"$median"

echo
echo "gen_std_trace --analyze ($(nproc) cores, median of $runs runs by parse + analysis time)"
awk -v bytes="$bytes" -v parse_s="$parse_s" -v hb_s="$hb_s" -v rss_kb="$rss_kb" \
    -v have_rss="$have_rss" -v input="$trace" -v events="$(field events)" \
    -v threads="$(field threads)" -v vars="$(field variables)" -v locks="$(field locks)" \
    -v racy="$(field racy_events)" -v locs="$(field racy_locations)" '
BEGIN {
    printf "  input           %s\n", input
    printf "  bytes           %d (%.1f MB)\n", bytes, bytes / 1e6
    printf "  events          %d (%d threads, %d variables, %d locks)\n", events, threads, vars, locks
    printf "  racy events     %d\n", racy
    printf "  racy locations  %d\n", locs
    printf "  parse           %.3f s  %.1f M events/s  %.0f MB/s\n", parse_s, events / parse_s / 1e6, bytes / 1e6 / parse_s
    printf "  analysis        %.3f s  %.1f M events/s\n", hb_s, events / hb_s / 1e6
    if (have_rss)
        printf "  peak RSS        %.1f MiB (input read into memory: %.1f MiB)\n", rss_kb / 1024, bytes / 1048576
    else
        printf "  peak RSS        unavailable (no /usr/bin/time)\n"
}'
