#!/usr/bin/env bash
# Goroutine-dump benchmark: racetrail vs panicparse on a real 50k-goroutine
# Go crash dump.
#
#   benches/dumps.sh            # from any directory
#
# Builds benches/dumpgen (Go, std only, GOPATH mode) into $BENCH_DIR, runs it
# with GOMAXPROCS=2 so that the runtime itself aborts with
# `fatal error: concurrent map writes` and prints every goroutine to stderr
# (captured as dump50k.stderr; the program exits 2; re-run while the dump
# lacks the fatal error line), builds racetrail (release), then times, with
# `/usr/bin/time -f '%e %M'`, after one warm-up run each, the median of
# $BENCH_RUNS runs of
#
#   racetrail dumps DUMP > /dev/null
#       (falls back to `racetrail scan --format json DUMP` while the `dumps`
#       subcommand does not exist; the output says which one ran)
#   panicparse -no-color -parse=false -rebase=false DUMP > /dev/null
#       (Debian's panicparse 2.x; -parse=false: do not read source files to
#       deduce argument types, -rebase=false: do not probe the file system to
#       guess GOROOT/GOPATH; plain-text bucketed digest)
#   the same with -aggressive (buckets ignore non-pointer argument values;
#       the default keeps goroutines whose arguments differ apart, which on
#       this dump gives ~13k buckets and most of its run time)
#
# and prints the dump's size and goroutine count, seconds and peak RSS of
# each, and the speed ratios (the headline one against default panicparse).
#
# Environment:
#   BENCH_DIR          where the generator and the dump live (default /tmp/racetrail-bench)
#   BENCH_GOROUTINES   goroutines in the dump                 (default 50000)
#   BENCH_RUNS         timed runs of each tool                (default 5)
#   BENCH_REGEN        1: regenerate the dump even if it is up to date
#   BENCH_SKIP_BUILD   1: use the racetrail binary already built
#   GO                 Go toolchain (default /usr/lib/go-1.19/bin/go, else `go`)
#   CARGO_TARGET_DIR   cargo's target directory               (default target/)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench_dir=${BENCH_DIR:-/tmp/racetrail-bench}
goroutines=${BENCH_GOROUTINES:-50000}
runs=${BENCH_RUNS:-5}
target=${CARGO_TARGET_DIR:-target}
racetrail=$target/release/racetrail

note() { printf '%s\n' "$*" >&2; }

# ---- tools ----
missing=()
if [[ -z ${GO:-} && ! -x /usr/lib/go-1.19/bin/go ]] && ! command -v go >/dev/null; then
    missing+=(golang-go)
fi
command -v panicparse >/dev/null || missing+=(panicparse)
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
    note "== apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [[ -n ${GO:-} ]]; then
    go=$GO
elif [[ -x /usr/lib/go-1.19/bin/go ]]; then
    go=/usr/lib/go-1.19/bin/go
else
    go=$(command -v go)
fi

# ---- the dump ----
mkdir -p "$bench_dir"
if ((goroutines % 1000 == 0)); then
    dump=$bench_dir/dump$((goroutines / 1000))k.stderr
else
    dump=$bench_dir/dump$goroutines.stderr
fi
gen=$bench_dir/dumpgen
note "== build dumpgen ($("$go" version))"
GO111MODULE=off GOFLAGS= GOCACHE=${GOCACHE:-$bench_dir/gocache} \
    "$go" build -o "$gen" ./benches/dumpgen

gen_secs=
if [[ ${BENCH_REGEN:-0} == 1 || ! -s $dump || benches/dumpgen/main.go -nt $dump ]]; then
    for ((try = 1; ; try++)); do
        note "== generate $dump ($goroutines goroutines, try $try)"
        rc=0
        t0=$(date +%s%N)
        (
            ulimit -c 0
            env -u GOTRACEBACK -u GODEBUG GOMAXPROCS=2 \
                "$gen" -goroutines "$goroutines" >"$bench_dir/dumpgen.stdout" 2>"$dump.tmp"
        ) || rc=$?
        t1=$(date +%s%N)
        gen_secs=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }')
        if grep -q '^fatal error: concurrent map writes$' "$dump.tmp"; then
            ((rc == 2)) || note "   note: dumpgen exited $rc (expected 2)"
            mv "$dump.tmp" "$dump"
            break
        fi
        note "   no fatal error line (exit status $rc); running again"
        if ((try >= 5)); then
            note "dumpgen produced no crash dump in $try tries; last stderr: $dump.tmp"
            exit 1
        fi
    done
fi

