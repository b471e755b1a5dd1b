#!/usr/bin/env bash
# Reproduces every figure of docs/experiments.md with the project's own commands.
# Usage: scripts/experiments.sh [OUT]   (default OUT = experiments-out; about 15 min on 2 cores)
# Needs the release binary: cargo build --release (FLSNN overrides its path).
set -euo pipefail
cd "$(dirname "$0")/.."
FLSNN=${FLSNN:-${CARGO_TARGET_DIR:-target}/release/flsnn}
OUT=${1:-experiments-out}
JOBS=${JOBS:-2}
mkdir -p "$OUT"
# The first reproduction's checkpoints: every 400 local steps on 100 test examples.
CHECK=(--set eval.local_every_steps=400 --set eval.test_examples_per_eval=100)

timed() { # timed NAME COMMAND...: runs COMMAND and appends its wall time to $OUT/timings.txt
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  printf '%s %.2f s\n' "$name" "$(echo "$end - $start" | bc)" | tee -a "$OUT/timings.txt"
}

fig4() { # fig4 DIR EXTRA_SETS...: FL-SNN at tau in {1,8,16,400} and separate training, 3 trials
  local dir=$1
  shift
  rm -rf "$dir"
  mkdir -p "$dir"
  timed "$dir sweep tau" "$FLSNN" sweep scenarios/paper-fig4.toml --grid fl.tau=1,8,16,400 \
    --trials 3 --jobs "$JOBS" "${CHECK[@]}" "$@" --out "$dir/fl"
  timed "$dir sweep separate" "$FLSNN" sweep scenarios/paper-fig4.toml --grid fl.mode=separate \
    --trials 3 --jobs "$JOBS" "${CHECK[@]}" "$@" --out "$dir/separate"
  timed "$dir compare" "$FLSNN" compare "$dir/fl" "$dir/separate"
  "$FLSNN" report "$dir"
}

# 0. Figure 4 as the paper measured it (scenarios/paper-fig4.toml: Delta_s = 80, eta = 0.05/80,
# checkpoints every 40 local steps on all 200 test examples, both loss measures), then the same at
# Delta_s = 1 with the original eta = 0.05. 3 trials each.
paper() { # paper DIR EXTRA_SETS...: tau in {1,8,16,400} and separate training, 3 trials
  local dir=$1
  shift
  rm -rf "$dir"
  mkdir -p "$dir"
  timed "$dir sweep tau" "$FLSNN" sweep scenarios/paper-fig4.toml --grid fl.tau=1,8,16,400 \
    --trials 3 --jobs "$JOBS" "$@" --out "$dir/fl"
  timed "$dir sweep separate" "$FLSNN" sweep scenarios/paper-fig4.toml --grid fl.mode=separate \
    --trials 3 --jobs "$JOBS" "$@" --out "$dir/separate"
  timed "$dir report" "$FLSNN" report "$dir"
}
paper "$OUT/paper-ds80"
paper "$OUT/paper-ds1" --set snn.delta_s=1 --set snn.eta=0.05
paper "$OUT/paper-ds80-events" --set data.encoding=events

# 1. Figure 4 as first reproduced (Delta_s = 1, eta 0.01): rate coding, then emulated events.
CHECK+=(--set snn.delta_s=1 --set snn.eta=0.01)
fig4 "$OUT/fig4-rate"
fig4 "$OUT/fig4-events" --set data.encoding=events --set snn.eta=0.003

# 2. Fixed-rate exchange: rate 0.25, both aggregation variants, tau in {4,8,16,32}.
rm -rf "$OUT/fixed-rate"
timed "fixed-rate sweep" "$FLSNN" sweep scenarios/paper-fig4.toml \
  --set compression.kind=fixed-rate --set compression.rate=0.25 "${CHECK[@]}" \
  --grid compression.aggregation=original,keep-local --grid fl.tau=4,8,16,32 \
  --trials 3 --jobs "$JOBS" --out "$OUT/fixed-rate"
"$FLSNN" report "$OUT/fixed-rate"
# The same at the paper's time scale (paper-fig4.toml's defaults); final accuracy only, so one
# local checkpoint at the end.
rm -rf "$OUT/fixed-rate-paper"
timed "fixed-rate sweep, paper time scale" "$FLSNN" sweep scenarios/paper-fig4.toml \
  --set compression.kind=fixed-rate --set compression.rate=0.25 --set eval.local_every_steps=32000 \
  --grid compression.aggregation=original,keep-local --grid fl.tau=4,8,16,32 \
  --trials 3 --jobs "$JOBS" --out "$OUT/fixed-rate-paper"
"$FLSNN" report "$OUT/fixed-rate-paper"

# 3. Budget study: 20 devices, lossy shared uplink; four exchanges, each at tau in {10,20,40}.
B="$OUT/budget"
rm -rf "$B"
mkdir -p "$B"
budget() { # budget NAME SETS...
  local name=$1
  shift
  timed "budget $name" "$FLSNN" sweep scenarios/budget-study.toml "$@" --grid fl.tau=10,20,40 \
    --trials 3 --jobs "$JOBS" --out "$B/$name"
}
budget full --set compression.kind=none
budget fixed-rate --set compression.kind=fixed-rate --set compression.rate=0.25
budget top-k --set compression.kind=top-k --set compression.fraction=0.05 \
  --set compression.error_feedback=true
budget quantize-4bit --set compression.kind=quantize --set compression.bits=4
timed "budget compare" "$FLSNN" compare "$B/full" "$B/fixed-rate" "$B/top-k" "$B/quantize-4bit"
"$FLSNN" report "$B"

# The figures of docs/experiments.md, and its tables.
mkdir -p docs/figures
for ext in png svg; do
  for m in nll sampled; do
    cp "$OUT/paper-ds80/plots/local-$m-separate.$ext" "docs/figures/fig4-paper-$m.$ext"
    cp "$OUT/paper-ds1/plots/local-$m-separate.$ext" "docs/figures/fig4-paper-ds1-$m.$ext"
    cp "$OUT/paper-ds80-events/plots/local-$m-separate.$ext" "docs/figures/fig4-paper-events-$m.$ext"
  done
  cp "$OUT/fig4-rate/plots/local-nll-separate.$ext" "docs/figures/fig4-rate.$ext"
  cp "$OUT/fig4-events/plots/local-nll-separate.$ext" "docs/figures/fig4-events.$ext"
  cp "$OUT/fixed-rate/plots/accuracy-tau.$ext" "docs/figures/fixed-rate-tau.$ext"
  cp "$OUT/fixed-rate-paper/plots/accuracy-tau.$ext" "docs/figures/fixed-rate-tau-paper.$ext"
  cp "$OUT/budget/plots/accuracy-budget.$ext" "docs/figures/budget-study.$ext"
done
python3 scripts/experiment_tables.py "$OUT" > "$OUT/tables.md"
