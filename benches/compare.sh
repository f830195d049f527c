#!/usr/bin/env bash
# racetrail scan vs hl vs wc -l on one generated zap JSON log, in one run.
#
#   benches/compare.sh                       # 250 MB log, racetrail and wc -l
#   HL=/path/to/hl benches/compare.sh        # and hl (github.com/pamburus/hl)
#   BENCH_BYTES=1G BENCH_TOOLS=racetrail benches/compare.sh
#   BENCH_BYTES=10G BENCH_RUNS=1 BENCH_TOOLS=racetrail BENCH_KEEP_LOG=0 benches/compare.sh
#
# The log is examples/gen_access_log.rs's zapsvc-shaped log with
# `--pair-ids`: every map-access record carries a pair id (`acc_id`), a
# trace id and the goroutine; lock wait/acquire/release records are
# interleaved, as in an instrumented service. It is generated once into
# $BENCH_DIR, the page cache is warmed, then each timed round runs, in turn
# (so a drift of the machine's speed hits all alike):
#
#   wc -l LOG                                         the floor: read every byte
#   racetrail scan --format json --quiet LOG          the full analysis
#   $HL -P -q 'op=zzz' LOG                            hl parses every record and
#                                                     prints none (no op is "zzz")
#
# each under `/usr/bin/time -f '%e %U %S %M'`, stdout to /dev/null. It
# prints, per tool, the medians of $BENCH_RUNS rounds: wall seconds, MB/s
# (MB = 10^6 bytes), CPU seconds (user + system), peak RSS; for racetrail
# also the records and accesses of its report and the memory beyond the
# mapped input per access, (peak RSS - file size) / accesses (racetrail maps
# the file; its pages count in RSS once read), and, from one more run
# sampling /proc/PID/status every 20 ms, the peak of RssAnon (the heap and
# stacks: memory beyond the map measured directly, a lower bound since it is
# sampled). Before timing hl it checks that hl reads every record: the count
# of records `hl -q 'op=write'` prints must equal the count of lines with
# `"op":"write"`.
#
# Environment:
#   HL               hl binary; hl is skipped (and the output says so) when unset
#   BENCH_TOOLS      which of "wc racetrail hl" to run (default: all three)
#   BENCH_DIR        where the log lives         (default /tmp/racetrail-bench)
#   BENCH_BYTES      log size                    (default 250M; 1G, 10G, ...)
#   BENCH_SEED       generator seed              (default 1)
#   BENCH_WORKERS    simulated request workers   (default 5)
#   BENCH_RUNS       timed rounds                (default 5)
#   BENCH_ARGS       extra `racetrail scan` arguments, e.g. "-j 1"
#   BENCH_KEEP_LOG   0: delete the generated log at the end (default 1)
#   BENCH_SKIP_BUILD 1: use the binaries already built
#   CARGO_TARGET_DIR cargo's target directory    (default target/)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench_dir=${BENCH_DIR:-/tmp/racetrail-bench}
size=${BENCH_BYTES:-250M}
seed=${BENCH_SEED:-1}
workers=${BENCH_WORKERS:-5}
runs=${BENCH_RUNS:-5}
read -r -a extra <<<"${BENCH_ARGS:-}"
read -r -a tools <<<"${BENCH_TOOLS:-wc racetrail hl}"
target=${CARGO_TARGET_DIR:-target}
racetrail=$target/release/racetrail
gen=$target/release/examples/gen_access_log

note() { printf '%s\n' "$*" >&2; }

[[ -x /usr/bin/time ]] || { note "needs GNU time (/usr/bin/time; apt-get install time)"; exit 2; }
command -v jq >/dev/null || { note "needs jq (apt-get install jq)"; exit 2; }

want() {
    local t
    for t in "${tools[@]}"; do [[ $t == "$1" ]] && return 0; done
    return 1
}

hl_skipped=
if want hl; then
    if [[ -z ${HL:-} ]]; then
        hl_skipped="HL is not set (HL=/path/to/hl; github.com/pamburus/hl)"
    elif [[ ! -x $HL ]]; then
        hl_skipped="HL=$HL is not an executable"
    fi
    if [[ -n $hl_skipped ]]; then
        note "== hl skipped: $hl_skipped"
        tools=("${tools[@]/hl/}")
    fi
fi

if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
    for bin in "$racetrail" "$gen"; do
        [[ -x $bin ]] || { note "$bin not built (unset BENCH_SKIP_BUILD)"; exit 2; }
    done
else
    note "== build (release)"
    cargo build --release --quiet --bin racetrail --example gen_access_log
fi

mkdir -p "$bench_dir"
log=$bench_dir/access-$size-seed$seed-w$workers-pairids.jsonl
if [[ ! -s $log || $gen -nt $log ]]; then
    note "== generate $log"
    t0=$(date +%s%N)
    "$gen" --bytes "$size" --seed "$seed" --workers "$workers" --pair-ids "$log.tmp"
    mv "$log.tmp" "$log"
    note "   $(awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }') s"
fi
if [[ ${BENCH_KEEP_LOG:-1} == 0 ]]; then
    trap 'rm -f "$log" "$log.tmp"' EXIT
fi
bytes=$(wc -c <"$log")

note "== warm page cache"
cat "$log" >/dev/null

timing=$(mktemp)
trap 'rm -f "$timing"; [[ ${BENCH_KEEP_LOG:-1} == 0 ]] && rm -f "$log" "$log.tmp"' EXIT