bytes=$(wc -c <"$dump")
headers=$(grep -c '^goroutine [0-9]* \[' "$dump")
ids=$(grep -o '^goroutine [0-9]* \[' "$dump" | sort -u | wc -l)
fatal_lines=$(grep -c '^fatal error: ' "$dump")
# distinct stacks: state + function and file:line of every frame + creator
# (arguments, offsets and goroutine ids left out)
stacks=$(awk 'BEGIN { RS = "" }
/^goroutine [0-9]+ \[/ {
    k = $0
    sub(/^goroutine [0-9]+ /, "", k)
    gsub(/\([^\n]*\)\n/, "\n", k)
    gsub(/ \+0x[0-9a-f]+/, "", k)
    seen[k] = 1
}
END { print length(seen) }' "$dump")

# ---- racetrail ----
if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
    [[ -x $racetrail ]] || { note "$racetrail not built (unset BENCH_SKIP_BUILD)"; exit 2; }
else
    note "== build racetrail (release)"
    cargo build --release --quiet --bin racetrail
fi
if "$racetrail" dumps --help >/dev/null 2>&1; then
    rt_args=(dumps "$dump")
else
    rt_args=(scan --format json "$dump")
fi
pp_args=(-no-color -parse=false -rebase=false "$dump")
ppa_args=(-aggressive "${pp_args[@]}")

timing=$(mktemp)
trap 'rm -f "$timing" "$dump.tmp"' EXIT

# run_once OUT MAXRC CMD... -> r_secs, r_kb (stdout to OUT)
# racetrail exits 1 when it reports findings; panicparse exits 0
run_once() {
    local out=$1 maxrc=$2 rc=0
    shift 2
    /usr/bin/time -f '%e %M' -o "$timing" "$@" >"$out" || rc=$?
    if ((rc > maxrc)); then
        note "$* failed with status $rc"
        exit "$rc"
    fi
    # GNU time puts "Command exited with non-zero status N" before the line
    read -r r_secs r_kb < <(tail -n 1 "$timing")
}

# bench NAME MAXRC CMD... -> med_secs, med_kb; the warm-up's output is
# kept as $bench_dir/NAME.out, the timed runs write to /dev/null
bench() {
    local name=$1 maxrc=$2 i results=()
    shift 2
    note "== $name: $*"
    run_once "$bench_dir/$name.out" "$maxrc" "$@"
    note "   warm-up: $r_secs s, peak RSS $((r_kb / 1024)) MiB"
    for ((i = 1; i <= runs; i++)); do
        run_once /dev/null "$maxrc" "$@"
        note "   run $i: $r_secs s, peak RSS $((r_kb / 1024)) MiB"
        results+=("$r_secs $r_kb")
    done
    read -r med_secs med_kb < <(printf '%s\n' "${results[@]}" | sort -n -k1,1 | sed -n "$(((runs + 1) / 2))p")
}

cat "$dump" >/dev/null # page cache
bench racetrail 1 "$racetrail" "${rt_args[@]}"
rt_secs=$med_secs rt_kb=$med_kb
bench panicparse 0 panicparse "${pp_args[@]}"
pp_secs=$med_secs pp_kb=$med_kb
buckets=$(grep -c '^[0-9][0-9]*: ' "$bench_dir/panicparse.out" || true)
bench panicparse-aggressive 0 panicparse "${ppa_args[@]}"
ppa_secs=$med_secs ppa_kb=$med_kb
abuckets=$(grep -c '^[0-9][0-9]*: ' "$bench_dir/panicparse-aggressive.out" || true)

if [[ ${rt_args[0]} == dumps ]]; then
    used="racetrail dumps (subcommand present)"
else
    used="racetrail scan --format json (fallback: no 'dumps' subcommand yet)"
fi
echo
echo "goroutine dump benchmark ($(nproc) cores, median of $runs runs after a warm-up; /usr/bin/time %e %M)"
awk -v dump="$dump" -v bytes="$bytes" -v headers="$headers" -v ids="$ids" \
    -v fatal="$fatal_lines" -v stacks="$stacks" -v gen="$gen_secs" -v used="$used" \
    -v rt_cmd="racetrail ${rt_args[*]/#$bench_dir\//}" -v pp_cmd="panicparse ${pp_args[*]/#$bench_dir\//}" \
    -v ppa_cmd="panicparse ${ppa_args[*]/#$bench_dir\//}" \
    -v rt_secs="$rt_secs" -v rt_kb="$rt_kb" -v pp_secs="$pp_secs" -v pp_kb="$pp_kb" -v buckets="$buckets" \
    -v ppa_secs="$ppa_secs" -v ppa_kb="$ppa_kb" -v abuckets="$abuckets" '
BEGIN {
    printf "  dump          %s\n", dump
    printf "  size          %.1f MB (%d bytes)%s\n", bytes / 1e6, bytes, gen != "" ? sprintf(", generated in %s s", gen) : " (reused; BENCH_REGEN=1 to regenerate)"
    printf "  goroutines    %d headers, %d distinct ids, %d distinct stacks; %d fatal error line(s)\n", headers, ids, stacks, fatal
    printf "  mode          %s\n", used
    printf "  %-23s %6.2f s  peak RSS %7.1f MiB  (%s > /dev/null)\n", "racetrail", rt_secs, rt_kb / 1024, rt_cmd
    printf "  %-23s %6.2f s  peak RSS %7.1f MiB  (%s > /dev/null; %d buckets)\n", "panicparse", pp_secs, pp_kb / 1024, pp_cmd, buckets
    printf "  %-23s %6.2f s  peak RSS %7.1f MiB  (%s > /dev/null; %d buckets)\n", "panicparse -aggressive", ppa_secs, ppa_kb / 1024, ppa_cmd, abuckets
    if (rt_secs > 0) {
        printf "  ratio         racetrail is %.1fx faster than panicparse (s / s), %.1fx less peak RSS\n", pp_secs / rt_secs, pp_kb / rt_kb
        printf "                and %.1fx faster than panicparse -aggressive, %.1fx less peak RSS\n", ppa_secs / rt_secs, ppa_kb / rt_kb
    } else
        printf "  ratio         racetrail took < 0.01 s (below /usr/bin/time resolution)\n"
}'
