#!/usr/bin/env python3
"""Prints the markdown tables of docs/experiments.md from the folders scripts/experiments.sh wrote.

Usage: scripts/experiment_tables.py [OUT]   (default OUT = experiments-out)
Mean +- sample std over trials. Reads only the project's own outputs (curves.csv, sweep.csv,
summary.json); standard library only.
"""
import csv
import json
import math
import os
import sys


def mean_std(values):
    n = len(values)
    if n == 0:
        return math.nan, math.nan
    m = sum(values) / n
    if n < 2:
        return m, 0.0
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))


def pm(values, digits=3):
    m, s = mean_std(values)
    return f"{m:.{digits}f} ± {s:.{digits}f}"


def runs_by_point(sweep):
    points = {}
    runs = os.path.join(sweep, "runs")
    for name in sorted(n for n in os.listdir(runs) if not n.startswith(".")):
        point = name.rsplit("-t", 1)[0]
        points.setdefault(point, []).append(os.path.join(runs, name))
    return points


def final_device_loss(run):
    """The devices' mean local test NLL at the last checkpoint of curves.csv."""
    with open(os.path.join(run, "curves.csv")) as f:
        rows = list(csv.DictReader(f))
    step = lambda r: int(r.get("local_step") or r["global_iteration"])
    last = max(step(r) for r in rows)
    losses = [float(r["test_nll"]) for r in rows if step(r) == last]
    return sum(losses) / len(losses)


def checkpoint_losses(run):
    """{local step: (mean teacher-forced NLL, mean sampled loss per example)} over the devices."""
    with open(os.path.join(run, "curves.csv")) as f:
        rows = list(csv.DictReader(f))
    by_step = {}
    for r in rows:
        step = int(r.get("local_step") or r["global_iteration"])
        sampled = -float(r["sampled_loglik"]) / int(r["examples"])
        by_step.setdefault(step, []).append((float(r["test_nll"]), sampled))
    return {k: (sum(a for a, _ in v) / len(v), sum(b for _, b in v) / len(v))
            for k, v in by_step.items()}


def paper(folder):
    """Figure 4 as the paper measured it: both measures, at the middle and the end of the run,
    normalised by separate training at convergence (its last checkpoint) and by the first
    checkpoint."""
    separate = runs_by_point(os.path.join(folder, "separate"))
    (sep_runs,) = separate.values()
    sep = [checkpoint_losses(r) for r in sep_runs]
    last = max(sep[0])
    middle = sorted(sep[0])[len(sep[0]) // 2 - 1]
    ref = [sum(c[last][m] for c in sep) / len(sep) for m in (0, 1)]
    print(f"\n### {os.path.basename(folder)} (separate training at convergence: NLL "
          f"{ref[0]:.2f}, sampled {ref[1]:.2f} nats per example; middle = step {middle})\n")
    print("| point | NLL [nats] | NLL / separate, middle | NLL / separate, end | NLL / first "
          "| sampled [nats] | sampled / separate, end | sampled / first | accuracy (global) "
          "| uplink [MB] |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    groups = list(runs_by_point(os.path.join(folder, "fl")).items()) + list(separate.items())
    for point, runs in groups:
        curves = [checkpoint_losses(r) for r in runs]
        first = min(curves[0])
        nll = [c[last][0] for c in curves]
        smp = [c[last][1] for c in curves]
        acc = [summary(r)["accuracy"] for r in runs]
        mb = [summary(r)["bytes_up"] / 1e6 for r in runs]
        print(f"| {point} | {pm(nll, 2)} | {pm([c[middle][0] / ref[0] for c in curves])} "
              f"| {pm([x / ref[0] for x in nll])} | {pm([c[last][0] / c[first][0] for c in curves])} "
              f"| {pm(smp, 2)} | {pm([x / ref[1] for x in smp])} "
              f"| {pm([c[last][1] / c[first][1] for c in curves])} | {pm(acc)} "
              f"| {mean_std(mb)[0]:.1f} |")


def summary(run):
    with open(os.path.join(run, "summary.json")) as f:
        return json.load(f)


def fig4(folder):
    separate = runs_by_point(os.path.join(folder, "separate"))
    (sep_runs,) = separate.values()
    reference = sum(final_device_loss(r) for r in sep_runs) / len(sep_runs)
    print(f"\n### {os.path.basename(folder)} (separate-training loss at convergence: "
          f"{reference:.2f} nats)\n")
    print("| point | final local loss [nats] | normalised | global-model accuracy | uplink [MB] |")
    print("|---|---|---|---|---|")
    groups = list(runs_by_point(os.path.join(folder, "fl")).items()) + list(separate.items())
    for point, runs in groups:
        losses = [final_device_loss(r) for r in runs]
        acc = [summary(r)["accuracy"] for r in runs]
        mb = [summary(r)["bytes_up"] / 1e6 for r in runs]
        print(f"| {point} | {pm(losses, 2)} | {pm([l / reference for l in losses])} "
              f"| {pm(acc)} | {mean_std(mb)[0]:.1f} |")


def sweep_table(folder, title):
    print(f"\n### {title}\n")
    print("| point | accuracy | test NLL | uplink [MB] | uploads lost |")
    print("|---|---|---|---|---|")
    for point, runs in runs_by_point(folder).items():
        s = [summary(r) for r in runs]
        mb = [x["bytes_up"] / 1e6 for x in s]
        lost = [x["uploads"][2] for x in s]
        print(f"| {point} | {pm([x['accuracy'] for x in s])} | {pm([x['test_nll'] for x in s], 2)} "
              f"| {pm(mb, 2)} | {mean_std(lost)[0]:.0f} |")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "experiments-out"
    for name in ("paper-ds80", "paper-ds1", "paper-ds80-events"):
        if os.path.isdir(os.path.join(out, name, "separate")):
            paper(os.path.join(out, name))
    for name in ("fig4-rate", "fig4-events"):
        if os.path.isdir(os.path.join(out, name, "separate")):
            fig4(os.path.join(out, name))
    if os.path.isdir(os.path.join(out, "fixed-rate")):
        sweep_table(os.path.join(out, "fixed-rate"), "fixed-rate")
    if os.path.isdir(os.path.join(out, "fixed-rate-paper")):
        sweep_table(os.path.join(out, "fixed-rate-paper"), "fixed-rate, paper time scale")
    budget = os.path.join(out, "budget")
    if os.path.isdir(budget):
        for kind in sorted(k for k in os.listdir(budget) if not k.startswith(".")):
            if os.path.isdir(os.path.join(budget, kind, "runs")):
                sweep_table(os.path.join(budget, kind), f"budget: {kind}")


main()
