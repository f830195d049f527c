#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 120) from its seeds, one
# after the other, in one process each (one core). New inputs go to
# corpus/TARGET (git-ignored); seeds/TARGET is only read. Logs go to
# logs/TARGET.log (git-ignored), crashes to artifacts/TARGET/.
#
#   cd fuzz && ./run_all.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")"
secs=${1:-120}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=($(cargo +nightly fuzz list))
fi
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    echo "== $t (${secs}s)"
    cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -max_len=65536 -timeout=10 \
        -print_final_stats=1 >"logs/$t.log" 2>&1
    rc=$?
    grep -E '^#[0-9]+[[:space:]]+DONE' "logs/$t.log" | tail -1
    grep -E 'stat::number_of_executed_units' "logs/$t.log"
    grep -E "panicked at|ERROR: libFuzzer|SUMMARY|Test unit written" "logs/$t.log" | head -5
    echo "exit $rc"
done
