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
# clients: 200 kbit/s each). Prints each side's wall time, its overhead per client update (wall time / (clients x
# rounds)) and their ratio. Needs a Python with `pip install "flwr[simulation]"` (Flower and
# Ray); FLWR_PYTHON names it (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-1000}
ROUNDS=${2:-3}
PY=${FLWR_PYTHON:-python3}
BIN=target/release/flsnn
cargo build --release --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

"$PY" - "$CLIENTS" "$ROUNDS" >"$OUT/flower.txt" 2>"$OUT/flower.err" <<'PY' || { cat "$OUT/flower.err" >&2; exit 1; }
import sys, time
start = time.perf_counter()
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
print(f"{time.perf_counter() - start:.3f}")
PY
flower=$(tail -n 1 "$OUT/flower.txt")

start=$(date +%s.%N)
"$BIN" run scenarios/stress-systems.toml --threads 2 --out "$OUT/flsnn" \
    --set fl.devices="$CLIENTS" --set fl.steps=$((ROUNDS * 80)) >/dev/null 2>"$OUT/flsnn.err"
end=$(date +%s.%N)
uploads=$(grep -A1 '"uploads"' "$OUT/flsnn/summary.json" | tail -n 1 | tr -dc '0-9')

awk -v f="$flower" -v s="$start" -v e="$end" -v n="$CLIENTS" -v r="$ROUNDS" -v u="$uploads" 'BEGIN {
    fs = e - s; updates = n * r
    printf "work: %d clients x %d rounds = %d client updates (flsnn delivered %d uploads)\n", n, r, updates, u
    printf "Flower (simulation engine, Ray): %8.3f s wall, %10.1f us per client update\n", f, f / updates * 1e6
    printf "flsnn (systems-only):            %8.3f s wall, %10.1f us per client update\n", fs, fs / updates * 1e6
    printf "ratio of overhead per client update (Flower / flsnn): %.0fx\n", f / fs
}'
