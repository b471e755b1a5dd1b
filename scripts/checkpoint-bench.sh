#!/usr/bin/env bash
# What checkpoints cost on scenarios/stress-500.toml (issue 9), for the README:
#   1. a run with --checkpoint-every EVERY against the same run without (farm-bench pairs them:
#      the ratio is the overhead), and the checkpoints' own figures as the run prints them
#      (count, seconds spent saving, size of the last one and per device);
#   2. the time to resume from a checkpoint taken halfway (a run stopped by the test hook while
#      writing its checkpoint number HALF, killed, its folder kept and copied back before each
#      resume) against a whole run.
#
#   scripts/checkpoint-bench.sh [EVERY] [HALF]      (default: 4 rounds, checkpoint 2 of 4)
set -euo pipefail
cd "$(dirname "$0")/.."
EVERY=${1:-4}
HALF=${2:-2}
BIN=$PWD/target/release/flsnn
SC=$PWD/scenarios/stress-500.toml
cargo build --release --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cd "$OUT"

echo "== checkpoint figures (one run, --checkpoint-every $EVERY)"
"$BIN" run "$SC" --out ck --checkpoint-every "$EVERY" 2>/dev/null | grep -E "checkpoints|time "
rm -rf ck

echo "== with checkpoints (A) against without (B)"
farm-bench -n 3 --timeout 600 --vs "$BIN run $SC --out b --force" \
  -- "$BIN" run "$SC" --out a --force --checkpoint-every "$EVERY"

echo "== resume from checkpoint $HALF (A) against a whole run (B)"
FLSNNTEST_STALL=checkpoint:$((HALF + 1)) "$BIN" run "$SC" --out r --checkpoint-every "$EVERY" \
  >/dev/null 2>stall.log &
PID=$!
until grep -q "test stall" stall.log; do sleep 0.2; done
kill -9 "$PID"; wait "$PID" 2>/dev/null || true
mv .flsnn/r.run saved.run
ls -l saved.run
farm-bench -n 3 --timeout 600 --vs "$BIN run $SC --out b --force" \
  -- sh -c "rm -rf r .flsnn/r.run && mkdir -p .flsnn && cp -r saved.run .flsnn/r.run && exec $BIN run $SC --resume r"
