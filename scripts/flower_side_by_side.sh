#!/usr/bin/env bash
# Flower's simulation engine and flsnn on the same work, side by side (not run in CI).
#
#   scripts/flower_side_by_side.sh [CLIENTS] [ROUNDS]        (default 1000 clients x 3 rounds)
#   FLWR_PYTHON=/path/to/python scripts/flower_side_by_side.sh 1000 3
#
# The work: CLIENTS clients, ROUNDS rounds, every client takes part in every round and uploads a
# model of 10,836 float32 values (the 676-0-2 SNN, 43,344 B, what flsnn's full upload carries),
# with trivial local training (Flower: the parameters are returned unchanged; flsnn: systems-only
# mode, fl.systems_only = true, on scenarios/stress-systems.toml, whose uplink scales with the
# clients (200 kbit/s each), with both links lossless, so that every client's update arrives in every round, as in
# Flower; the script checks that flsnn delivered CLIENTS x ROUNDS uploads). Both sides are timed
# the same way, from outside, process start to exit: Flower's Python start, imports and Ray
# start-up count as flsnn's start-up (reading the data set, building the run) does. flsnn runs
# three times and the median is taken (its runs are short and the machine is shared).
#
# Prints each side's wall time, its overhead per client update (wall time / (clients x rounds))
# and their ratio, and flsnn's CPU time. Needs a Python with `pip install "flwr[simulation]"`
# (Flower and Ray); FLWR_PYTHON names it (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-1000}
ROUNDS=${2:-3}
PY=${FLWR_PYTHON:-python3}
BIN=target/release/flsnn
cargo build --release --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

cat >"$OUT/flower.py" <<'PY'
import sys
import numpy as np
import flwr as fl
from flwr.common import ndarrays_to_parameters

clients, rounds = int(sys.argv[1]), int(sys.argv[2])
VALUES = 10_836  # 676-0-2: W 2 x 678 x 8 minus the masked self-synapses, V and gamma


class Trivial(fl.client.NumPyClient):
    def fit(self, parameters, config):
        return parameters, 4, {}

    def evaluate(self, parameters, config):
        return 0.0, 4, {}


def client_fn(context):
    return Trivial().to_client()


strategy = fl.server.strategy.FedAvg(
    fraction_fit=1.0,
    fraction_evaluate=0.0,
    min_fit_clients=clients,
    min_available_clients=clients,
    initial_parameters=ndarrays_to_parameters([np.zeros(VALUES, dtype=np.float32)]),
)
fl.simulation.start_simulation(
    client_fn=client_fn,
    num_clients=clients,
    config=fl.server.ServerConfig(num_rounds=rounds),
    strategy=strategy,
    client_resources={"num_cpus": 1},
    ray_init_args={"include_dashboard": False, "log_to_driver": False},
)
PY
start=$(date +%s.%N)
"$PY" "$OUT/flower.py" "$CLIENTS" "$ROUNDS" >"$OUT/flower.txt" 2>"$OUT/flower.err" || { cat "$OUT/flower.err" >&2; exit 1; }
end=$(date +%s.%N)
flower=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f", e - s}')

walls=()
for i in 1 2 3; do
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$OUT/flsnn.time" "$BIN" run scenarios/stress-systems.toml \
        --threads 2 --out "$OUT/flsnn-$i" --set fl.devices="$CLIENTS" \
        --set fl.steps=$((ROUNDS * 80)) \
        --set channel.uplink.loss.p=0 --set channel.downlink.loss.p=0 >/dev/null 2>"$OUT/flsnn.err"
    end=$(date +%s.%N)
    walls+=("$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.4f", e - s}')")
    cpus+=("$(awk '{printf "%.3f", $1 + $2}' "$OUT/flsnn.time")")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
flsnn=$(median "${walls[@]}")
cpu=$(median "${cpus[@]}")
uploads=$(grep -A2 '"uploads"' "$OUT/flsnn-1/summary.json" | sed -n 3p | tr -dc '0-9')
if [ "$uploads" != $((CLIENTS * ROUNDS)) ]; then
    echo "flsnn delivered $uploads uploads, not $((CLIENTS * ROUNDS)): not the same work" >&2
    exit 1
fi

awk -v f="$flower" -v fs="$flsnn" -v c="$cpu" -v n="$CLIENTS" -v r="$ROUNDS" -v u="$uploads" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    updates = n * r
    printf "work: %d clients x %d rounds = %d client updates (flsnn delivered %d)\n", n, r, updates, u
    printf "load average: %s\n", load
    printf "Flower (simulation engine, Ray): %8.3f s wall, %10.1f us per client update\n", f, f / updates * 1e6
    printf "flsnn (systems-only):            %8.3f s wall, %10.1f us per client update (%.3f s CPU, median of 3)\n", fs, fs / updates * 1e6, c
    printf "ratio of overhead per client update (Flower / flsnn): %.0fx\n", f / fs
}'
