#!/usr/bin/env bash
# Scaling table for the README: devices against wall time, CPU time and peak RSS, for
# systems-only runs (scenarios/stress-systems.toml, 200 kbit/s of uplink per device) and training
# runs (scenarios/stress-500.toml, 100 kbit/s per device): both scenarios scale their uplink with
# fl.devices (channel.uplink.rate_per_device), so no run jams its own uplink.
#
#   scripts/scaling.sh [SYSTEMS_COUNTS] [TRAINING_COUNTS]
#   scripts/scaling.sh "1000 10000 100000 1000000" "100 1000 3000"
#
# Prints a Markdown table. Peak RSS is from /usr/bin/time -v; on a loaded machine wall time
# overstates the cost, so CPU time (user + system) is printed beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
SYSTEMS=${1:-"1000 10000 100000 1000000"}
TRAINING=${2:-"100 1000 3000"}
BIN=target/release/flsnn
cargo build --release --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

measure() { # label devices scenario
    local label=$1 n=$2 scenario=$3
    /usr/bin/time -v "$BIN" run "$scenario" --threads 2 --set fl.devices="$n" \
        --out "$OUT/$label-$n" >/dev/null 2>"$OUT/time"
    local wall cpu rss events
    wall=$(awk -F': ' '/Elapsed/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$OUT/time")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$OUT/time")
    rss=$(awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}' "$OUT/time")
    events=$(grep -o '"events": [0-9]*' "$OUT/$label-$n/summary.json" | grep -o '[0-9]*$')
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$n" "$cpu" "$wall" "$rss" \
        "$events" "$(awk -v e="$events" -v c="$cpu" 'BEGIN {printf "%.2f M", e / c / 1e6}')"
}

# RSS per device: the difference in peak RSS between two rows over the difference in devices.
echo "| run | devices | CPU [s] | wall [s] | peak RSS [MiB] | calendar events | events per CPU second |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for n in $SYSTEMS; do measure systems-only "$n" scenarios/stress-systems.toml; done
for n in $TRAINING; do measure training "$n" scenarios/stress-500.toml; done
