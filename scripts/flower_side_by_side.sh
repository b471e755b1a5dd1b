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
# five times per size and the median is taken (its runs are short and the machine is shared);
# Flower once per size (it starts many processes).
#
# Each side runs the work twice: ROUNDS rounds and 2 x ROUNDS rounds. Prints
# - the overhead per client update: wall time of the ROUNDS-round run / (CLIENTS x ROUNDS), for
#   each side, and their ratio (start-up included);
# - the marginal time per client update: the added wall time of the 2 x ROUNDS-round run over the
#   ROUNDS-round one, divided by the added CLIENTS x ROUNDS updates, for each side, and their
#   ratio (start-up excluded);
# and flsnn's CPU time. Needs a Python with `pip install "flwr[simulation]"` (Flower and Ray);
# FLWR_PYTHON names it (default python3).
set -euo pipefail
shopt -s inherit_errexit
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
# Wall time [s] of a command, from process start to exit (its output kept in $OUT/cmd.*).
wall() {
    local start end
    start=$(date +%s.%N)
    "$@" >"$OUT/cmd.out" 2>"$OUT/cmd.err" || { cat "$OUT/cmd.err" >&2; return 1; }
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN {printf "%.4f", e - s}'
}

# Flower on CLIENTS clients x $1 rounds: its wall time.
flower() {
    wall "$PY" "$OUT/flower.py" "$CLIENTS" "$1"
}

median() { printf '%s\n' "$@" | sort -g | sed -n 3p; }

# flsnn on CLIENTS clients x $1 rounds, five times: "median-wall median-cpu"; checks that it
# delivered every update.
flsnn() {
    local walls=() cpus=() i uploads
    for i in 1 2 3 4 5; do
        walls+=("$(wall /usr/bin/time -f "%U %S" -o "$OUT/flsnn.time" "$BIN" run \
            scenarios/stress-systems.toml --threads 2 --out "$OUT/flsnn-$1-$i" \
            --set fl.devices="$CLIENTS" --set fl.steps=$(($1 * 80)) \
            --set channel.uplink.loss.p=0 --set channel.downlink.loss.p=0)")
        cpus+=("$(awk '{printf "%.3f", $1 + $2}' "$OUT/flsnn.time")")
    done
    uploads=$(grep -A2 '"uploads"' "$OUT/flsnn-$1-1/summary.json" | sed -n 3p | tr -dc '0-9')
    if [ "$uploads" != $((CLIENTS * $1)) ]; then
        echo "flsnn delivered $uploads uploads, not $((CLIENTS * $1)): not the same work" >&2
        exit 1
    fi
    echo "$(median "${walls[@]}") $(median "${cpus[@]}")"
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
flower1=$(flower "$ROUNDS")
flower2=$(flower $((2 * ROUNDS)))
one=$(flsnn "$ROUNDS")
two=$(flsnn $((2 * ROUNDS)))
read -r flsnn1 cpu1 <<<"$one"
read -r flsnn2 cpu2 <<<"$two"

awk -v f1="$flower1" -v f2="$flower2" -v s1="$flsnn1" -v s2="$flsnn2" -v c1="$cpu1" -v c2="$cpu2" \
    -v n="$CLIENTS" -v r="$ROUNDS" -v load="$load" -v load2="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    u1 = n * r; u2 = 2 * n * r; du = u2 - u1
    printf "work: %d clients x %d rounds = %d client updates, and x %d rounds = %d\n", n, r, u1, 2 * r, u2
    printf "load average: %s at the start, %s at the end\n", load, load2
    printf "wall time [s]                      %2d rounds   %2d rounds\n", r, 2 * r
    printf "Flower (simulation engine, Ray):  %9.3f  %9.3f  (one run each)\n", f1, f2
    printf "flsnn (systems-only):             %9.3f  %9.3f  (median of 5; CPU %.3f s, %.3f s)\n", s1, s2, c1, c2
    print ""
    printf "overhead per client update, start-up included (wall / %d updates):\n", u1
    printf "  Flower %10.1f us, flsnn %8.2f us, ratio (Flower / flsnn) %.0fx\n", f1 / u1 * 1e6, s1 / u1 * 1e6, f1 / s1
    printf "marginal time per added client update, start-up excluded ((%d-round wall - %d-round wall) / %d added updates):\n", 2 * r, r, du
    mf = (f2 - f1) / du; ms = (s2 - s1) / du
    if (ms > 0 && mf > 0)
        printf "  Flower %10.1f us, flsnn %8.2f us, ratio (Flower / flsnn) %.0fx\n", mf * 1e6, ms * 1e6, mf / ms
    else
        printf "  Flower %10.1f us, flsnn %8.2f us: below the timing noise, no ratio\n", mf * 1e6, ms * 1e6
    printf "  flsnn on CPU time: %.2f us per added client update\n", (c2 - c1) / du * 1e6
}'