cmd_of() {
    case $1 in
    wc) cmd=(wc -l "$log") ;;
    racetrail) cmd=("$racetrail" scan --format json --quiet ${extra[@]+"${extra[@]}"} "$log") ;;
    hl) cmd=("$HL" -P -q 'op=zzz' "$log") ;;
    esac
}

# run_once TOOL OUT -> r_wall r_cpu r_kb; racetrail exits 1 with findings
run_once() {
    local rc=0 maxrc=0 t0 t1 e u s
    [[ $1 == racetrail ]] && maxrc=1
    cmd_of "$1"
    t0=$(date +%s%N)
    /usr/bin/time -f '%e %U %S %M' -o "$timing" "${cmd[@]}" >"$2" || rc=$?
    t1=$(date +%s%N)
    if ((rc > maxrc)); then
        note "${cmd[*]} failed with status $rc"
        exit "$rc"
    fi
    # GNU time puts "Command exited with non-zero status N" first
    read -r e u s r_kb < <(tail -n 1 "$timing")
    r_wall=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }')
    r_cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}

records=0 accesses=0 conflicts=0
if want racetrail; then
    note "== racetrail: warm-up (its report gives the counts)"
    report=$bench_dir/compare-report.json
    run_once racetrail "$report"
    note "   $r_wall s, cpu $r_cpu s, peak RSS $((r_kb / 1024)) MiB"
    read -r records accesses conflicts < <(jq -r \
        '"\([.inputs[].records] | add) \(.summary.accesses) \(.summary.conflicts)"' "$report")
fi

if want hl; then
    note "== hl: check that it reads every record (op=write)"
    expect=$(grep -c '"op":"write"' "$log" || true)
    got=$("$HL" -P -q 'op=write' --raw "$log" | grep -c '"op":"write"' || true)
    got_all=$("$HL" -P -q 'op=write' --raw "$log" | wc -l)
    note "   lines with \"op\":\"write\": $expect; hl -q 'op=write' --raw printed $got_all, $got of them with it"
    if [[ $expect != "$got" || $expect != "$got_all" ]]; then
        note "hl's filter does not select every op=write record: its timings would not be comparable"
        exit 1
    fi
    run_once hl /dev/null # warm-up
fi
if want wc; then
    run_once wc /dev/null
fi

declare -A rows
for ((i = 1; i <= runs; i++)); do
    line="   round $i:"
    for t in "${tools[@]}"; do
        [[ -n $t ]] || continue
        run_once "$t" /dev/null
        rows[$t]+="$r_wall $r_cpu $r_kb"$'\n'
        line+=" $t $r_wall s ($((r_kb / 1024)) MiB);"
    done
    note "$line"
done

# peak RssAnon of racetrail, sampled (beyond the map, directly)
anon_kb=
if want racetrail; then
    cmd_of racetrail
    "${cmd[@]}" >/dev/null &
    pid=$!
    anon_kb=0
    while kill -0 "$pid" 2>/dev/null; do
        kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        [[ -n $kb ]] && ((kb > anon_kb)) && anon_kb=$kb
        sleep 0.02
    done
    wait "$pid" || true
fi

median() { # column of the rows of tool $1
    printf '%s' "${rows[$1]}" | awk -v c="$2" '{ print $c }' | sort -g | sed -n "$(((runs + 1) / 2))p"
}

echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg); median of $runs rounds, page cache warm"
printf '  input  %s: %d bytes (%.1f MB), %s records, %s accesses, %s conflicts\n' \
    "$log" "$bytes" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$records" "$accesses" "$conflicts"
printf '  %-10s %9s %9s %9s %11s  %s\n' tool wall MB/s cpu "peak RSS" command
for t in "${tools[@]}"; do
    [[ -n $t ]] || continue
    cmd_of "$t"
    wall=$(median "$t" 1) cpu=$(median "$t" 2) kb=$(median "$t" 3)
    printf '  %-10s %8.2fs %9.0f %8.2fs %7.0f MiB  %s > /dev/null\n' "$t" "$wall" \
        "$(awk -v b="$bytes" -v s="$wall" 'BEGIN { print (s > 0 ? b / 1e6 / s : 0) }')" "$cpu" \
        "$((kb / 1024))" "${cmd[*]/#$bench_dir\//}"
done
[[ -n $hl_skipped ]] && echo "  hl         skipped: $hl_skipped"
if want racetrail && ((accesses > 0)); then
    kb=$(median racetrail 3)
    awk -v kb="$kb" -v bytes="$bytes" -v acc="$accesses" -v rec="$records" -v anon="$anon_kb" 'BEGIN {
        beyond = kb * 1024 - bytes
        printf "  racetrail beyond the map: (peak RSS - file size) = %.0f MiB = %.1f bytes/access (%.1f bytes/record)\n", beyond / 1048576, beyond / acc, beyond / rec
        printf "  racetrail peak RssAnon (sampled every 20 ms) = %.0f MiB = %.1f bytes/access\n", anon / 1024, anon * 1024 / acc
    }'
fi
if want racetrail && want hl; then
    paste <(printf '%s' "${rows[racetrail]}") <(printf '%s' "${rows[hl]}") |
        awk '{ print $4 / $1 }' | sort -g | sed -n "$(((runs + 1) / 2))p" |
        awk '{ printf "  hl / racetrail wall, median of the rounds: %.2fx\n", $1 }'
fi
