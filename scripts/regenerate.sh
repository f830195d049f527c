#!/usr/bin/env bash
# Regenerates the man page and shell completions from the CLI definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=${CARGO_TARGET_DIR:-target}/debug/racetrail
"$bin" generate man > man/racetrail.1
"$bin" generate man-scan > man/racetrail-scan.1
"$bin" generate man-graph > man/racetrail-graph.1
"$bin" generate man-timeline > man/racetrail-timeline.1
"$bin" generate man-dumps > man/racetrail-dumps.1
"$bin" generate man-merge > man/racetrail-merge.1
"$bin" generate man-probe > man/racetrail-probe.1
"$bin" generate man-record > man/racetrail-record.1
"$bin" generate bash > completions/racetrail.bash
"$bin" generate zsh > completions/_racetrail
"$bin" generate fish > completions/racetrail.fish
echo "regenerated man/racetrail.1 and completions/"
